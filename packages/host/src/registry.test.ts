import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { probeBwrap } from "./capabilities/bwrap-probe.js";
import { alive, forkInProcess, standbys } from "./capabilities/standby.fixture.js";
import { sha512 } from "./install/integrity.js";
import { PluginRegistry } from "./registry.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A working directory of its own (its real path), removed after the test. */
function tempCwd(): string {
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), "pincer-cwd-")));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  return cwd;
}

function pluginDir(manifest: Record<string, unknown>, bundle: string) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-plugin-")));
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: "probe",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      ...manifest,
    }),
  );
  writeFileSync(join(dir, "dist/plugin.js"), bundle);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const probeBundle = `globalThis.__pincerPlugin = { default: { tools: [{
  name: "probe", description: "where am I", kind: "read", parameters: { type: "object" },
  permissionSubject: (args, cwd) => ({ kind: "path", value: cwd }),
  async execute(args, ctx) { return { content: [typeof process, typeof require, ctx.env.get("HOME") === undefined].join(",") }; },
}] } };`;

describe("plugin registry", () => {
  it("runs a plugin's tools in an isolate, with only the capabilities it declared", async () => {
    const cwd = tempCwd();
    const registry = new PluginRegistry({ cwd, env: { HOME: "/root" } });
    cleanups.push(() => registry.dispose());
    registry.add(pluginDir({ contributes: { tools: ["probe"] } }, probeBundle));
    const [tool] = await registry.loadTools();
    expect(tool).toMatchObject({ name: "probe", kind: "read" });
    expect(await tool!.permissionSubject?.({}, cwd)).toEqual({ kind: "path", value: cwd });
    const result = await tool!.execute(
      {},
      { toolCallId: "c", cwd, signal: new AbortController().signal, onUpdate: () => {} },
    );
    expect(result.content).toBe("undefined,undefined,true");
  });

  it("offers an activated plugin's tools only when one of its activation variables is set", async () => {
    const dir = pluginDir({ contributes: { tools: ["probe"] }, activation: { env: ["PROBE_TOKEN"] } }, probeBundle);
    const quiet = new PluginRegistry({ cwd: tmpdir(), env: {} });
    const active = new PluginRegistry({ cwd: tmpdir(), env: { PROBE_TOKEN: "set" } });
    cleanups.push(
      () => quiet.dispose(),
      () => active.dispose(),
    );
    quiet.add(dir);
    active.add(dir);
    expect(await quiet.loadTools()).toEqual([]);
    expect((await active.loadTools()).map((tool) => tool.name)).toEqual(["probe"]);
  });

  it("offers a plugin activated by agents only in sessions run as one of them", async () => {
    const dir = pluginDir(
      { contributes: { tools: ["probe"] }, activation: { agents: ["ml-intern"], env: ["PROBE_TOKEN"] } },
      probeBundle,
    );
    const sessions = [
      new PluginRegistry({ cwd: tmpdir(), env: {} }),
      new PluginRegistry({ cwd: tmpdir(), env: {}, agent: "reviewer" }),
      new PluginRegistry({ cwd: tmpdir(), env: {}, agent: "ml-intern" }),
      new PluginRegistry({ cwd: tmpdir(), env: { PROBE_TOKEN: "set" }, agent: "reviewer" }),
    ];
    for (const registry of sessions) {
      cleanups.push(() => registry.dispose());
      registry.add(dir);
    }
    const offered = await Promise.all(sessions.map(async (registry) => (await registry.loadTools()).length));
    expect(offered).toEqual([0, 0, 1, 1]);
  });

  it("offers a plugin activated by files only when the workspace holds one, two folders deep at most", async () => {
    const dir = pluginDir(
      { contributes: { tools: ["probe"] }, activation: { files: ["*.ipynb", "?.nb"] } },
      probeBundle,
    );
    const workspace = (files: string[]) => {
      const cwd = realpathSync(mkdtempSync(join(tmpdir(), "pincer-activation-")));
      cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
      for (const file of files) {
        mkdirSync(join(cwd, file, ".."), { recursive: true });
        writeFileSync(join(cwd, file), "{}");
      }
      return cwd;
    };
    const cases: Array<[string[], number]> = [
      [[], 0],
      [["analysis.ipynb"], 1],
      [["notebooks/deep/eda.ipynb"], 1],
      [["a/b/c/too-deep.ipynb"], 0],
      [[".git/x.ipynb", "node_modules/pkg/y.ipynb"], 0],
      [["x.nb"], 1],
      [["xy.nb", "notes.ipynb.txt"], 0],
    ];
    for (const [files, expected] of cases) {
      const registry = new PluginRegistry({ cwd: workspace(files), env: {} });
      cleanups.push(() => registry.dispose());
      registry.add(dir);
      expect((await registry.loadTools()).length, files.join(", ")).toBe(expected);
    }
    // An --add-dir counts as workspace too.
    const extra = new PluginRegistry({ cwd: workspace([]), addDirs: [workspace(["n.ipynb"])], env: {} });
    cleanups.push(() => extra.dispose());
    extra.add(dir);
    expect(await extra.loadTools()).toHaveLength(1);
  });

  it("refuses a tool the manifest does not declare", async () => {
    const registry = new PluginRegistry({ cwd: tmpdir() });
    cleanups.push(() => registry.dispose());
    registry.add(pluginDir({ contributes: { tools: ["other"] } }, probeBundle));
    await expect(registry.loadTools()).rejects.toThrow('defines tool "probe" but its manifest does not list it');
  });

  it("lists the agents plugins declare, at <plugin>/agents/<name>.md, starting no plugin", () => {
    const registry = new PluginRegistry({ cwd: tmpdir(), env: {} });
    cleanups.push(() => registry.dispose());
    const dir = pluginDir({ contributes: { agents: ["reviewer", "scout"] } }, "throw new Error('never started')");
    registry.add(dir);
    expect(registry.agentFiles()).toEqual([
      { plugin: "probe", name: "reviewer", file: join(dir, "agents", "reviewer.md") },
      { plugin: "probe", name: "scout", file: join(dir, "agents", "scout.md") },
    ]);
    expect(registry.startedPlugins()).toEqual([]);
  });

  it("rejects a second plugin with the same name", () => {
    const registry = new PluginRegistry({ cwd: tmpdir() });
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, probeBundle);
    registry.add(dir);
    expect(() => registry.add(dir)).toThrow("loaded twice");
  });
});

describe("lazy plugin start", () => {
  it("once a plugin's tools are known, starts its isolate only when a tool is called", async () => {
    const cwd = tempCwd();
    const cacheDir = join(cwd, "cache");
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, probeBundle);

    const first = new PluginRegistry({ cwd, env: {}, cacheDir });
    first.add(dir);
    await first.loadTools();
    expect(first.startedPlugins()).toEqual(["probe"]);
    first.dispose();

    // A later session (a new registry, as in a new process) offers the tool without starting it.
    const later = new PluginRegistry({ cwd, env: {}, cacheDir });
    later.add(dir);
    const [tool] = await later.loadTools();
    expect(tool?.name).toBe("probe");
    expect(later.startedPlugins()).toEqual([]);
    const result = await tool!.execute(
      {},
      { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} },
    );
    expect(result.content).toBe("undefined,undefined,true");
    expect(later.startedPlugins()).toEqual(["probe"]);
    later.dispose();

    // A changed bundle is a different plugin: its definitions are asked for again.
    writeFileSync(join(dir, "dist/plugin.js"), probeBundle.replace("where am I", "where now"));
    const changed = new PluginRegistry({ cwd, env: {}, cacheDir });
    changed.add(dir);
    expect((await changed.loadTools())[0]?.description).toBe("where now");
    changed.dispose();
  });

  it("reads a bundle with no integrity only when its isolate starts, and refuses one changed since the session keyed it", async () => {
    const cwd = tempCwd();
    const cacheDir = join(cwd, "cache");
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, probeBundle);
    const bundle = join(dir, "dist/plugin.js");
    const first = new PluginRegistry({ cwd, env: {}, cacheDir });
    first.add(dir);
    await first.loadTools();
    first.dispose();

    // A new process (fresh modules: nothing read yet) knows the tools from the cache, so the bundle
    // is not read yet; read at open, the old code would run below.
    vi.resetModules();
    const { PluginRegistry: InNewProcess } = await import("./registry.js");
    const later = new InNewProcess({ cwd, env: {}, cacheDir });
    cleanups.push(() => later.dispose());
    later.add(dir);
    const [tool] = await later.loadTools();
    const ctx = { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} };
    // Swapped between the session's start and the first call: other code under the same key.
    const loadedAt = statSync(bundle).mtime;
    writeFileSync(bundle, probeBundle.replace("typeof process", '"swapped"'));
    utimesSync(bundle, loadedAt.getTime() / 1000 + 1, loadedAt.getTime() / 1000 + 1);
    const refused = await tool!.execute({}, ctx).then(
      (result) => String(result.content),
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/changed after the session loaded it/);
    expect(refused).not.toContain("swapped");

    // A new session keys the new file and runs it.
    const next = new PluginRegistry({ cwd, env: {}, cacheDir });
    cleanups.push(() => next.dispose());
    next.add(dir);
    const [fresh] = await next.loadTools();
    expect((await fresh!.execute({}, { ...ctx, toolCallId: "2" })).content).toBe("swapped,undefined,true");
  });
});

describe("a tool the model has named", () => {
  it("starts its plugin's isolate before the call comes, and the call runs in it", async () => {
    const cwd = tempCwd();
    const cacheDir = join(cwd, "cache");
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, probeBundle);
    const first = new PluginRegistry({ cwd, env: {}, cacheDir });
    first.add(dir);
    await first.loadTools();
    first.dispose();

    const later = new PluginRegistry({ cwd, env: {}, cacheDir });
    cleanups.push(() => later.dispose());
    later.add(dir);
    const [tool] = await later.loadTools();
    expect(later.startedPlugins()).toEqual([]);
    tool!.prepare?.();
    await until(() => later.startedPlugins().length > 0);
    expect(later.startedPlugins()).toEqual(["probe"]);
    const ctx = { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} };
    expect((await tool!.execute({}, ctx)).content).toBe("undefined,undefined,true");
  });
});

describe.skipIf(!probeBwrap().ok)("a shell tool the model has named", () => {
  forkInProcess({ beforeEach, afterEach });

  it("gets its sandbox built before the call comes; another tool of the same plugin does not", async () => {
    const cwd = tempCwd();
    // A plugin granted `sh` with a tool of that name (`bash` is the core tools' own name).
    const tools = ["sh", "probe"].map(
      (name) => `{ name: "${name}", description: "d", kind: "execute", parameters: { type: "object" },
        async execute(args, ctx) { return { content: (await ctx.exec.run("echo ran " + "${name}")).output }; } }`,
    );
    const dir = pluginDir(
      {
        contributes: { tools: ["sh", "probe"] },
        capabilities: { spawn: ["sh"], fs: { read: ["${workspace}"], write: ["${workspace}"] } },
      },
      `globalThis.__pincerPlugin = { default: { tools: [${tools.join(",")}] } };`,
    );
    const registry = new PluginRegistry({ cwd, env: { PATH: process.env.PATH } });
    cleanups.push(() => registry.dispose());
    registry.add(dir);
    const [shell, probe] = await registry.loadTools();
    probe!.prepare?.();
    await until(() => registry.startedPlugins().length > 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(standbys()).toEqual([]);
    shell!.prepare?.();
    const [pid] = await until(() => (standbys().length === 1 ? standbys() : undefined));
    const ctx = { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} };
    expect((await shell!.execute({}, ctx)).content).toBe("ran sh\n");
    await until(() => !alive(pid as number));
  });

  it("has it standing by as soon as it is named, so a call that follows at once runs in it", async () => {
    const cwd = tempCwd();
    const dir = pluginDir(
      { contributes: { tools: ["sh"] }, capabilities: { spawn: ["sh"], fs: { read: ["${workspace}"] } } },
      `globalThis.__pincerPlugin = { default: { tools: [{ name: "sh", description: "d", kind: "execute",
        parameters: { type: "object" },
        async execute(args, ctx) { return { content: (await ctx.exec.run("echo ran")).output }; } }] } };`,
    );
    const registry = new PluginRegistry({ cwd, env: { PATH: process.env.PATH } });
    cleanups.push(() => registry.dispose());
    registry.add(dir);
    const [shell] = await registry.loadTools();
    // A reply that arrived whole: the call follows its name with no turn of the event loop between.
    shell!.prepare?.();
    const [pid] = standbys();
    expect(pid).toBeDefined();
    const ctx = { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} };
    expect((await shell!.execute({}, ctx)).content).toBe("ran\n");
    await until(() => !alive(pid as number));
    // Nothing started late for nobody.
    await new Promise((resolve) => setImmediate(resolve));
    expect(standbys()).toEqual([]);
  });
});

describe("live plugins (pincer plugin dev)", () => {
  it("replaces the isolate when the bundle is rebuilt, in the same session", async () => {
    const cwd = tempCwd();
    const version = (n: number) => `globalThis.__pincerPlugin = { default: { tools: [{
      name: "probe", description: "v", kind: "read", parameters: { type: "object" },
      async execute() { return { content: "version ${n}" }; } }] } };`;
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, version(1));
    const registry = new PluginRegistry({ cwd, env: {} });
    cleanups.push(() => registry.dispose());
    registry.add(dir, { live: true });
    const [tool] = await registry.loadTools();
    const ctx = { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} };
    expect((await tool!.execute({}, ctx)).content).toBe("version 1");
    // A rebuild writes a new bundle (a different mtime), as `plugin dev` does on save; the mtime is
    // set a second on, so the test does not hang on the clock's resolution.
    const bundle = join(dir, "dist/plugin.js");
    const loadedAt = statSync(bundle).mtime;
    writeFileSync(bundle, version(2));
    utimesSync(bundle, loadedAt.getTime() / 1000 + 1, loadedAt.getTime() / 1000 + 1);
    expect((await tool!.execute({}, { ...ctx, toolCallId: "2" })).content).toBe("version 2");
  });
});

describe("what the sessions of one process share", () => {
  it("asks a plugin for its tool definitions once when sessions start together", async () => {
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, probeBundle);
    const cacheDir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-cache-")));
    cleanups.push(() => rmSync(cacheDir, { recursive: true, force: true }));
    const sessions = Array.from({ length: 4 }, () => new PluginRegistry({ cwd: tmpdir(), env: {}, cacheDir }));
    for (const registry of sessions) {
      cleanups.push(() => registry.dispose());
      registry.add(dir);
    }
    const offered = await Promise.all(sessions.map((registry) => registry.loadTools()));
    expect(offered.map((tools) => tools.map((tool) => tool.name))).toEqual([
      ["probe"],
      ["probe"],
      ["probe"],
      ["probe"],
    ]);
    // One session started its isolate to ask; the others wait for a call.
    expect(sessions.filter((registry) => registry.startedPlugins().length > 0)).toHaveLength(1);
  });

  it("refuses a bundle changed after install even when a session of this process read it before (size and time restored)", async () => {
    const dir = pluginDir({ contributes: { tools: ["probe"] } }, probeBundle);
    const bundle = join(dir, "dist/plugin.js");
    const bundleIntegrity = sha512(readFileSync(bundle));
    const first = new PluginRegistry({ cwd: tmpdir(), env: {} });
    cleanups.push(() => first.dispose());
    first.add(dir, { bundleIntegrity });
    expect((await first.loadTools()).map((tool) => tool.name)).toEqual(["probe"]);

    const { mtime } = statSync(bundle);
    writeFileSync(bundle, probeBundle.replace("where am I", "where am i"));
    utimesSync(bundle, mtime, mtime);
    const errors: string[] = [];
    const second = new PluginRegistry({
      cwd: tmpdir(),
      env: {},
      onPluginError: (_, error) => errors.push(error.message),
    });
    cleanups.push(() => second.dispose());
    second.add(dir, { bundleIntegrity });
    expect(await second.loadTools()).toEqual([]);
    expect(errors[0]).toMatch(/plugin\.js changed after it was installed/);
  });
});
