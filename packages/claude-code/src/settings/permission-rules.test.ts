import { describe, expect, it } from "vitest";
import { claudePermissionsToPincer, claudeRuleToPincer } from "./permission-rules.js";

const anchor = "/work/project";
const map = (text: string, action: "allow" | "ask" | "deny" = "allow") => claudeRuleToPincer(text, action, { anchor });

describe("Claude Code's permission rules in Pincer's syntax", () => {
  it("keeps command rules and maps tool names", () => {
    expect(map("Bash(npm test:*)")).toEqual({ rules: ["bash(npm test:*)"] });
    expect(map("Bash")).toEqual({ rules: ["bash"] });
    expect(map("WebFetch(domain:docs.python.org)")).toEqual({ rules: ["web_fetch(domain:docs.python.org)"] });
    expect(map("WebSearch")).toEqual({ rules: ["web_search"] });
    expect(map("mcp__github")).toEqual({ rules: ["mcp__github__*"] });
    expect(map("mcp__github__create_issue")).toEqual({ rules: ["mcp__github__create_issue"] });
  });

  it("Read covers every reading tool (a deny also the editing ones); Edit every editing tool", () => {
    expect(map("Read(./secrets/**)")).toEqual({
      rules: ["read(./secrets/**)", "grep(./secrets/**)", "glob(./secrets/**)", "ls(./secrets/**)"],
    });
    expect(map("Read(./secrets/**)", "deny").rules).toEqual([
      "read(./secrets/**)",
      "grep(./secrets/**)",
      "glob(./secrets/**)",
      "ls(./secrets/**)",
      "edit(./secrets/**)",
      "write(./secrets/**)",
      "notebook_edit(./secrets/**)",
    ]);
    expect(map("Edit(src/**)").rules).toEqual(["edit(src/**)", "write(src/**)", "notebook_edit(src/**)"]);
  });

  it("reads paths as Claude Code does: //absolute, /from the settings root, bare names at any depth", () => {
    expect(map("Read(//etc/passwd)", "deny").rules[0]).toBe("read(/etc/passwd)");
    expect(map("Edit(/docs/**)").rules[0]).toBe("edit(/work/project/docs/**)");
    expect(map("Read(~/.zshrc)").rules[0]).toBe("read(~/.zshrc)");
    expect(map("Read(.env)", "deny").rules[0]).toBe("read(**/.env)");
    expect(map("Edit(*.ts)").rules[0]).toBe("edit(**/*.ts)");
    // A one-folder pattern in a deny reaches that folder anywhere; in an allow it stays where it is.
    expect(map("Read(secrets/**)", "deny").rules[0]).toBe("read(**/secrets/**)");
    expect(map("Read(secrets/**)", "allow").rules[0]).toBe("read(secrets/**)");
  });

  it("says which rules it cannot use, and refuses a block that is not a list", () => {
    expect(map("Task(Explore)")).toMatchObject({ rules: [] });
    expect(map("Task(Explore)").warning).toContain("takes no pattern");
    const out = claudePermissionsToPincer(
      { allow: ["Bash(git diff:*)", "Agent(x)"], deny: "Bash(rm *)" },
      { anchor, where: ".claude/settings.json" },
    );
    expect(out.allow).toEqual(["bash(git diff:*)"]);
    expect(out.deny).toEqual([]);
    expect(out.warnings).toEqual([
      'In .claude/settings.json: "Agent(x)": Pincer\'s task tool takes no pattern, so this rule is not used',
      "Ignored permissions.deny in .claude/settings.json: it must be a list of rules",
    ]);
  });
});
