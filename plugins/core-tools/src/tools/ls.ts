import { defineTool } from "@pincer/sdk";
import { absolutePath } from "./paths.js";

const MAX_ENTRIES = 500;

export const ls = defineTool<{ path?: string }>({
  name: "ls",
  description: "List a directory: subdirectories (ending in /) first, then files.",
  kind: "read",
  parameters: {
    type: "object",
    properties: { path: { type: "string", description: "Default: working directory" } },
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(args.path ?? ".", { cwd }) }),
  async execute(args, ctx) {
    const dir = absolutePath(args.path ?? ".", ctx);
    const stat = await ctx.fs.stat(dir);
    if (!stat) return { content: `${dir} does not exist.`, isError: true };
    if (stat.type !== "directory") return { content: `${dir} is a file, not a directory; use read.`, isError: true };
    const entries = await ctx.fs.readdir(dir);
    entries.sort((a, b) =>
      (a.type === "directory") === (b.type === "directory")
        ? a.name.localeCompare(b.name)
        : a.type === "directory"
          ? -1
          : 1,
    );
    if (entries.length === 0) return { content: `${dir} is empty.`, details: { count: 0 } };
    const shown = entries
      .slice(0, MAX_ENTRIES)
      .map((entry) => (entry.type === "directory" ? `${entry.name}/` : entry.name));
    const note = entries.length > MAX_ENTRIES ? `\n[${entries.length - MAX_ENTRIES} more entries not shown]` : "";
    return { content: shown.join("\n") + note, details: { count: entries.length } };
  },
});
