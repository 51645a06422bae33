import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatRule, parseRule, suggestRule, suggestRules } from "./rules.js";
import type { PermissionRequest } from "./types.js";

describe("parseRule", () => {
  it("parses a bare tool", () => {
    expect(parseRule("read", "allow", "user")).toEqual({ action: "allow", tool: "read", source: "user", text: "read" });
    expect(parseRule("mcp__server__tool", "deny", "project")).toMatchObject({ tool: "mcp__server__tool" });
    expect(parseRule("mcp__github__*", "ask", "flag")).toMatchObject({ tool: "mcp__github__*" });
  });

  it("parses a tool with a pattern, trimming around both", () => {
    expect(parseRule(" bash( npm test:* ) ", "deny", "flag")).toEqual({
      action: "deny",
      tool: "bash",
      pattern: "npm test:*",
      source: "flag",
      text: "bash(npm test:*)",
    });
    expect(parseRule("write(src/**)", "ask", "project")).toMatchObject({ tool: "write", pattern: "src/**" });
    expect(parseRule("read(~/.ssh/**)", "deny", "user")).toMatchObject({ pattern: "~/.ssh/**" });
    expect(parseRule("edit(/abs/path/**)", "allow", "session")).toMatchObject({ pattern: "/abs/path/**" });
  });

  it("keeps balanced or escaped parentheses inside the pattern", () => {
    expect(parseRule("bash(echo (nested))", "allow", "user")).toMatchObject({ pattern: "echo (nested)" });
    expect(parseRule("write(app/\\(group\\)/**)", "allow", "user")).toMatchObject({ pattern: "app/\\(group\\)/**" });
    expect(parseRule("bash(echo \\))", "allow", "user")).toMatchObject({ pattern: "echo \\)" });
  });

  it("rejects malformed rules, saying what is wrong and showing a valid one", () => {
    const cases: Array<[string, RegExp]> = [
      ["", /it is empty/],
      ["   ", /it is empty/],
      ["(src/**)", /tool name before the parentheses is missing/],
      ["bash(npm test:*", /parentheses are unbalanced/],
      ["bash(echo (a)", /parentheses are unbalanced/],
      ["bash)(", /parentheses are unbalanced/],
      ["bash(a)(b)", /text after the closing parenthesis: "\(b\)"/],
      ["bash()", /pattern is empty; drop the parentheses to match every bash call/],
      ["two words", /"two words" is not a tool name/],
      ["bash/x(ls)", /"bash\/x" is not a tool name/],
    ];
    for (const [text, problem] of cases) {
      expect(() => parseRule(text, "allow", "user"), text).toThrow(problem);
      expect(() => parseRule(text, "allow", "user"), text).toThrow(
        /e\.g\. "bash", "bash\(npm test:\*\)" or "write\(src\/\*\*\)"/,
      );
    }
  });
});

describe("formatRule", () => {
  it("writes the text parseRule reads back", () => {
    expect(formatRule({ tool: "bash" })).toBe("bash");
    expect(formatRule({ tool: "bash", pattern: "npm test:*" })).toBe("bash(npm test:*)");
    for (const text of ["read", "bash(git log:*)", "write(app/\\(group\\)/**)"]) {
      expect(formatRule(parseRule(text, "allow", "user"))).toBe(text);
    }
  });
});

describe("suggestRule", () => {
  const cwd = "/work/p";
  const bash = (command: string): PermissionRequest => ({
    toolName: "bash",
    kind: "execute",
    args: {},
    cwd,
    subject: { kind: "command", value: command },
  });
  const write = (path: string, at = cwd): PermissionRequest => ({
    toolName: "write",
    kind: "edit",
    args: {},
    cwd: at,
    subject: { kind: "path", value: path },
  });

  it("suggests the program and its subcommand as a prefix", () => {
    expect(suggestRule(bash("npm test -- --watch"))).toBe("bash(npm test:*)");
    expect(suggestRule(bash("git log -5 --oneline"))).toBe("bash(git log:*)");
    expect(suggestRule(bash("npm run build"))).toBe("bash(npm run build:*)");
    expect(suggestRule(bash("pnpm run test:unit --reporter dot"))).toBe("bash(pnpm run test:unit:*)");
    expect(suggestRule(bash("python -m pytest -x"))).toBe("bash(python -m pytest:*)");
  });

  it("suggests only the program when it has no subcommands, or none was given", () => {
    expect(suggestRule(bash("echo hi"))).toBe("bash(echo:*)");
    expect(suggestRule(bash("ls -la src"))).toBe("bash(ls:*)");
    expect(suggestRule(bash("git --no-pager status"))).toBe("bash(git:*)");
  });

  it("offers only the exact command when it writes a file or uses a flag that runs code", () => {
    expect(suggestRule(bash("echo hi > out.txt"))).toBe("bash(echo hi > out.txt)");
    expect(suggestRule(bash("git -C sub status"))).toBe("bash(git -C sub status)");
    expect(suggestRule(bash("find . -name x -delete"))).toBe("bash(find . -name x -delete)");
    expect(suggestRule(bash("npm test 2>/dev/null"))).toBe("bash(npm test:*)");
  });

  it("keeps a harmless wrapper as written in the prefix", () => {
    expect(suggestRule(bash("timeout 60 npm test"))).toBe("bash(timeout 60 npm test:*)");
    expect(suggestRule(bash("NODE_ENV=test npm test"))).toBe("bash(npm test:*)");
  });

  it("offers only the exact command when a prefix would allow arbitrary code", () => {
    expect(suggestRule(bash("sudo git log -5"))).toBe("bash(sudo git log -5)");
    expect(suggestRule(bash("PATH=/tmp npm test"))).toBe("bash(PATH=/tmp npm test)");
    expect(suggestRule(bash("node scripts/build.js --prod"))).toBe("bash(node scripts/build.js --prod)");
    expect(suggestRule(bash("bash -c 'make'"))).toBe("bash(bash -c 'make')");
  });

  it("escapes what would otherwise read as a wildcard or parenthesis", () => {
    expect(suggestRule(bash("sudo rm *.log"))).toBe("bash(sudo rm \\*.log)");
    expect(suggestRule(bash("node -e 'f()'"))).toBe("bash(node -e 'f\\(\\)')");
    const rule = parseRule(suggestRule(bash("node -e 'f()'"))!, "allow", "session");
    expect(rule.pattern).toBe("node -e 'f\\(\\)'");
  });

  it("suggests one rule per distinct part of a compound command", () => {
    expect(suggestRules(bash("npm test 2>&1 | tee log"))).toEqual(["bash(npm test:*)", "bash(tee:*)"]);
    expect(suggestRule(bash("npm test 2>&1 | tee log"))).toBeUndefined();
    expect(suggestRule(bash("npm test && npm test -- x"))).toBe("bash(npm test:*)");
  });

  it("suggests nothing when no rule could allow the command", () => {
    expect(suggestRules(bash("echo $(whoami)"))).toEqual([]);
    expect(suggestRules(bash("cat <<EOF\nx\nEOF"))).toEqual([]);
    expect(suggestRule(bash("echo 'open"))).toBeUndefined();
  });

  it("suggests the file's directory for paths in a folder of the cwd, written relative to it", () => {
    expect(suggestRule(write("/work/p/src/a/b.ts"))).toBe("write(src/a/**)");
    expect(suggestRule(write("src/c.ts"))).toBe("write(src/**)");
    expect(suggestRule(write("/work/p/app/(group)/[id]/page.tsx"))).toBe("write(app/\\(group\\)/\\[id\\]/**)");
  });

  it("never suggests more than the call: the file itself directly in the cwd or anywhere outside it", () => {
    expect(suggestRule(write("/work/p/x.ts"))).toBe("write(x.ts)");
    expect(suggestRule(write("/etc/hosts"))).toBe("write(/etc/hosts)");
    expect(suggestRule(write(join(homedir(), ".config/app/x.json")))).toBe("write(~/.config/app/x.json)");
    expect(suggestRule(write(join(homedir(), ".bashrc")))).toBe("write(~/.bashrc)");
    expect(suggestRule(write("/vmlinuz"))).toBe("write(/vmlinuz)");
    expect(suggestRule(write("/work/p/*.ts"))).toBe("write(\\*.ts)");
  });

  it("suggests a directory itself when the path is one", () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "pincer-rules-")));
    try {
      mkdirSync(join(root, "src"));
      expect(suggestRule({ ...write(join(root, "src"), root), toolName: "ls", kind: "read" })).toBe("ls(src/**)");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("suggests the text itself, escaped, for text subjects", () => {
    const request: PermissionRequest = {
      toolName: "fetch",
      kind: "other",
      args: {},
      cwd,
      subject: { kind: "text", value: "https://example.com/a?b" },
    };
    expect(suggestRule(request)).toBe("fetch(https://example.com/a\\?b)");
  });

  it("suggests the bare tool when there is no subject", () => {
    expect(suggestRule({ toolName: "todo", kind: "read", args: {}, cwd })).toBe("todo");
  });
});
