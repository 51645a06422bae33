/**
 * Bounds on a manifest, checked before the schema validator sees it: the validator (and
 * JSON.stringify, and deep equality for `uniqueItems`) recurse, so an array nested 10,000 deep
 * overflows the stack. A real manifest is 5 levels deep and a few hundred values.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024;
export const MAX_MANIFEST_DEPTH = 16;
export const MAX_MANIFEST_VALUES = 20_000;

/**
 * The problem with a parsed manifest's shape, naming the JSON path where it went too deep, or
 * undefined when it is within bounds. Walks with its own stack, so no input can overflow it.
 */
export function manifestShapeProblem(
  json: unknown,
  limits: { maxDepth: number; maxValues: number } = { maxDepth: MAX_MANIFEST_DEPTH, maxValues: MAX_MANIFEST_VALUES },
): string | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: json, path: [] }];
  let values = 0;
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (++values > limits.maxValues) {
      return `/: more than ${limits.maxValues} values; a manifest lists what a plugin contributes and needs, not data`;
    }
    if (value === null || typeof value !== "object") continue;
    if (path.length >= limits.maxDepth) {
      return `${pointer(path)}: nested deeper than ${limits.maxDepth} levels; no manifest field is more than 5 deep`;
    }
    const entries = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value);
    // Pushed last to first, so the first problem in reading order is the one reported.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index]!;
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return undefined;
}

/** A JSON pointer, its first segments only: the path to a 10,000-deep value is not worth printing whole. */
function pointer(path: string[]): string {
  const shown = path.slice(0, 6).map((key) => key.replaceAll("~", "~0").replaceAll("/", "~1").slice(0, 40));
  return `/${shown.join("/")}${path.length > shown.length ? "/…" : ""}`;
}
