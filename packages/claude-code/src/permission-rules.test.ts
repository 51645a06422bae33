import { parseRule } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { selectTools } from "./agent-tools.js";
import { matchesTool } from "./hooks/matchers.js";
import { pincerRule } from "./permission-rules.js";

describe("Claude Code's tool names", () => {
  it.each([
    ["WebFetch(domain:docs.python.org)", "web_fetch", "domain:docs.python.org"],
    ["webfetch(domain:*.python.org)", "web_fetch", "domain:*.python.org"],
    ["WebSearch", "web_search", undefined],
    ["BashOutput", "bash_output", undefined],
    ["KillShell", "kill_shell", undefined],
    ["NotebookEdit(notebooks/**)", "notebook_edit", "notebooks/**"],
    // Names that differ only in case are left as written: rules compare names without case.
    ["Bash(npm test:*)", "Bash", "npm test:*"],
    ["web_fetch(domain:a.org)", "web_fetch", "domain:a.org"],
    ["mcp__github__*", "mcp__github__*", undefined],
  ])("a rule %s applies to %s", (text, tool, pattern) => {
    const rule = pincerRule(parseRule(text, "allow", "user"));
    expect(rule).toMatchObject({ tool, text: parseRule(text, "allow", "user").text });
    expect(rule.pattern).toBe(pattern);
  });

  it("hook matchers and agent tool lists take them too", () => {
    expect(matchesTool("WebFetch|WebSearch", "web_fetch")).toBe(true);
    expect(matchesTool("NotebookEdit", "notebook_edit")).toBe(true);
    expect(matchesTool("KillShell", "bash")).toBe(false);
    const tools = ["web_fetch", "web_search", "bash_output", "kill_shell", "notebook_edit", "read"].map((name) => ({
      name,
    }));
    const missing: string[] = [];
    expect(
      selectTools(tools, ["WebFetch", "WebSearch", "BashOutput", "KillShell", "NotebookEdit"], missing).map(
        (tool) => tool.name,
      ),
    ).toEqual(["web_fetch", "web_search", "bash_output", "kill_shell", "notebook_edit"]);
    expect(missing).toEqual([]);
  });
});
