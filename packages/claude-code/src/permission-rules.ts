import type { PermissionRule } from "@pincer/kernel";
import { CLAUDE_TOOL_NAMES } from "./hooks.js";

/** Lowercased Claude Code tool name → Pincer's: rules compare tool names without case. */
const PINCER_NAME = new Map(Object.entries(CLAUDE_TOOL_NAMES).map(([claude, own]) => [claude.toLowerCase(), own]));

/**
 * A permission rule as Pincer applies it. A rule copied from Claude Code's settings names Claude's
 * tool (`WebFetch(domain:example.com)`, `NotebookEdit`); it applies to Pincer's tool of that name
 * (`web_fetch`, `notebook_edit`), pattern unchanged. The rule's text stays as the user wrote it,
 * so messages quote their own words.
 */
export function pincerRule(rule: PermissionRule): PermissionRule {
  if (rule.tool.includes("*")) return rule;
  const own = PINCER_NAME.get(rule.tool.toLowerCase());
  return own && own !== rule.tool.toLowerCase() ? { ...rule, tool: own } : rule;
}
