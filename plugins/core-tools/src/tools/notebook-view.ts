/**
 * A Jupyter notebook (.ipynb) as the model reads it: each cell with its index, id, type and
 * source, then its outputs as text (streams, results, errors without terminal colours; images and
 * other binary outputs named, not inlined). The file is untrusted JSON: anything not shaped like a
 * notebook is reported as such and read as plain text instead.
 */

const MAX_OUTPUT_CHARS = 4000;

interface Cell {
  cell_type?: unknown;
  id?: unknown;
  source?: unknown;
  outputs?: unknown;
  execution_count?: unknown;
}

/** The notebook's cells as text lines, or undefined when the JSON is not a notebook. */
export function notebookLines(text: string): string[] | undefined {
  let notebook: unknown;
  try {
    notebook = JSON.parse(text);
  } catch {
    return undefined;
  }
  const cells = (notebook as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(cells)) return undefined;
  const language = languageOf(notebook);
  const lines = [`Jupyter notebook: ${cells.length} cell${cells.length === 1 ? "" : "s"}${language}`];
  cells.forEach((raw, index) => {
    const cell = (typeof raw === "object" && raw !== null ? raw : {}) as Cell;
    const type = typeof cell.cell_type === "string" ? cell.cell_type : "unknown";
    const id = typeof cell.id === "string" ? ` id=${cell.id}` : "";
    const count = typeof cell.execution_count === "number" ? ` [${cell.execution_count}]` : "";
    lines.push("", `<cell ${index}${id} ${type}${count}>`, ...joinSource(cell.source).split("\n"));
    const outputs = Array.isArray(cell.outputs) ? cell.outputs : [];
    for (const output of outputs) lines.push(...outputLines(output));
    lines.push(`</cell ${index}>`);
  });
  return lines;
}

/** nbformat keeps source (and text outputs) as one string or as a list of lines. */
export function joinSource(source: unknown): string {
  if (typeof source === "string") return source;
  if (Array.isArray(source)) return source.filter((line) => typeof line === "string").join("");
  return "";
}

function languageOf(notebook: unknown): string {
  const metadata = (notebook as { metadata?: { language_info?: { name?: unknown } } }).metadata;
  const name = metadata?.language_info?.name;
  return typeof name === "string" ? ` (${name.slice(0, 40)})` : "";
}

function outputLines(raw: unknown): string[] {
  if (typeof raw !== "object" || raw === null) return [];
  const output = raw as { output_type?: unknown; name?: unknown; text?: unknown; data?: unknown } & {
    ename?: unknown;
    evalue?: unknown;
    traceback?: unknown;
  };
  switch (output.output_type) {
    case "stream":
      return section(`output ${typeof output.name === "string" ? output.name : "stream"}`, joinSource(output.text));
    case "execute_result":
    case "display_data":
      return richOutput(output.data);
    case "error": {
      const traceback = Array.isArray(output.traceback)
        ? output.traceback.filter((line) => typeof line === "string")
        : [];
      const text = traceback.length > 0 ? traceback.join("\n") : `${String(output.ename)}: ${String(output.evalue)}`;
      return section("error", stripAnsi(text));
    }
    default:
      return [];
  }
}

/** A result's text form when it has one; what else it holds (an image, HTML) is named. */
function richOutput(data: unknown): string[] {
  if (typeof data !== "object" || data === null) return [];
  const bundle = data as Record<string, unknown>;
  const kinds = Object.keys(bundle);
  const plain = bundle["text/plain"];
  const others = kinds.filter((kind) => kind !== "text/plain");
  const lines = plain !== undefined ? section("output", joinSource(plain)) : [];
  if (others.length > 0) lines.push(`[output also as ${others.slice(0, 5).join(", ")}]`);
  return lines;
}

function section(title: string, text: string): string[] {
  const cut =
    text.length > MAX_OUTPUT_CHARS
      ? `${text.slice(0, MAX_OUTPUT_CHARS)}… [output cut at ${MAX_OUTPUT_CHARS} characters]`
      : text;
  return [`--- ${title}`, ...cut.replace(/\n$/, "").split("\n")];
}

// Tracebacks carry terminal colour codes; they are noise to the model.
function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point.
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}
