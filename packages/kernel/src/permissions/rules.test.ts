import { describe, expect, it } from "vitest";
import { parseRule, suggestRule } from "./rules.js";

describe("parseRule", () => {
  it("parses bare tools and tools with patterns", () => {
    expect(parseRule("read", "allow", "user")).toEqual({ action: "allow", tool: "read", source: "user", text: "read" });
    expect(parseRule(" bash(npm test:*) ", "deny", "flag")).toMatchObject({
      tool: "bash",
      pattern: "npm test:*",
      text: "bash(npm test:*)",
    });
    expect(parseRule("write(src/**)", "ask", "project")).toMatchObject({ tool: "write", pattern: "src/**" });
    expect(parseRule("bash(echo (nested))", "allow", "user")).toMatchObject({ pattern: "echo (nested)" });
  });

  it("rejects malformed rules with an example of a good one", () => {
    for (const bad of ["", "bash(npm test:*", "bash)(", "(src/**)", "two words"]) {
      expect(() => parseRule(bad, "allow", "user")).toThrow(/is not a permission rule.*bash\(npm test:\*\)/);
    }
    expect(() => parseRule("bash()", "allow", "user")).toThrow(/empty pattern/);
  });
});

describe("suggestRule", () => {
  const base = { args: {}, cwd: "/work/p" };
  it("suggests a subcommand prefix for tools that have subcommands, the program otherwise", () => {
    expect(
      suggestRule({
        ...base,
        toolName: "bash",
        kind: "execute",
        subject: { kind: "command", value: "npm test -- --watch" },
      }),
    ).toBe("bash(npm test:*)");
    expect(
      suggestRule({
        ...base,
        toolName: "bash",
        kind: "execute",
        subject: { kind: "command", value: "sudo git log -5" },
      }),
    ).toBe("bash(git log:*)");
    expect(
      suggestRule({
        ...base,
        toolName: "bash",
        kind: "execute",
        subject: { kind: "command", value: "echo hi > out.txt" },
      }),
    ).toBe("bash(echo:*)");
  });

  it("suggests the file's directory for paths", () => {
    expect(
      suggestRule({ ...base, toolName: "write", kind: "edit", subject: { kind: "path", value: "/work/p/src/a/b.ts" } }),
    ).toBe("write(src/a/**)");
    expect(
      suggestRule({ ...base, toolName: "write", kind: "edit", subject: { kind: "path", value: "/work/p/x.ts" } }),
    ).toBe("write(**)");
    expect(
      suggestRule({ ...base, toolName: "write", kind: "edit", subject: { kind: "path", value: "/etc/hosts" } }),
    ).toBe("write(/etc/**)");
  });

  it("suggests the bare tool when there is no subject", () => {
    expect(suggestRule({ ...base, toolName: "todo", kind: "read" })).toBe("todo");
  });
});
