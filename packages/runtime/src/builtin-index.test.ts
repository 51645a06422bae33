import { execFileSync } from "node:child_process";
import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ManifestError, readManifest } from "@pincer/host";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_INDEX_FILE, openBuiltinIndex } from "./builtin-index.js";

const NAMES = ["@t/plugin-a", "@t/theme-b"];

function manifest(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name,
    version: "0.1.0",
    engines: { pincer: "^0.1.0" },
    main: "dist/plugin.js",
    contributes: { themes: ["x"] },
    ...extra,
  });
}

function writePackage(dir: string, name: string, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "0.1.0" }));
  writeFileSync(join(dir, "pincer.plugin.json"), manifest(name, extra));
}

let root: string;
let from: string;
let cacheDir: string;
let resolved: string[];

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "pincer-builtin-index-")));
  // An app whose module (`from`) finds its plugins in app/node_modules, as the CLI finds its built-ins.
  for (const name of NAMES) writePackage(join(root, "app", "node_modules", name), name);
  mkdirSync(join(root, "app", "lib"), { recursive: true });
  from = join(root, "app", "lib", "index.js");
  writeFileSync(from, "");
  cacheDir = join(root, "home", "cache");
  resolved = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/**
 * Opens the index as a start does: resolving what it must, reading each manifest, saving. `fresh`
 * resolves in a new process: this one's require keeps what it resolved before (Module._pathCache).
 */
function start(options: { fresh?: boolean } = {}) {
  const require = createRequire(from);
  const index = openBuiltinIndex({
    names: NAMES,
    from,
    resolve: (specifier) => {
      resolved.push(specifier);
      if (!options.fresh) return require.resolve(specifier);
      const script = `process.stdout.write(require.resolve(${JSON.stringify(specifier)}))`;
      return execFileSync(process.execPath, ["-e", script], { cwd: dirname(from), encoding: "utf8" });
    },
    cacheDir,
  });
  const manifests = index.plugins.map((plugin) => readManifest(plugin.dir, { known: index }));
  index.save();
  return { index, manifests };
}

const indexFile = () => join(cacheDir, BUILTIN_INDEX_FILE);
const readIndex = () => JSON.parse(readFileSync(indexFile(), "utf8"));
const expectedDir = (name: string) => join(root, "app", "node_modules", name);

describe("the built-in plugins' index", () => {
  it("finds the plugins through the index on the next start, without resolving them", () => {
    const first = start();
    expect(resolved).toHaveLength(2);
    expect(first.index.plugins.map((plugin) => plugin.dir)).toEqual(NAMES.map(expectedDir));
    resolved = [];
    const second = start();
    expect(resolved).toEqual([]);
    expect(second.index.plugins).toEqual(first.index.plugins);
    expect(second.manifests.map((m) => m.name)).toEqual(NAMES);
  });

  it("refuses an entry pointing outside Node's lookup, and finds the plugin where Node does", () => {
    start();
    // A folder elsewhere, with a manifest that asks for more.
    const evil = join(root, "evil", "node_modules", "@t", "plugin-a");
    writePackage(evil, "@t/plugin-a", { capabilities: { net: ["*"] } });
    const index = readIndex();
    index.plugins[0].dir = evil;
    writeFileSync(indexFile(), JSON.stringify(index));
    resolved = [];
    const { index: opened, manifests } = start();
    expect(opened.plugins[0]!.dir).toBe(expectedDir("@t/plugin-a"));
    expect(manifests[0]!.capabilities).toBeUndefined();
    expect(resolved).toEqual(["@t/plugin-a/pincer.plugin.json"]);
    expect(readIndex().plugins[0].dir).toBe(expectedDir("@t/plugin-a"));

    // The lookup moved there too: not a folder Node looks in from the app.
    const again = readIndex();
    again.plugins[0].lookup = evil;
    again.plugins[0].dir = evil;
    writeFileSync(indexFile(), JSON.stringify(again));
    expect(start().index.plugins[0]!.dir).toBe(expectedDir("@t/plugin-a"));
  });

  it("follows a nearer node_modules that now holds a plugin", () => {
    start();
    const nearer = join(root, "app", "lib", "node_modules", "@t", "theme-b");
    writePackage(nearer, "@t/theme-b");
    resolved = [];
    expect(start({ fresh: true }).index.plugins[1]!.dir).toBe(nearer);
    expect(resolved).toEqual(["@t/theme-b/pincer.plugin.json"]);
  });

  it("validates a manifest again once its file changed, and refuses it if it no longer passes", () => {
    start();
    const file = join(expectedDir("@t/plugin-a"), "pincer.plugin.json");
    const recorded = readIndex().plugins[0].manifest;
    expect(recorded).toMatch(/^\d+:\d+:/);
    // Same length, other contents: the change time moves, so the identity does.
    writeFileSync(file, manifest("@t/plugin-a").replace('"themes":["x"]', '"themes":[177]'));
    expect(() => start()).toThrow(ManifestError);
    // A valid change is read, and the index records the file that passed.
    writeFileSync(file, manifest("@t/plugin-a", { description: "changed" }));
    expect(start().manifests[0]!.description).toBe("changed");
    expect(readIndex().plugins[0].manifest).not.toBe(recorded);
  });

  it("does not let a tampered index mark a manifest as validated", () => {
    start();
    const file = join(expectedDir("@t/plugin-a"), "pincer.plugin.json");
    writeFileSync(file, manifest("@t/plugin-a").replace('"themes":["x"]', '"themes":[177]'));
    // The index claims some other identity passed: it is not this file's.
    const index = readIndex();
    index.plugins[0].manifest = "1:2:3:4:5";
    writeFileSync(indexFile(), JSON.stringify(index));
    expect(() => start()).toThrow(ManifestError);
  });

  it("starts over from an index that is not JSON, made for another build, or a link", () => {
    start();
    const good = readFileSync(indexFile(), "utf8");
    for (const bad of ["{not json", JSON.stringify({ ...JSON.parse(good), validator: "other" }), "[]", "null"]) {
      writeFileSync(indexFile(), bad);
      resolved = [];
      expect(start().index.plugins.map((plugin) => plugin.dir)).toEqual(NAMES.map(expectedDir));
      expect(resolved).toHaveLength(2);
    }
    // A rebuilt module (another identity) is another index.
    writeFileSync(from, "// rebuilt");
    resolved = [];
    start();
    expect(resolved).toHaveLength(2);
    // A link to a good index is not read; the link (not what it points to) is replaced by the index written after.
    const elsewhere = join(root, "elsewhere.json");
    writeFileSync(elsewhere, readFileSync(indexFile()));
    rmSync(indexFile());
    symlinkSync(elsewhere, indexFile());
    resolved = [];
    start();
    expect(resolved).toHaveLength(2);
    expect(lstatSync(indexFile()).isFile()).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)("ignores an index another user owns", () => {
    start();
    chownSync(indexFile(), 12345, 12345);
    resolved = [];
    start();
    expect(resolved).toHaveLength(2);
  });

  it("resolves every start when there is no cache folder, and writes nothing", () => {
    const require = createRequire(from);
    const index = openBuiltinIndex({ names: NAMES, from, resolve: (s) => require.resolve(s) });
    index.save();
    expect(index.plugins.map((plugin) => plugin.dir)).toEqual(NAMES.map(expectedDir));
  });
});
