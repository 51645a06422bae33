/**
 * Short model names, as Claude Code takes them (`--model sonnet`), each standing for the current
 * catalogue entry of its family. They work wherever a model is named: `--model`, `model` in
 * settings, `PINCER_MODEL`, `/model`, and an agent file's `model:`. What a session records is the
 * full `provider/model` it resolved to, so a resumed session keeps its model when an alias moves on.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  opus: "anthropic/claude-opus-5-5",
  sonnet: "anthropic/claude-sonnet-5-5",
  haiku: "anthropic/claude-haiku-4-5",
  gpt: "openai/gpt-5",
  "gpt-mini": "openai/gpt-5-mini",
};

/** The `provider/model` an alias stands for (case-insensitive), or the name as given. */
export function resolveModelAlias(name: string): string {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(MODEL_ALIASES, key) ? (MODEL_ALIASES[key] as string) : name;
}

/** The aliases that stand for a model, for listings (`pincer models`). */
export function aliasesOf(modelRef: string): string[] {
  return Object.entries(MODEL_ALIASES)
    .filter(([, target]) => target === modelRef)
    .map(([alias]) => alias);
}
