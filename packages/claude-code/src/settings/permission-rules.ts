import { join } from "node:path";
import { pincerToolName } from "../tool-names.js";

/**
 * Claude Code's permission rules (`Bash(npm test:*)`, `Read(./secrets/**)`, `Edit(/src/**)`,
 * `WebFetch(domain:example.com)`, `mcp__github`) as Pincer's. Pincer's engine already reads the
 * command patterns (`npm test:*`, `git add *`) and the tool names without case; what differs:
 *
 * | Claude Code                      | Pincer                                                          |
 * | -------------------------------- | --------------------------------------------------------------- |
 * | `Read(p)`                        | `read(p)`, `grep(p)`, `glob(p)`, `ls(p)`; a deny also `edit`, `write`, `notebook_edit` |
 * | `Edit(p)`                        | `edit(p)`, `write(p)`, `notebook_edit(p)` (every tool that edits files) |
 * | `//abs/path`                     | `/abs/path`                                                     |
 * | `/path` (relative to the settings file's anchor) | `<anchor>/path`                                 |
 * | `.env`, `*.ts` (a bare name: any depth) | `**\/.env`, `**\/*.ts`                                  |
 * | `secrets/**` in a deny or ask rule (any depth) | `**\/secrets/**`                                 |
 * | `mcp__server`                    | `mcp__server__*`                                                |
 * | `Agent(name)`, `Task(name)`, `Skill(name)` | not mapped (Pincer's task and skill tools have no pattern); said in a warning |
 *
 * Other tools map by the name table (tool-names.ts); `~/path`, `./path` and `path` mean the same.
 */
export function claudeRuleToPincer(
  text: string,
  action: "allow" | "ask" | "deny",
  options: { anchor: string },
): { rules: string[]; warning?: string } {
  const trimmed = text.trim();
  const open = trimmed.indexOf("(");
  const tool = (open < 0 ? trimmed : trimmed.slice(0, open)).trim();
  const pattern = open < 0 || !trimmed.endsWith(")") ? undefined : trimmed.slice(open + 1, -1).trim() || undefined;
  if (!tool) return { rules: [], warning: `"${text}" names no tool` };
  const lower = tool.toLowerCase();
  if (lower.startsWith("mcp__") && !tool.slice(5).includes("__") && !tool.includes("*")) {
    return { rules: [pattern ? `${tool}__*(${pattern})` : `${tool}__*`] };
  }
  if ((lower === "agent" || lower === "task" || lower === "skill") && pattern) {
    return {
      rules: [],
      warning: `"${text}": Pincer's ${pincerToolName(tool)} tool takes no pattern, so this rule is not used`,
    };
  }
  const spec = pattern === undefined || pattern === "*" ? undefined : pattern;
  const targets =
    lower === "read"
      ? ["read", "grep", "glob", "ls", ...(action === "deny" ? ["edit", "write", "notebook_edit"] : [])]
      : lower === "edit"
        ? ["edit", "write", "notebook_edit"]
        : [pincerToolName(tool)];
  const pathTool = ["read", "edit", "write", "multiedit", "notebookedit", "glob", "grep", "ls"].includes(lower);
  const written = spec && pathTool ? claudePathPattern(spec, options.anchor, action) : spec;
  return { rules: targets.map((name) => (written ? `${name}(${written})` : name)) };
}

/**
 * A Read/Edit path pattern (gitignore syntax, as Claude Code reads it) in Pincer's terms: `//abs`
 * is absolute, `/path` is under the anchor, `~/path` in the home folder; a bare name (`.env`,
 * `*.ts`) matches at any depth; a one-folder pattern (`secrets/**`) does too in a deny or ask
 * rule; anything else is relative to the working directory.
 */
export function claudePathPattern(pattern: string, anchor: string, action: "allow" | "ask" | "deny" = "allow"): string {
  if (pattern.startsWith("//")) return pattern.slice(1);
  if (pattern.startsWith("/")) return join(anchor, pattern);
  if (pattern.startsWith("~") || pattern.startsWith("./") || pattern.startsWith("../")) return pattern;
  if (!pattern.includes("/")) return `**/${pattern}`;
  if (action !== "allow" && /^[^/*]+\/\*\*$/.test(pattern)) return `**/${pattern}`;
  return pattern;
}

/** A whole `permissions` block's rules mapped, with a warning for each rule that could not be. */
export function claudePermissionsToPincer(
  permissions: { allow?: unknown; ask?: unknown; deny?: unknown },
  options: { anchor: string; where: string },
): { allow: string[]; ask: string[]; deny: string[]; warnings: string[] } {
  const out = { allow: [] as string[], ask: [] as string[], deny: [] as string[], warnings: [] as string[] };
  for (const action of ["allow", "ask", "deny"] as const) {
    const list = permissions[action];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
      out.warnings.push(`Ignored permissions.${action} in ${options.where}: it must be a list of rules`);
      continue;
    }
    for (const text of list as string[]) {
      const mapped = claudeRuleToPincer(text, action, options);
      out[action].push(...mapped.rules);
      if (mapped.warning) out.warnings.push(`In ${options.where}: ${mapped.warning}`);
    }
  }
  return out;
}
