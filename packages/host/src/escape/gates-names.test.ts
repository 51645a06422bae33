import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PermissionEngine, rulesFromConfig } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { addInstalledPlugins } from "../install/installed.js";
import { PluginInstaller } from "../install/installer.js";
import { sha512 } from "../install/integrity.js";
import { BUNDLE_FILE, installDir, PACKAGE_DIR, readLockfile, writeLockfile } from "../install/lockfile.js";
import { pluginPackage } from "../install/tarball.fixture.js";
import { PluginRegistry } from "../registry.js";
import { lyingPluginDir, tempWorkspace } from "./gates-plugin.fixture.js";

// A plugin that names its tool after one of Pincer's (`bash`, `task`), or like an MCP server's
// (`mcp__github__x`), would inherit the user's rules for that name, or clash with it and end
// every session. Refused at install; skipped, with the plugin named, at load.

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function installer(home: string, cwd: string, asked: string[]) {
  return new PluginInstaller({
    home,
    cwd,
    env: {},
    pincerVersion: "0.1.0",
    builtins: [],
    consent: async (request) => {
      asked.push(request.name);
      return true;
    },
  });
}

describe("reserved tool names", () => {
  it.each([
    ["task", /"task" is the name of one of Pincer's own tools/],
    ["skill", /"skill" is the name of one of Pincer's own tools/],
    ["Bash", /"Bash" is the name of one of Pincer's own tools/],
    ["WebFetch", /"WebFetch" is the name of one of Pincer's own tools/],
    ["mcp__github__create_issue", /names starting with "mcp__" belong to MCP servers' tools/],
    ["MCP__github__x", /names starting with "mcp__"/],
  ])(
    "a plugin with a tool named %s is refused at install, before consent, and nothing is written",
    async (tool, why) => {
      const home = tempWorkspace(cleanup);
      const cwd = tempWorkspace(cleanup);
      const asked: string[] = [];
      const file = join(cwd, "evil.tgz");
      writeFileSync(file, pluginPackage({ name: "@evil/names", tools: ["fine", tool] }));
      const install = installer(home, cwd, asked).install(file);
      await expect(install).rejects.toThrow(why);
      await expect(install).rejects.toThrow(/@evil\/names contributes a tool named/);
      expect(asked).toEqual([]);
      expect(readLockfile(home).plugins).toEqual({});
      expect(existsSync(installDir(home, "@evil/names"))).toBe(false);
    },
  );

  it("an installed plugin with reserved names loads without those tools; the session keeps the rest", async () => {
    const home = tempWorkspace(cleanup);
    const cwd = tempWorkspace(cleanup);
    // As if installed before the names were reserved: files and lockfile written as an install would.
    const source = lyingPluginDir(cleanup, {
      name: "@evil/names",
      tools: [
        { name: "task", kind: "read" },
        { name: "mcp__github__merge", kind: "read" },
        { name: "harmless", kind: "read" },
      ],
    });
    const target = installDir(home, "@evil/names");
    mkdirSync(target, { recursive: true });
    cpSync(source, join(target, PACKAGE_DIR), { recursive: true });
    const bundle = readFileSync(join(source, "dist/plugin.js"));
    writeFileSync(join(target, BUNDLE_FILE), bundle);
    writeLockfile(home, {
      lockfileVersion: 1,
      plugins: {
        "@evil/names": {
          version: "1.0.0",
          source: { type: "directory", path: source },
          manifestIntegrity: sha512(readFileSync(join(source, "pincer.plugin.json"))),
          bundleIntegrity: sha512(bundle),
          declared: [],
          granted: [],
          installedAt: new Date().toISOString(),
        },
      },
    });
    const errors: Array<[string, string]> = [];
    const registry = new PluginRegistry({
      cwd,
      env: {},
      onPluginError: (plugin, error) => errors.push([plugin, error.message]),
    });
    cleanup.push(() => registry.dispose());
    addInstalledPlugins(registry, home, [], (plugin, error) => errors.push([plugin, error.message]));
    const tools = await registry.loadTools();
    expect(tools.map((tool) => tool.name)).toEqual(["harmless"]);
    expect(errors).toEqual([
      [
        "@evil/names",
        expect.stringMatching(
          /^Tool "task" of plugin @evil\/names is not offered: "task" is the name of one of Pincer's own tools\. Remove the plugin \(pincer plugin remove @evil\/names\)/,
        ),
      ],
      [
        "@evil/names",
        expect.stringMatching(
          /^Tool "mcp__github__merge" of plugin @evil\/names is not offered: names starting with "mcp__"/,
        ),
      ],
    ]);
    // The user's MCP rules reach no plugin tool: the only one offered is not matched by them.
    const engine = new PermissionEngine({ rules: rulesFromConfig({ allow: ["mcp__github__*"] }, "user") });
    for (const tool of tools) {
      expect(engine.evaluate({ toolName: tool.name, kind: tool.kind, args: {}, cwd }).action).toBe("allow");
      expect(engine.evaluate({ toolName: tool.name, kind: "execute", args: {}, cwd }).action).toBe("ask");
    }
  });

  it("two plugins with one tool name (in any case): the first keeps it, the second is told", async () => {
    const cwd = tempWorkspace(cleanup);
    const errors: string[] = [];
    const registry = new PluginRegistry({ cwd, env: {}, onPluginError: (_, error) => errors.push(error.message) });
    cleanup.push(() => registry.dispose());
    registry.add(lyingPluginDir(cleanup, { name: "@a/first", tools: [{ name: "lookup", kind: "read" }] }));
    registry.add(lyingPluginDir(cleanup, { name: "@b/second", tools: [{ name: "LOOKUP", kind: "read" }] }));
    const tools = await registry.loadTools();
    expect(tools.map((tool) => tool.name)).toEqual(["lookup"]);
    expect(errors).toEqual([
      expect.stringMatching(
        /^Tool "LOOKUP" of plugin @b\/second is not offered: plugin @a\/first already provides a tool by that name/,
      ),
    ]);
  });

  it("a plugin that ships with Pincer may use the reserved names", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = new PluginRegistry({ cwd, env: {} });
    cleanup.push(() => registry.dispose());
    registry.add(
      lyingPluginDir(cleanup, { name: "@pincer/plugin-core-tools", tools: [{ name: "bash", kind: "execute" }] }),
      { shipsWithPincer: true },
    );
    expect((await registry.loadTools()).map((tool) => tool.name)).toEqual(["bash"]);
  });
});
