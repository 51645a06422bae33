import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { notebookLines } from "./notebook-view.js";
import { absolutePath, looksBinary } from "./paths.js";

const DEFAULT_LIMIT = 2000;
const MAX_LINE = 2000;

export const read = defineTool<{ path: string; offset?: number; limit?: number }>({
  name: "read",
  description:
    "Read a text file with line numbers; offset (first line, 1-based) and limit (default 2000 lines) read part of it. Notebooks show cells and outputs.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string", description: "Absolute, or relative to the working directory" },
      offset: { type: "integer", minimum: 1 },
      limit: { type: "integer", minimum: 1 },
    },
    required: ["path"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(args.path, { cwd }) }),
  async execute(args, ctx) {
    const path = absolutePath(args.path, ctx);
    let bytes: Uint8Array;
    try {
      // One call to the host for the usual read: what is there is asked only when the read fails.
      bytes = await ctx.fs.readFile(path);
    } catch (error) {
      const stat = await ctx.fs.stat(path).catch(() => undefined);
      if (stat === null) return { content: `${path} does not exist.${await suggestions(path, ctx)}`, isError: true };
      if (stat?.type === "directory") return { content: `${path} is a directory; use ls to list it.`, isError: true };
      // A refusal, a file that is not a regular one, a file too large: the read's own error.
      throw error;
    }
    if (looksBinary(bytes)) {
      return {
        content: `${path} is a binary file (${bytes.length} bytes); it cannot be shown as text.`,
        details: { binary: true, size: bytes.length },
      };
    }
    const decoded = new TextDecoder().decode(bytes);
    // A notebook reads as its cells (ids, sources, outputs), not as its JSON.
    const notebook = path.endsWith(".ipynb") ? notebookLines(decoded) : undefined;
    const lines = notebook ?? decoded.split("\n");
    if (!notebook && lines.at(-1) === "") lines.pop();
    const start = (args.offset ?? 1) - 1;
    const end = Math.min(lines.length, start + (args.limit ?? DEFAULT_LIMIT));
    if (lines.length === 0) return { content: `${path} is empty.`, details: { lines: 0 } };
    if (start >= lines.length) {
      return {
        content: `${path} has only ${lines.length} lines; offset ${args.offset} is past the end.`,
        isError: true,
      };
    }
    const width = String(end).length;
    const body = lines
      .slice(start, end)
      .map((line, index) => {
        const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… [line cut at ${MAX_LINE} characters]` : line;
        return notebook ? text : `${String(start + index + 1).padStart(width)}\t${text}`;
      })
      .join("\n");
    const partial = start > 0 || end < lines.length;
    const note = partial ? `\n(showing lines ${start + 1}-${end} of ${lines.length}; use offset to read more)` : "";
    return {
      content: body + note,
      details: { path, lines: lines.length, from: start + 1, to: end, ...(notebook ? { notebook: true } : {}) },
    };
  },
});

async function suggestions(path: string, ctx: PluginToolContext): Promise<string> {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash) || "/";
  const name = path.slice(slash + 1).toLowerCase();
  try {
    const entries = await ctx.fs.readdir(dir);
    const close = entries
      .map((entry) => entry.name)
      .filter((candidate) => {
        const lower = candidate.toLowerCase();
        return lower.includes(name.split(".")[0] ?? name) || name.includes(lower.split(".")[0] ?? lower);
      })
      .slice(0, 5);
    return close.length > 0 ? ` Did you mean: ${close.join(", ")}?` : "";
  } catch {
    return "";
  }
}
