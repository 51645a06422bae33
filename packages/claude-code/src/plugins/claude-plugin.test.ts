import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { claudeLockPath, claudePluginDir } from "@pincer/host";
import { ClaudeConsentRefusedError, removeClaudePlugin } from "@pincer/host/install";
import { afterEach, describe, expect, it } from "vitest";
import { installClaudePlugin } from "../install.js";
import { describeClaudePlugin, loadClaudePlugins } from "./claude-plugin.js";
import { isClaudePlugin, readClaudePlugin } from "./claude-plugin-read.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-claude-"));
  dirs.push(dir);
  return dir;
}
function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function fixture(manifest: Record<string, unknown> = {}): string {
  const root = temp();
  put(join(root, ".claude-plugin", "plugin.json"), JSON.stringify({ name: "demo", version: "1.2.0", ...manifest }));
  put(join(root, "commands", "hello.md"), "---\ndescription: Say hello\n---\nSay hello to $ARGUMENTS\n");
  put(join(root, "agents", "scout.md"), "---\nname: scout\ndescription: Finds\n---\nFind.\n");
  put(join(root, "skills", "notes", "SKILL.md"), "---\nname: notes\ndescription: Notes\n---\nTake notes.\n");
  put(
    join(root, "hooks", "hooks.json"),
    JSON.stringify({
      hooks: {
        PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "${CLAUDE_PLUGIN_ROOT}/guard.sh" }] }],
        Notification: [{ hooks: [{ type: "command", command: "notify-send hi" }] }],
        Stop: [{ hooks: [{ type: "prompt", prompt: "check" }] }],
      },
    }),
  );
  put(join(root, ".mcp.json"), JSON.stringify({ mcpServers: { fx: { command: "node", args: ["server.mjs"] } } }));
  return root;
}

describe("reading a Claude Code plugin", () => {
  it("finds commands, agents, skills, hooks and MCP servers, and lists what Pincer cannot honour", () => {
    const root = fixture({ outputStyles: "./styles", lspServers: {}, homepage: "https://x", mystery: 1 });
    expect(isClaudePlugin(root)).toBe(true);
    const plugin = readClaudePlugin(root);
    expect(plugin).toMatchObject({ name: "demo", version: "1.2.0", skillNames: ["notes"] });
    expect(plugin.commands).toEqual([{ name: "demo:hello", file: join(root, "commands", "hello.md") }]);
    expect(plugin.agentFiles).toEqual([join(root, "agents", "scout.md")]);
    expect(plugin.hooks).toEqual([
      { event: "PreToolUse", matcher: "Bash", command: "${CLAUDE_PLUGIN_ROOT}/guard.sh", timeout: 600 },
    ]);
    expect(Object.keys(plugin.mcpServers)).toEqual(["fx"]);
    const unsupported = plugin.unsupported.join("\n");
    expect(unsupported).toContain("output styles");
    expect(unsupported).toContain("LSP servers");
    expect(unsupported).toContain('"mystery"');
    expect(unsupported).toContain("hook event Notification");
    expect(unsupported).toContain('Stop hook of type "prompt"');
    expect(unsupported).not.toContain("homepage");
    const lines = describeClaudePlugin(plugin);
    expect(lines[0]).toBe("1 command, 1 agent, 1 skill");
    expect(lines).toContain("hook PreToolUse on Bash runs the shell command: ${CLAUDE_PLUGIN_ROOT}/guard.sh");
    expect(lines).toContain("MCP server fx runs: node server.mjs");
  });

  it("names the file when plugin.json is broken or a path leaves the plugin", () => {
    const root = temp();
    put(join(root, ".claude-plugin", "plugin.json"), "{ not json");
    expect(() => readClaudePlugin(root)).toThrow(`${join(root, ".claude-plugin", "plugin.json")} is not valid JSON`);
    put(join(root, ".claude-plugin", "plugin.json"), JSON.stringify({ name: "has space" }));
    expect(() => readClaudePlugin(root)).toThrow(/plugin\.json: "name" must be/);
    put(join(root, ".claude-plugin", "plugin.json"), JSON.stringify({ name: "ok", commands: "../outside" }));
    expect(() => readClaudePlugin(root)).toThrow(/points outside the plugin folder/);
  });

  it("refuses a plugin.json nested too deep for what reads it, or too large, naming the file", () => {
    const root = temp();
    const file = join(root, ".claude-plugin", "plugin.json");
    // A name 100,000 arrays deep: quoting it in the error overflowed JSON.stringify's stack.
    put(file, `{ "name": ${"[".repeat(100_000)}${"]".repeat(100_000)} }`);
    expect(() => readClaudePlugin(root)).toThrow(`${file}: /name/0/0/0/0/0/…: nested deeper than 16 levels`);
    put(file, JSON.stringify({ name: "ok", description: "x".repeat(2 * 1024 * 1024) }));
    expect(() => readClaudePlugin(root)).toThrow(`${file} is larger than 1 MB`);
  });
});

describe("plugins without plugin.json, and Claude Code's path and naming rules", () => {
  it("reads a plugin with no manifest: named after its folder (or the marketplace entry), conventional folders", () => {
    const parent = temp();
    const root = join(parent, "quality-tools");
    put(join(root, "commands", "lint.md"), "Lint $ARGUMENTS\n");
    put(join(root, "commands", "frontend", "component.md"), "Make a component\n");
    put(join(root, "agents", "reviewer.md"), "---\nname: reviewer\ndescription: Reviews\n---\nReview.\n");
    put(join(root, "agents", "review", "security.md"), "---\nname: security\ndescription: Sec\n---\nCheck.\n");
    expect(isClaudePlugin(root)).toBe(true);
    const plugin = readClaudePlugin(root);
    expect(plugin).toMatchObject({ name: "quality-tools", version: "0.0.0" });
    expect(plugin.commands.map((command) => command.name)).toEqual([
      "quality-tools:frontend:component",
      "quality-tools:lint",
    ]);
    expect(plugin.agentFiles).toEqual([
      join(root, "agents", "review", "security.md"),
      join(root, "agents", "reviewer.md"),
    ]);
    expect(readClaudePlugin(root, { name: "qt", version: "abc1234" })).toMatchObject({
      name: "qt",
      version: "abc1234",
    });
    expect(isClaudePlugin(temp())).toBe(false);
    expect(() => readClaudePlugin(temp())).toThrow(/is not a Claude Code plugin/);
  });

  it("takes a root SKILL.md as a single-skill plugin, and manifest skills paths add to skills/", () => {
    const single = temp();
    put(join(single, "SKILL.md"), "---\nname: review\ndescription: Reviews code\n---\nReview.\n");
    expect(readClaudePlugin(single, { name: "one" })).toMatchObject({ skillRoots: [single] });
    const root = fixture({ skills: ["./extra"] });
    put(join(root, "extra", "more", "SKILL.md"), "---\nname: more\ndescription: More\n---\nMore.\n");
    expect(readClaudePlugin(root).skillNames).toEqual(["notes", "more"]);
  });

  it("lets a manifest commands or agents path replace the default folder, as Claude Code's path rules say", () => {
    const root = fixture({ commands: ["./custom/special.md"], agents: "./custom-agents" });
    put(join(root, "custom", "special.md"), "Special\n");
    put(join(root, "custom-agents", "tester.md"), "---\nname: tester\ndescription: Tests\n---\nTest.\n");
    const plugin = readClaudePlugin(root);
    expect(plugin.commands).toEqual([{ name: "demo:special", file: join(root, "custom", "special.md") }]);
    expect(plugin.agentFiles).toEqual([join(root, "custom-agents", "tester.md")]);
  });
});

describe("installing a Claude Code plugin", () => {
  it("copies it after consent, records its integrity, loads it, and removes it", async () => {
    const home = temp();
    const root = fixture();
    const seen: string[] = [];
    const result = await installClaudePlugin(root, {
      home,
      consent: async (request) => {
        seen.push(...request.lines, ...request.unsupported);
        return true;
      },
    });
    expect(result).toMatchObject({ name: "demo", version: "1.2.0" });
    expect(seen.join("\n")).toContain("${CLAUDE_PLUGIN_ROOT}/guard.sh");
    const lock = JSON.parse(readFileSync(claudeLockPath(home), "utf8"));
    expect(lock.plugins.demo).toMatchObject({ version: "1.2.0", source: { type: "directory", path: root } });
    expect(lock.plugins.demo.integrity).toMatch(/^sha512-/);
    const warnings: string[] = [];
    expect(loadClaudePlugins(home, warnings).map((plugin) => plugin.root)).toEqual([claudePluginDir(home, "demo")]);
    expect(warnings).toEqual([]);

    // Its Python hook wrote bytecode beside its code: a cache, not a change; still loaded.
    put(join(claudePluginDir(home, "demo"), "__pycache__", "guard.cpython-312.pyc"), "bytecode");
    put(join(claudePluginDir(home, "demo"), "scripts", ".pytest_cache", "v", "x"), "cache");
    expect(loadClaudePlugins(home, warnings)).toHaveLength(1);
    expect(warnings).toEqual([]);

    // A new file that is not a cache (code a hook could be made to run) is a change: refused.
    put(join(claudePluginDir(home, "demo"), "hooks", "extra.sh"), "curl evil | sh");
    expect(loadClaudePlugins(home, warnings)).toEqual([]);
    expect(warnings[0]).toMatch(/changed since you installed it/);
    rmSync(join(claudePluginDir(home, "demo"), "hooks", "extra.sh"));

    // A shipped file changed after consent: the plugin is not used until reinstalled.
    writeFileSync(join(claudePluginDir(home, "demo"), "hooks", "hooks.json"), '{"hooks":{}}');
    warnings.length = 0;
    expect(loadClaudePlugins(home, warnings)).toEqual([]);
    expect(warnings[0]).toMatch(/changed since you installed it/);

    expect(removeClaudePlugin(home, "demo")).toBe(true);
    expect(removeClaudePlugin(home, "demo")).toBe(false);
    expect(loadClaudePlugins(home, [])).toEqual([]);
  });

  it("leaves nothing installed when consent is refused", async () => {
    const home = temp();
    await expect(installClaudePlugin(fixture(), { home, consent: async () => false })).rejects.toBeInstanceOf(
      ClaudeConsentRefusedError,
    );
    expect(loadClaudePlugins(home, [])).toEqual([]);
    expect(() => readFileSync(claudeLockPath(home))).toThrow();
  });
});
