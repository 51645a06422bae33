import type { PermissionRule } from "@pincer/kernel";
import { pincerToolName } from "./tool-names.js";

/**
 * A permission rule as Pincer applies it. A rule copied from Claude Code's settings names Claude's
 * tool (`WebFetch(domain:example.com)`, `NotebookEdit`); it applies to Pincer's tool of that name
 * (`web_fetch`, `notebook_edit`), pattern unchanged. The rule's text stays as the user wrote it,
 * so messages quote their own words.
 */
export function pincerRule(rule: PermissionRule): PermissionRule {
  if (rule.tool.includes("*")) return rule;
  const own = pincerToolName(rule.tool);
  return own.toLowerCase() !== rule.tool.toLowerCase() ? { ...rule, tool: own } : rule;
}
