import { definePlugin, defineTool } from "@pincer/sdk";

// A tool is a name, a description the model reads, a JSON Schema for its arguments, and a
// function. It runs in a sandbox: ctx.fs reaches only what pincer.plugin.json declares.
const wordCount = defineTool<{ path: string }>({
  name: "word_count",
  description: "Count the words in a text file of the workspace.",
  parameters: {
    type: "object",
    properties: { path: { type: "string", description: "The file, relative to the workspace" } },
    required: ["path"],
    additionalProperties: false,
  },
  kind: "read",
  async execute({ path }, ctx) {
    const text = await ctx.fs.readText(path);
    const words = text.split(/\s+/).filter(Boolean).length;
    return { content: `${path}: ${words} words` };
  },
});

export default definePlugin({ tools: [wordCount] });
