import { renderToString } from "ink";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import type { PendingPermission } from "./controller.js";
import { createPalette, TERMINAL_THEME } from "./palette.js";
import { PermissionView } from "./panels.js";
import { permissionPreview, permissionTitle } from "./permission-preview.js";

const palette = createPalette(TERMINAL_THEME, { color: false });

const screenFor = (request: PendingPermission): string =>
  renderToString(
    createElement(PermissionView, { request, palette, configFile: "~/.pincer/config.json", onEscape: () => {} }),
    { columns: 100 },
  );

describe("the permission question", () => {
  it("shows what the call would cost, when its tool estimates it", () => {
    const screen = screenFor({
      toolName: "hf_job_run",
      title: "hf_job_run a10g-small",
      reason: "hf_job_run runs commands, and default mode asks before that",
      cost: "estimated $2.00: a10g-small at $1.00/h × up to 2 h ≈ $2.00",
      answer: () => {},
    });
    expect(screen).toContain("estimated $2.00: a10g-small at $1.00/h × up to 2 h ≈ $2.00");
    expect(screen.indexOf("estimated $2.00")).toBeLessThan(screen.indexOf("default mode asks"));
  });

  it("shows no cost line for a call without an estimate", () => {
    const screen = screenFor({
      toolName: "bash",
      title: "bash rm -rf build",
      reason: "bash runs commands",
      answer: () => {},
    });
    expect(screen).not.toContain("estimated");
    expect(screen).toContain("bash runs commands");
  });

  it("shows what will run exactly: escape sequences and bidi overrides as visible codes, never as effects", () => {
    const screen = screenFor({
      toolName: "bash",
      title: "bash: echo safe \u202e; rm -rf ~ \u202c\u001b]52;c;ZXZpbA==\u0007",
      reason: "bash runs commands",
      cost: "estimated $0.00: free\u001b[8m hidden\u202e",
      suggestedRule: "lookup(\u001b[2Jx)",
      answer: () => {},
    });
    expect(screen).toContain("echo safe ⟨U+202E⟩; rm -rf ~ ⟨U+202C⟩⟨U+001B⟩]52;c;ZXZpbA==⟨U+0007⟩?");
    expect(screen).toContain("lookup(⟨U+001B⟩[2Jx)");
    expect(screen).toContain("estimated $0.00: free hidden");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
    expect(screen).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});

describe("what the question shows about the call", () => {
  const ask = (toolName: string, args: Record<string, unknown>, suggestedRule?: string): string => {
    const preview = permissionPreview(args);
    return renderToString(
      createElement(PermissionView, {
        request: {
          toolName,
          title: permissionTitle(toolName, args),
          reason: `${toolName} asks`,
          ...(preview ? { preview } : {}),
          ...(suggestedRule ? { suggestedRule } : {}),
          answer: () => {},
        },
        palette,
        configFile: ".pincer/settings.local.json",
        onEscape: () => {},
      }),
      { columns: 120 },
    );
  };

  it("shows a command whole, every line of it", () => {
    const screen = ask("bash", { command: "npm test &&\n  echo done >> log.txt" }, "bash(npm test:*)");
    expect(screen).toContain("Allow bash to run this command?");
    expect(screen).toContain("npm test &&");
    expect(screen).toContain("echo done >> log.txt");
  });

  it('shows the exact rule that "don\'t ask again" saves, and where', () => {
    const screen = ask("bash", { command: "npm test" }, "bash(npm test:*)");
    expect(screen).toContain("Yes, and don't ask again for bash(npm test:*) in this project");
    expect(screen).toContain("saves the rule bash(npm test:*) to .pincer/settings.local.json");
    expect(ask("bash", { command: "rm -rf x" })).not.toContain("don't ask again");
  });

  it("previews a write's content, cut after a dozen lines with a count of the rest", () => {
    const content = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join("\n");
    const screen = ask("write", { path: "src/a.ts", content }, "write(src/**)");
    expect(screen).toContain("Allow write to src/a.ts?");
    expect(screen).toContain("New content (30 lines):");
    expect(screen).toContain("line 12");
    expect(screen).not.toContain("line 13");
    expect(screen).toContain("… 18 more lines");
  });

  it("shows an edit as the lines it removes and adds", () => {
    const screen = ask("edit", {
      path: "src/a.ts",
      old_string: "const a = 1;",
      new_string: "const a = 2;\nconst b = 3;",
    });
    expect(screen).toContain("Allow edit of src/a.ts?");
    expect(screen).toContain("-const a = 1;");
    expect(screen).toContain("+const a = 2;");
    expect(screen).toContain("+const b = 3;");
  });

  it("shows hidden characters instead of letting them disguise the command", () => {
    const screen = ask("bash", { command: "echo safe\r\x1b[2Krm -rf ~ \u202eexe.sh" });
    expect(screen).toContain("echo safe⟨U+000D⟩⟨U+001B⟩[2Krm -rf ~ ⟨U+202E⟩exe.sh");
    expect(screen).not.toContain("\x1b[2K");
  });

  it("lists the arguments of other tools", () => {
    const screen = ask("hf_job_run", { flavor: "a10g-small", script: "train.py", timeout: 7200 });
    expect(screen).toContain("flavor: a10g-small");
    expect(screen).toContain("timeout: 7200");
  });
});

describe("an MCP server's sampling request", () => {
  it("says which server wants the model, how much, and what it asks", () => {
    const args = { server: "everything", maxTokens: 100, messages: 1, lastMessage: "What is 2+2?" };
    const preview = permissionPreview(args);
    const screen = screenFor({
      toolName: "mcp_sampling",
      title: permissionTitle("mcp_sampling", args),
      reason: "mcp_sampling does other things, and default mode asks before that",
      suggestedRule: "mcp_sampling(everything)",
      ...(preview ? { preview } : {}),
      answer: () => {},
    });
    expect(screen).toContain('Allow the MCP server "everything" to use your model (up to 100 tokens)?');
    expect(screen).toContain("What is 2+2?");
    expect(screen).toContain("don't ask again for mcp_sampling(everything)");
  });
});
