import { defineTool } from "@pincer/sdk";
import { absolutePath } from "./paths.js";

export const write = defineTool<{ path: string; content: string }>({
  name: "write",
  description: "Write a file, creating parent directories; replaces the whole file. To change part of a file use edit.",
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string" },
      content: { type: "string" },
    },
    required: ["path", "content"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(args.path, { cwd }) }),
  async execute(args, ctx) {
    const path = absolutePath(args.path, ctx);
    const before = await ctx.fs.stat(path);
    if (before?.type === "directory") return { content: `${path} is a directory; give a file path.`, isError: true };
    await ctx.fs.writeFile(path, args.content);
    const bytes = new TextEncoder().encode(args.content).length;
    return {
      content: `${before ? "Overwrote" : "Created"} ${path} (${bytes} bytes).`,
      details: { path, created: !before, bytes },
    };
  },
});
