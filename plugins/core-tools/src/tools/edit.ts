import { defineTool } from "@pincer/sdk";
import { unifiedDiff } from "./diff.js";
import { absolutePath } from "./paths.js";

export const edit = defineTool<{ path: string; old_string: string; new_string: string; replace_all?: boolean }>({
  name: "edit",
  description:
    "Replace exact text in a file. old_string must match once (add surrounding lines to make it unique) unless replace_all.",
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string" },
      old_string: { type: "string", minLength: 1, description: "Exact text, whitespace included" },
      new_string: { type: "string" },
      replace_all: { type: "boolean" },
    },
    required: ["path", "old_string", "new_string"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(args.path, { cwd }) }),
  async execute(args, ctx) {
    const path = absolutePath(args.path, ctx);
    if (args.old_string === args.new_string)
      return { content: "old_string and new_string are identical; nothing to change.", isError: true };
    const stat = await ctx.fs.stat(path);
    if (stat?.type !== "file")
      return { content: `${path} is not an existing file; use write to create it.`, isError: true };
    const before = await ctx.fs.readText(path);
    const positions = occurrences(before, args.old_string);
    if (positions.length === 0) {
      return {
        content: `old_string was not found in ${path}.${closest(before, args.old_string)} Read the file and copy the text exactly.`,
        isError: true,
      };
    }
    if (positions.length > 1 && !args.replace_all) {
      const lines = positions.map((position) => before.slice(0, position).split("\n").length);
      return {
        content: `old_string matches ${positions.length} times in ${path} (lines ${lines.join(", ")}). Include more surrounding text to pick one, or set replace_all to true.`,
        isError: true,
      };
    }
    const after = args.replace_all
      ? before.split(args.old_string).join(args.new_string)
      : before.replace(args.old_string, () => args.new_string);
    await ctx.fs.writeFile(path, after);
    const diff = unifiedDiff(path, before, after);
    return {
      content: `Edited ${path}: ${positions.length} replacement${positions.length > 1 ? "s" : ""}.`,
      details: { path, replacements: positions.length, diff },
    };
  },
});

function occurrences(text: string, search: string): number[] {
  const found: number[] = [];
  for (let index = text.indexOf(search); index >= 0; index = text.indexOf(search, index + search.length))
    found.push(index);
  return found;
}

/** The file line most like the first line of old_string, to show what the model got wrong. */
function closest(text: string, search: string): string {
  const first = search
    .split("\n")
    .find((line) => line.trim())
    ?.trim();
  if (!first) return "";
  const lines = text.split("\n");
  let best = { score: 0, index: -1 };
  lines.forEach((line, index) => {
    const score = similarity(line.trim(), first);
    if (score > best.score) best = { score, index };
  });
  if (best.index < 0 || best.score < 0.5) return "";
  return ` The closest line is ${best.index + 1}: ${JSON.stringify(lines[best.index])}.`;
}

function similarity(a: string, b: string): number {
  if (!a || !b) return 0;
  const pairs = (text: string) =>
    new Set(Array.from({ length: text.length - 1 }, (_, index) => text.slice(index, index + 2)));
  const left = pairs(a);
  const right = pairs(b);
  let shared = 0;
  for (const pair of left) if (right.has(pair)) shared++;
  return (2 * shared) / (left.size + right.size || 1);
}
