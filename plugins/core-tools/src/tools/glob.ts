import { defineTool } from "@pincer/sdk";
import { absolutePath, relativeTo } from "./paths.js";
import { globToRegExp, walkFiles } from "./walk.js";

const MAX_RESULTS = 1000;

export const glob = defineTool<{ pattern: string; path?: string }>({
  name: "glob",
  description: "Find files by glob pattern, e.g. src/**/*.{ts,tsx}. Skips .git and node_modules. Sorted paths.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      pattern: { type: "string", minLength: 1, description: "Glob relative to path" },
      path: { type: "string", description: "Default: working directory" },
    },
    required: ["pattern"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(args.path ?? ".", { cwd }) }),
  async execute(args, ctx) {
    const root = absolutePath(args.path ?? ".", ctx);
    const stat = await ctx.fs.stat(root);
    if (stat?.type !== "directory") return { content: `${root} is not a directory.`, isError: true };
    const regex = globToRegExp(args.pattern);
    const found: string[] = [];
    for await (const file of walkFiles(ctx.fs, root)) {
      if (ctx.signal.aborted) break;
      if (regex.test(relativeTo(root, file))) found.push(relativeTo(ctx.cwd, file));
    }
    found.sort();
    if (found.length === 0) return { content: `No files match ${args.pattern} in ${root}.`, details: { count: 0 } };
    const shown = found.slice(0, MAX_RESULTS);
    const note =
      found.length > MAX_RESULTS ? `\n[${found.length - MAX_RESULTS} more not shown; narrow the pattern]` : "";
    return { content: shown.join("\n") + note, details: { count: found.length } };
  },
});
