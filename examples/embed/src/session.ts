/**
 * Embedding Pincer's full sessions: @pincer/runtime composes what `pincer -p` gets — settings, the
 * built-in and installed plugins (each in its sandbox), AGENTS.md, skills (the `skill` tool),
 * subagents (the `task` tool), MCP servers and hooks — around the same kernel. Run it with
 * `pnpm --filter @pincer/example-embed session "your prompt"`: the model is the one your config or
 * PINCER_MODEL names (or --model's), with its key from the environment, as for `pincer -p`.
 */
import { pathToFileURL } from "node:url";
import type { TurnResult } from "@pincer/kernel";
import { pincerHome, prepareSession, UsageError } from "@pincer/runtime";

export interface SessionRun {
  prompt: string;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  model?: string;
  log(line: string): void;
}

export async function runSession(run: SessionRun): Promise<TurnResult> {
  const prepared = await prepareSession({
    cwd: run.cwd,
    home: run.home,
    env: run.env,
    ...(run.model ? { model: run.model } : {}),
    // Shown to another process that finds this session open.
    writer: "examples/embed",
  });
  const { kernel } = prepared;
  for (const warning of prepared.warnings) run.log(`[warning] ${warning}`);
  kernel.subscribe((event) => {
    if (event.type === "tool_start") run.log(`[tool] ${event.name} ${JSON.stringify(event.args)}`);
    if (event.type === "tool_end") run.log(`[tool] ${event.name} done, error=${event.result.isError}`);
    if (event.type === "permission" && !event.allowed) run.log(`[denied] ${event.name}: ${event.decision.reason}`);
  });
  try {
    const result = await kernel.prompt(run.prompt);
    run.log(`[turn] ${result.stopReason}: ${result.error ?? result.text}`);
    run.log(`[session] ${prepared.session.id}, $${kernel.usage.cost.total.toFixed(6)}`);
    return result;
  } finally {
    prepared.dispose(); // stops the plugin isolates and MCP servers, releases the session's lock
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--model");
  const model = at >= 0 ? args.splice(at, 2)[1] : undefined;
  try {
    const result = await runSession({
      prompt: args.join(" ") || "What does this folder hold? One paragraph.",
      cwd: process.cwd(),
      home: pincerHome(),
      env: process.env,
      ...(model ? { model } : {}),
      log: (line) => console.log(line),
    });
    process.exitCode = result.stopReason === "end_turn" ? 0 : 1;
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
