import { defineTool } from "@pincer/sdk";
import { absolutePath, looksBinary, relativeTo } from "./paths.js";
import { globToRegExp, walkFiles } from "./walk.js";

const MAX_FILE_BYTES = 1_000_000;

export const grep = defineTool<{
  pattern: string;
  path?: string;
  glob?: string;
  ignore_case?: boolean;
  max_results?: number;
}>({
  name: "grep",
  description:
    "Search file contents with a JavaScript regex; returns file:line: text. Skips .git, node_modules, binary and large files.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      pattern: { type: "string", minLength: 1 },
      path: { type: "string", description: "File or directory (default: working directory)" },
      glob: { type: "string", description: "Only paths matching it, e.g. **/*.ts" },
      ignore_case: { type: "boolean" },
      max_results: { type: "integer", minimum: 1, maximum: 5000, description: "Default 200" },
    },
    required: ["pattern"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(args.path ?? ".", { cwd }) }),
  async execute(args, ctx) {
    let regex: RegExp;
    try {
      regex = new RegExp(args.pattern, args.ignore_case ? "i" : "");
    } catch (error) {
      return { content: `Invalid regular expression: ${(error as Error).message}`, isError: true };
    }
    const root = absolutePath(args.path ?? ".", ctx);
    const stat = await ctx.fs.stat(root);
    if (!stat) return { content: `${root} does not exist.`, isError: true };
    const filter = args.glob ? globToRegExp(args.glob) : undefined;
    const max = args.max_results ?? 200;
    const matches: string[] = [];
    let files = 0;
    const candidates = stat.type === "file" ? [root] : walkFiles(ctx.fs, root);
    for await (const file of candidates) {
      if (ctx.signal.aborted) break;
      const rel = relativeTo(root, file);
      if (filter && !filter.test(rel)) continue;
      const info = await ctx.fs.stat(file);
      if (!info || info.size > MAX_FILE_BYTES) continue;
      const bytes = await ctx.fs.readFile(file);
      if (looksBinary(bytes)) continue;
      files++;
      const lines = new TextDecoder().decode(bytes).split("\n");
      for (let index = 0; index < lines.length && matches.length <= max; index++) {
        if (regex.test(lines[index]!))
          matches.push(`${relativeTo(ctx.cwd, file)}:${index + 1}: ${lines[index]!.slice(0, 300)}`);
      }
      if (matches.length > max) break;
    }
    if (matches.length === 0)
      return { content: `No matches for /${args.pattern}/ in ${files} files.`, details: { matches: 0, files } };
    const capped = matches.length > max;
    const shown = matches.slice(0, max);
    return {
      content: shown.join("\n") + (capped ? `\n[stopped at ${max} matches; narrow the pattern, path or glob]` : ""),
      details: { matches: shown.length, files, capped },
    };
  },
});
