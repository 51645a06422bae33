import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  expandMarkdownCommand,
  expandSlashPrompt,
  findMarkdownCommand,
  listMarkdownCommands,
  type MarkdownCommand,
  splitArgs,
} from "./markdown-commands.js";
import type { ClaudePlugin } from "./plugins/claude-plugin-read.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-cmds-"));
  dirs.push(dir);
  return dir;
}
function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const command = (body: string, plugin?: { name: string; root: string }): MarkdownCommand => ({
  name: "x",
  body,
  file: "x.md",
  scope: "project",
  ...(plugin ? { plugin } : {}),
});

describe("markdown commands", () => {
  it("expands $ARGUMENTS, $1…$9 and ${CLAUDE_PLUGIN_ROOT}; unused arguments are appended", () => {
    expect(expandMarkdownCommand(command("Fix issue $ARGUMENTS now"), " 12 fast ")).toBe("Fix issue 12 fast now");
    expect(expandMarkdownCommand(command("Review PR #$1 with priority $2 ($3)"), '456 "very high"')).toBe(
      "Review PR #456 with priority very high ()",
    );
    expect(expandMarkdownCommand(command("Run ${CLAUDE_PLUGIN_ROOT}/x.sh", { name: "p", root: "/r" }), "")).toBe(
      "Run /r/x.sh",
    );
    expect(expandMarkdownCommand(command("Summarise the diff."), "briefly")).toBe(
      "Summarise the diff.\n\nARGUMENTS: briefly",
    );
    expect(splitArgs(`a "b c" 'd e' f\\"g`)).toEqual(["a", "b c", "d e", 'f\\"g']);
  });

  it("reads project, user and plugin commands, nearest first, and finds plugin ones by short name", () => {
    const cwd = temp();
    const home = temp();
    put(
      join(cwd, ".pincer", "commands", "fix.md"),
      "---\ndescription: Project fix\nargument-hint: <issue>\n---\nFix $ARGUMENTS\n",
    );
    put(join(cwd, ".claude", "commands", "fix.md"), "Claude fix $ARGUMENTS\n");
    put(join(cwd, ".claude", "commands", "review.md"), "# Review the code\nReview $1\n");
    put(join(home, "commands", "mine.md"), "---\nallowed-tools: Bash(git:*), Read\nmodel: openai/gpt-5\n---\nMine\n");
    put(join(home, "commands", "broken.md"), "---\nno closing fence\n");
    const pluginRoot = temp();
    put(join(pluginRoot, "commands", "deploy.md"), "Deploy $ARGUMENTS from ${CLAUDE_PLUGIN_ROOT}\n");
    const plugin = { name: "ops", root: pluginRoot, commandFiles: [join(pluginRoot, "commands", "deploy.md")] };
    const warnings: string[] = [];
    const commands = listMarkdownCommands({ cwd, home, warnings, plugins: [plugin as unknown as ClaudePlugin] });
    expect(commands.map((item) => item.name)).toEqual(["fix", "review", "mine", "ops:deploy"]);
    expect(commands[0]).toMatchObject({ description: "Project fix", argumentHint: "<issue>", scope: "project" });
    expect(commands[1]).toMatchObject({ description: "Review the code" });
    expect(commands[2]).toMatchObject({ allowedTools: ["Bash(git:*)", "Read"], model: "openai/gpt-5", scope: "user" });
    expect(warnings[0]).toContain(`Skipped command ${join(home, "commands", "broken.md")}`);
    expect(findMarkdownCommand(commands, "deploy")?.name).toBe("ops:deploy");
    expect(findMarkdownCommand(commands, "ops:deploy")?.scope).toBe("plugin");
    expect(findMarkdownCommand(commands, "nothing")).toBeUndefined();
    const ctx = { cwd, home, plugins: [plugin as unknown as ClaudePlugin] };
    expect(expandSlashPrompt("/deploy prod", ctx)).toBe(`Deploy prod from ${pluginRoot}`);
    expect(expandSlashPrompt("/fix 42", ctx)).toBe("Fix 42");
    expect(expandSlashPrompt("/usr/bin/env is a path", ctx)).toBeUndefined();
    expect(expandSlashPrompt("plain prompt", ctx)).toBeUndefined();
  });
});
