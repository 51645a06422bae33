import type { ModelInfo } from "@pincer/kernel";
import { aliasesOf, configPath, createRegistry, MODEL_ALIASES, pincerHome, readSettings } from "@pincer/runtime";

/**
 * `pincer models`: every model the installed providers know, with context window and price.
 * Reading a provider's list starts its isolate, so this is a listing command, never a hot path.
 */
export async function modelsCommand(options: { env: NodeJS.ProcessEnv; json: boolean }): Promise<void> {
  const warnings: string[] = [];
  const home = pincerHome(options.env);
  const providers = readSettings(configPath(home)).providers;
  const registry = createRegistry(
    { home, cwd: process.cwd(), env: options.env, ...(providers ? { providerConfig: providers } : {}) },
    (plugin, error) => warnings.push(`${plugin}: ${error.message}`),
  );
  const models: Array<ModelInfo & { provider: string }> = [];
  try {
    for (const provider of registry.providerIds()) {
      try {
        const loaded = await registry.loadProvider(provider);
        for (const model of loaded.models) models.push({ provider, ...model });
      } catch (error) {
        warnings.push(`${provider}: ${(error as Error).message}`);
      }
    }
  } finally {
    registry.dispose();
  }
  for (const warning of warnings) process.stderr.write(`! ${warning}\n`);
  if (options.json) {
    // `reasoning` always present: whether --thinking reaches the model (absent in a catalogue means no).
    const listed = models.map((model) => ({
      ...model,
      reasoning: model.reasoning === true,
      aliases: aliasesOf(model.id),
    }));
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return;
  }
  const rows = [
    ["model", "alias", "thinks", "context", "max out", "$/M in", "$/M out", "$/M cache read", "$/M cache write"],
    ...models.map((model) => [
      model.id,
      aliasesOf(model.id).join(", "),
      model.reasoning ? "yes" : "no",
      tokens(model.contextWindow),
      tokens(model.maxOutputTokens),
      money(model.price.input),
      money(model.price.output),
      money(model.price.cacheRead),
      money(model.price.cacheWrite),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    process.stdout.write(
      `${row.map((cell, column) => (column <= 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ")}\n`,
    );
  }
  process.stdout.write(
    `\nAliases work wherever a model is named (--model, settings, /model): ${Object.keys(MODEL_ALIASES).join(", ")}.\n` +
      "Any other model of a provider works too (provider/model); unknown models are priced at zero.\n" +
      "--thinking reaches the models that think, and any model not listed here.\n",
  );
}

function tokens(count: number): string {
  return count >= 1_000_000
    ? `${(count / 1_000_000).toFixed(count % 1_000_000 ? 2 : 0)}M`
    : `${Math.round(count / 1000)}k`;
}

function money(value: number): string {
  return value === 0 ? "—" : value < 1 ? value.toFixed(3).replace(/0+$/, "") : value.toFixed(2);
}
