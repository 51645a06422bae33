import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import type { ToolKind } from "../tool.js";
import { PermissionEngine, rulesFromConfig } from "./engine.js";
import { parseRule } from "./rules.js";
import type { PermissionMode, PermissionRequest } from "./types.js";

const cwd = "/work/project";
const call = (toolName: string, kind: ToolKind, subject?: PermissionRequest["subject"]): PermissionRequest => ({
  toolName,
  kind,
  args: {},
  cwd,
  ...(subject ? { subject } : {}),
});
const bash = (command: string) => call("bash", "execute", { kind: "command", value: command });
const write = (path: string) => call("write", "edit", { kind: "path", value: path });

describe("modes decide when no rule matches", () => {
  const expected: Record<PermissionMode, Record<ToolKind, string>> = {
    default: { read: "allow", edit: "ask", execute: "ask", other: "ask" },
    acceptEdits: { read: "allow", edit: "allow", execute: "ask", other: "ask" },
    plan: { read: "allow", edit: "deny", execute: "deny", other: "deny" },
    bypassPermissions: { read: "allow", edit: "allow", execute: "allow", other: "allow" },
  };
  for (const [mode, byKind] of Object.entries(expected) as Array<[PermissionMode, Record<ToolKind, string>]>) {
    for (const [kind, action] of Object.entries(byKind) as Array<[ToolKind, string]>) {
      it(`${mode} → ${kind} tools: ${action}`, () => {
        const engine = new PermissionEngine({ mode });
        expect(engine.evaluate(call("t", kind)).action).toBe(action);
      });
    }
  }

  it("explains plan mode's refusal", () => {
    const decision = new PermissionEngine({ mode: "plan" }).evaluate(write("/work/project/a.ts"));
    expect(decision.reason).toContain("plan mode is read-only");
  });
});

describe("rules", () => {
  it("a bare tool rule matches every call of that tool", () => {
    const engine = new PermissionEngine({ rules: [parseRule("bash", "allow", "user")] });
    expect(engine.evaluate(bash("anything at all")).action).toBe("allow");
    expect(engine.evaluate(write("/work/project/x")).action).toBe("ask");
  });

  it("a command prefix rule matches on word boundaries", () => {
    const engine = new PermissionEngine({ rules: [parseRule("bash(npm test:*)", "allow", "user")] });
    expect(engine.evaluate(bash("npm test")).action).toBe("allow");
    expect(engine.evaluate(bash("npm test -- --watch")).action).toBe("allow");
    expect(engine.evaluate(bash("npm testing")).action).toBe("ask");
    expect(engine.evaluate(bash("npm install")).action).toBe("ask");
  });

  it("an exact command rule matches only that command", () => {
    const engine = new PermissionEngine({ rules: [parseRule("bash(git status)", "allow", "user")] });
    expect(engine.evaluate(bash("git status")).action).toBe("allow");
    expect(engine.evaluate(bash("git status --short")).action).toBe("ask");
  });

  it("a wildcard inside a command pattern matches", () => {
    const engine = new PermissionEngine({ rules: [parseRule("bash(git * --dry-run)", "allow", "user")] });
    expect(engine.evaluate(bash("git push --dry-run")).action).toBe("allow");
    expect(engine.evaluate(bash("git push")).action).toBe("ask");
  });

  it("a compound command is allowed only when every part is", () => {
    const engine = new PermissionEngine({ rules: [parseRule("bash(npm test:*)", "allow", "user")] });
    expect(engine.evaluate(bash("npm test && rm -rf /")).action).toBe("ask");
    expect(engine.evaluate(bash("npm test | tee log; npm test")).action).toBe("ask");
    const both = new PermissionEngine({
      rules: [parseRule("bash(npm test:*)", "allow", "user"), parseRule("bash(tee:*)", "allow", "user")],
    });
    expect(both.evaluate(bash("npm test 2>&1 | tee log")).action).toBe("allow");
  });

  it("a deny rule hits any part of a compound command, through wrappers", () => {
    const engine = new PermissionEngine({
      mode: "bypassPermissions",
      rules: [parseRule("bash(rm:*)", "deny", "project")],
    });
    expect(engine.evaluate(bash("echo hi && rm -rf build")).action).toBe("deny");
    expect(engine.evaluate(bash("sudo rm -rf /")).action).toBe("deny");
    expect(engine.evaluate(bash("timeout 10 rm x")).action).toBe("deny");
    expect(engine.evaluate(bash("FOO=1 env BAR=2 rm x")).action).toBe("deny");
    expect(engine.evaluate(bash("echo 'rm -rf /'")).action).toBe("allow");
  });

  it("command substitution is never auto-allowed", () => {
    const engine = new PermissionEngine({ rules: [parseRule("bash(echo:*)", "allow", "user")] });
    expect(engine.evaluate(bash("echo $(cat ~/.ssh/id_rsa)")).action).toBe("ask");
    expect(engine.evaluate(bash("echo `whoami`")).action).toBe("ask");
  });

  it("path rules are globs relative to the cwd, with .. resolved first", () => {
    const engine = new PermissionEngine({ rules: [parseRule("write(src/**)", "allow", "user")] });
    expect(engine.evaluate(write("/work/project/src/a/b.ts")).action).toBe("allow");
    expect(engine.evaluate(write("/work/project/src/../secrets.env")).action).toBe("ask");
    expect(engine.evaluate(write("/work/other/src/a.ts")).action).toBe("ask");
  });

  it("path rules understand ~ and absolute patterns", () => {
    const engine = new PermissionEngine({
      rules: [parseRule("read(~/.ssh/**)", "deny", "user"), parseRule("write(/tmp/scratch/**)", "allow", "user")],
    });
    expect(engine.evaluate(call("read", "read", { kind: "path", value: `${homedir()}/.ssh/id_rsa` })).action).toBe(
      "deny",
    );
    expect(engine.evaluate(write("/tmp/scratch/x")).action).toBe("allow");
  });

  it("a tool-name wildcard matches a family of tools", () => {
    const engine = new PermissionEngine({ rules: [parseRule("mcp__github__*", "deny", "user")] });
    expect(engine.evaluate(call("mcp__github__create_issue", "other")).action).toBe("deny");
    expect(engine.evaluate(call("mcp__slack__post", "other")).action).toBe("ask");
  });

  it("a pattern rule never matches a call without a subject", () => {
    const engine = new PermissionEngine({ rules: [parseRule("todo(x)", "deny", "user")] });
    expect(engine.evaluate(call("todo", "read")).action).toBe("allow");
  });

  it("deny beats ask beats allow, whatever the order and source", () => {
    const engine = new PermissionEngine({
      rules: [
        parseRule("bash", "allow", "user"),
        parseRule("bash(git push:*)", "ask", "user"),
        parseRule("bash(git push --force:*)", "deny", "project"),
      ],
    });
    expect(engine.evaluate(bash("ls")).action).toBe("allow");
    expect(engine.evaluate(bash("git push origin main")).action).toBe("ask");
    const denied = engine.evaluate(bash("git push --force origin main"));
    expect(denied).toMatchObject({
      action: "deny",
      reason: 'denied by rule "bash(git push --force:*)" from project settings',
    });
  });

  it("bypassPermissions skips ask rules but never deny rules", () => {
    const engine = new PermissionEngine({
      mode: "bypassPermissions",
      rules: [parseRule("bash(git push:*)", "ask", "user"), parseRule("write(.env)", "deny", "user")],
    });
    expect(engine.evaluate(bash("git push")).action).toBe("allow");
    expect(engine.evaluate(write("/work/project/.env")).action).toBe("deny");
  });

  it("rules added during a session apply to later calls", () => {
    const engine = new PermissionEngine();
    expect(engine.evaluate(bash("make build")).action).toBe("ask");
    engine.addRule(parseRule("bash(make:*)", "allow", "session"));
    expect(engine.evaluate(bash("make build")).action).toBe("allow");
    engine.setMode("plan");
    expect(engine.mode).toBe("plan");
  });
});

describe("rulesFromConfig", () => {
  it("parses a Claude Code-style permissions block", () => {
    const rules = rulesFromConfig({ allow: ["read", "bash(npm test:*)"], deny: ["bash(rm:*)"] }, "user");
    expect(rules.map((rule) => `${rule.action} ${rule.text}`)).toEqual([
      "allow read",
      "allow bash(npm test:*)",
      "deny bash(rm:*)",
    ]);
  });

  it("names the source and the bad rule", () => {
    expect(() => rulesFromConfig({ deny: ["bash(rm:*"] }, "project")).toThrow(
      /project settings, permissions.deny: "bash\(rm:\*" is not a permission rule/,
    );
  });
});
