import { PermissionEngine, type PermissionSubject, rulesFromConfig } from "@pincer/kernel";
import { claudeRuleToPincer } from "../settings/permission-rules.js";
import { claudeToolName, TOOL_NAME_TABLE } from "../tool-names.js";

/**
 * Claude Code's matcher rules (hooks reference, "Matcher patterns"): absent, "" or "*" match
 * everything; a matcher of letters, digits, `_`, `-`, spaces, `,` and `|` only is a list of exact
 * names separated by `|` or `,`; anything else is a JavaScript regular expression tested
 * unanchored. For tool events the value is the tool's name: Claude Code's (`Bash`) and Pincer's
 * (`bash`) are both tried, so either spelling works.
 */
export function matches(matcher: string | undefined, value: string, alternatives: readonly string[] = []): boolean {
  if (!matcher || matcher === "*") return true;
  const values = [value, ...alternatives];
  if (/^[A-Za-z0-9_\-\s,|]+$/.test(matcher)) {
    const names = matcher
      .split(/[|,]/)
      .map((name) => name.trim())
      .filter(Boolean);
    return values.some((candidate) => names.includes(candidate));
  }
  try {
    const pattern = new RegExp(matcher);
    return values.some((candidate) => pattern.test(candidate));
  } catch {
    return false;
  }
}

/**
 * A tool event's matcher against a Pincer tool: its Claude Code name first, then Claude Code's
 * other names for it (`Task` for `Agent`, `MultiEdit` for `Edit`, which older hooks still name)
 * and its own.
 */
export function matchesTool(matcher: string | undefined, pincerTool: string): boolean {
  const claude = claudeToolName(pincerTool);
  const aliases = TOOL_NAME_TABLE.filter((row) => row.pincer === pincerTool && row.claude !== claude).map(
    (row) => row.claude,
  );
  if (pincerTool === "edit") aliases.push("MultiEdit");
  return matches(matcher, claude, [...aliases, ...(claude === pincerTool ? [] : [pincerTool])]);
}

/**
 * A handler's `if` (one permission rule in Claude Code's syntax, `Bash(git *)`, `Edit(*.ts)`)
 * against a tool call: true when the rule names the call's tool and its pattern hits the call's
 * subject — for a command, any of its parts, as a deny rule hits (Claude Code checks each
 * subcommand). A rule Pincer cannot read runs the hook (Claude Code's filter fails open too).
 */
export function conditionHolds(
  condition: string,
  call: { name: string; subject?: PermissionSubject },
  cwd: string,
): boolean {
  const mapped = claudeRuleToPincer(condition, "deny", { anchor: cwd });
  if (mapped.rules.length === 0) return true;
  let engine: PermissionEngine;
  try {
    engine = new PermissionEngine({ rules: rulesFromConfig({ deny: mapped.rules }, "session") });
  } catch {
    return true;
  }
  const decision = engine.evaluate({
    toolName: call.name,
    kind: "other",
    args: {},
    cwd,
    ...(call.subject ? { subject: call.subject } : {}),
  });
  return decision.action === "deny";
}
