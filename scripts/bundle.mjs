// Bundles what ships: the CLI into one ESM file, and each first-party plugin's entry with its
// dependencies into one file (what its manifest's "main" names). One file each means one module
// to resolve and compile instead of hundreds, which is most of a cold start.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { openaiQuietLog } from "./openai-quiet-log.mjs";
import { openaiUnused } from "./openai-unused.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// CommonJS dependencies inside an ESM bundle still call require(); give them a real one.
const banner = {
  js: 'import { createRequire as __pincerRequire } from "node:module"; const require = __pincerRequire(import.meta.url);',
};
// Node's built-ins are required, never imported. The ESM facade of a built-in reads every export,
// and that runs its lazy getters: importing node:fs loads the fs streams, promises, readline and
// REPL history, and importing node:http loads undici (Node's fetch). Together that is about 30
// internal modules that a `-p` run never uses. A required built-in runs none of those getters, and
// __toESM only wraps it in getters, reading nothing until it is used.
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(context) {
    context.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
      if (!builtins.has(args.path) && !args.path.startsWith("node:")) return undefined;
      // The stub's own require() is Node's, at run time.
      if (args.namespace === "builtin") return { path: args.path, external: true };
      return { path: args.path, namespace: "builtin" };
    });
    context.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: lazyBuiltin(args.path) ?? `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};
// Built-ins that Node's bootstrap has not loaded, whose exports are a plain object, load on first
// use. The bundle names every built-in any of its modules imports, and all of them were required
// when the chunk was evaluated: crypto (~40 internal modules), child_process, worker_threads, zlib,
// dns, readline and fs/promises on every start, whether the run used them or not. The stub is an
// object with a getter and a setter for each export (the names are read here, at build time, from
// this Node, which is as old as any Node the CLI runs on), so __toESM's wrapper and a default
// import see the same names, and the real module loads when the first one is read.
const LAZY_BUILTINS = new Set([
  "async_hooks",
  "child_process",
  "crypto",
  "dgram",
  "dns",
  "fs/promises",
  "http",
  "http2",
  "https",
  "inspector",
  "net",
  "os",
  "perf_hooks",
  "readline",
  "readline/promises",
  "stream/promises",
  "tls",
  // Loaded by Node's bootstrap, but its property descriptors are not free: __toESM's wrapper reads
  // the descriptor of every export, and node:util's lazy ones (parseArgs, diff, setTraceSigInt…)
  // load what they stand for when read that way, ~34 internal modules (worker_threads among them).
  "util",
  "v8",
  "vm",
  "worker_threads",
  "zlib",
]);
const nodeRequire = createRequire(import.meta.url);
function lazyBuiltin(path) {
  const name = path.replace(/^node:/, "");
  if (!LAZY_BUILTINS.has(name)) return undefined;
  const real = nodeRequire(`node:${name}`);
  // A module that is itself a function or class (assert, events, stream) is called or extended
  // where it is imported: no stub can stand in for it.
  if (typeof real !== "object" || real === null) throw new Error(`node:${name} is not a plain object`);
  // Loaded through process.getBuiltinModule, not require: while a one-shot's optimizers are off,
  // the CLI puts Node's own flags back around that call (optimizers.ts), so the module comes from
  // Node's code cache of its built-ins instead of being compiled from source.
  return lazyStub(`node:${name}`, real, "process.getBuiltinModule");
}
/** A CommonJS stub that loads `specifier` (with `loader`) when the first of `real`'s exports is read or written. */
function lazyStub(specifier, real, loader = "require") {
  const names = Object.keys(real).filter((key) => key !== "default" && key !== "__esModule");
  return [
    `let real; const load = () => (real ??= ${loader}(${JSON.stringify(specifier)}));`,
    "const lazy = {};",
    `for (const key of ${JSON.stringify(names)})`,
    "  Object.defineProperty(lazy, key, { enumerable: true, configurable: true, get: () => load()[key], set: (value) => { load()[key] = value; } });",
    "module.exports = lazy;",
  ].join("\n");
}
// Packages of the CLI that a start rarely needs load on first use the same way (CommonJS, exports a
// plain object): yaml parses agent, skill and command front matter only when its cache misses, and
// evaluating it (~50 modules) cost every start 3–5 ms. The stub requires the file the import resolved
// to, so two versions of a package stay two.
const LAZY_PACKAGES = new Set(["yaml"]);
const lazyPackages = {
  name: "lazy-packages",
  setup(context) {
    context.onResolve({ filter: /^[a-z@]/ }, async (args) => {
      if (!LAZY_PACKAGES.has(args.path) || args.pluginData?.lazy) return undefined;
      const resolved = await context.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { lazy: true },
      });
      if (resolved.errors.length > 0 || resolved.external) return undefined;
      // Relative to the repository, as esbuild names every other module in the bundle's comments.
      return { path: relative(root, resolved.path), namespace: "lazy-package" };
    });
    context.onLoad({ filter: /.*/, namespace: "lazy-package" }, (args) => {
      const file = join(root, args.path);
      const real = createRequire(file)(file);
      if (typeof real !== "object" || real === null) throw new Error(`${file} is not a plain object`);
      return { contents: lazyStub(`./${basename(file)}`, real), resolveDir: dirname(file), loader: "js" };
    });
  },
};
// esbuild's __toESM wraps a CommonJS module for each importing file: a new object with a getter
// per export. The CLI has 344 such imports of built-ins (103 of node:fs, ~100 exports each), so
// start-up defined tens of thousands of getters. The wrapper only reads through to the module, so
// one per module (and mode) serves every importer. The bundle's own helper is renamed and this
// memo stands in for it, on the banner's line so the source maps keep their lines.
const toEsmOnce =
  " var __toESMMemo = [new WeakMap(), new WeakMap()]; var __toESM = (mod, isNodeMode, target) => { if (target !== undefined || mod == null || (typeof mod !== 'object' && typeof mod !== 'function')) return __toESMFresh(mod, isNodeMode, target); const memo = __toESMMemo[isNodeMode ? 1 : 0]; let wrapped = memo.get(mod); if (!wrapped) memo.set(mod, (wrapped = __toESMFresh(mod, isNodeMode))); return wrapped; };";
const asciiEscape = (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`;
/** Every UTF-16 unit outside ASCII (written without control characters, which biome refuses). */
const NON_ASCII = /[\u0080-\uffff]/g;

function writeWithToEsmOnce(result) {
  let patched = 0;
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith(".js") && text.includes("var __toESM = (")) {
      if (!text.startsWith(banner.js)) throw new Error(`${file.path} does not start with the banner`);
      text = `${banner.js}${toEsmOnce}${text.slice(banner.js.length).replace("var __toESM = (", "var __toESMFresh = (")}`;
      patched++;
    }
    // V8 keeps a module's source for as long as the module lives, at one byte a character only
    // if every character is Latin-1: one arrow in a comment made the 1.1 MB chunk every run loads
    // a 2.2 MB string. esbuild escapes strings, templates and regular expressions already (its
    // ASCII charset) but copies comments; the same \u escape means the same character in code.
    if (file.path.endsWith(".js")) text = text.replace(NON_ASCII, asciiEscape);
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, text);
  }
  if (patched === 0)
    throw new Error("no __toESM helper found to memoise: esbuild's runtime changed; see scripts/bundle.mjs");
}

// A dependency's own source map mostly names TypeScript the dependency does not publish (ink's
// src/, the MCP SDK's src/, entities' GitHub URLs): followed, the CLI's maps would point at
// files no installation has. Without it, the dependency's JavaScript, as bundled, is the source
// the map carries (sourcesContent), so every source a shipped map names is in the map itself
// (scripts/release-dry-run.test.ts checks the tarballs).
const dependencyMapsIgnored = {
  name: "dependency-maps-ignored",
  setup(context) {
    context.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("sourceMappingURL=")) return undefined;
      return {
        contents: text.replace(/^\/\/[#@] sourceMappingURL=.*$/gm, ""),
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};

// isolated-vm is a native addon: it loads from node_modules, never from a bundle. The bundles load
// it through scripts/isolated-vm-loader.cjs, which requires its prebuilt binary without
// node-gyp-build's search (~3 ms a start); the loader's own require of it stays external.
const ISOLATED_VM_LOADER = `${root}/scripts/isolated-vm-loader.cjs`;
const isolatedVmLoader = {
  name: "isolated-vm-loader",
  setup(context) {
    context.onResolve({ filter: /^isolated-vm$/ }, (args) =>
      args.importer === ISOLATED_VM_LOADER ? { path: args.path, external: true } : { path: ISOLATED_VM_LOADER },
    );
  },
};

// The SHA-256 of the isolates' prelude and warm-up, from the same files the bundles hold: the
// snapshot cache names entries by them (host's snapshot-cache.ts), and a start need not hash them.
const { PRELUDE } = await import(`${root}/packages/host/dist/sandbox/prelude.js`);
const { WARM_UP } = await import(`${root}/packages/host/dist/sandbox/warm-up.js`);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const SANDBOX_HASHES = JSON.stringify({ prelude: sha256(PRELUDE), warmUp: sha256(WARM_UP) });

const inProcess = {
  bundle: true,
  plugins: [isolatedVmLoader, builtinsByRequire, lazyPackages, dependencyMapsIgnored],
  platform: "node",
  format: "esm",
  target: "node24",
  banner,
  sourcemap: "linked",
  logLevel: "warning",
  legalComments: "none",
};
// `pincer -p`'s road as one CommonJS script (packages/cli/src/print-bundle.ts runs it through
// vm.Script with V8's code cache made after a turn, which Node's compile cache of ES modules cannot
// hold). Everything it may load is in it: no chunks, no import() (checked below), so it is all in
// the one cache. Its first line carries a hash of the rest, which names its cache entries.
const PRINT_BANNER = `/*pincer-build:${"0".repeat(64)}*/(function (exports, require, module, __filename, __dirname) { var __pincerImportMetaUrl = require("node:url").pathToFileURL(__filename).href;`;
// What a turn imports only sometimes, and whose code has no state the rest shares, is a file of its
// own beside the script, required on first use (Node's compile cache keeps it): Ajv compiles a
// schema no validator was generated for, which a turn with only built-in tools never does, and the
// generated validators are needed only at a first tool call.
const PRINT_APART = [
  {
    name: "print-ajv",
    matches: (path) => path === "ajv",
    entry: createRequire(`${root}/packages/kernel/package.json`).resolve("ajv"),
  },
  {
    name: "print-mcp",
    matches: (path) => path.endsWith("/sdk-modules.js"),
    entry: `${root}/packages/mcp/dist/sdk-modules.js`,
  },
  {
    name: "print-tool-validators",
    matches: (path) => path.endsWith("/generated/tool-validators.js"),
    entry: `${root}/packages/runtime/dist/generated/tool-validators.js`,
  },
];
const printApart = {
  name: "print-apart",
  setup(context) {
    context.onResolve({ filter: /^ajv$|\/generated\/tool-validators\.js$|\/sdk-modules\.js$/ }, (args) => {
      const apart = args.kind === "dynamic-import" && PRINT_APART.find((part) => part.matches(args.path));
      return apart ? { path: `./${apart.name}.cjs`, external: true } : undefined;
    });
  },
};
const PRINT_APART_BANNER = 'var __pincerImportMetaUrl = require("node:url").pathToFileURL(__filename).href;';
const printApartBuild = (part) => ({
  ...inProcess,
  format: "cjs",
  entryPoints: { [part.name]: part.entry },
  outdir: `${root}/packages/cli/dist/bundle`,
  outExtension: { ".js": ".cjs" },
  define: { "import.meta.url": "__pincerImportMetaUrl" },
  banner: { js: PRINT_APART_BANNER },
});
const printPath = {
  ...inProcess,
  // Whitespace only (names and code as written, so a stack still names its functions; the map
  // beside it has the sources): V8 keeps the script's source for as long as it runs, outside its
  // heap, and 2.23 MB became 1.58 (a one-shot's peak RSS 68.7 -> 67.6 MiB).
  minifyWhitespace: true,
  plugins: [printApart, ...inProcess.plugins],
  // import() of a file apart becomes require(): a vm.Script has no loader for import().
  supported: { "dynamic-import": false },
  format: "cjs",
  write: false,
  entryPoints: { print: `${root}/packages/cli/dist/fast-print.js` },
  outdir: `${root}/packages/cli/dist/bundle`,
  outExtension: { ".js": ".cjs" },
  external: ["esbuild"],
  define: {
    "process.env.NODE_ENV": '"production"',
    "import.meta.url": "__pincerImportMetaUrl",
    __PINCER_SANDBOX_HASHES__: SANDBOX_HASHES,
  },
  banner: { js: PRINT_BANNER },
  footer: { js: "})" },
  // print-bundle.ts reads the file as latin1 (a large one stays outside V8's heap, uncopied).
  charset: "ascii",
};
function writePrintPath(result) {
  const js = result.outputFiles.find((file) => file.path.endsWith(".cjs"));
  if (!js?.text.startsWith(PRINT_BANNER)) throw new Error("the print bundle does not start with its banner");
  let body = js.text.slice(PRINT_BANNER.length);
  // Minified (whitespace only), the helper reads `var __toESM=(`.
  if (!body.includes("var __toESM=("))
    throw new Error("no __toESM helper found to memoise: esbuild's runtime changed; see scripts/bundle.mjs");
  body = toEsmOnce + body.replace("var __toESM=(", "var __toESMFresh=(");
  // A dynamic import() in a vm.Script needs an experimental loader option (and warns on stderr).
  if (/[^\w$.]import\(/.test(body)) throw new Error("the print bundle has a dynamic import(); it must be one script");
  // print-bundle.ts reads the file as latin1: ASCII, as the chunks are (see asciiEscape's use above).
  body = body.replace(NON_ASCII, asciiEscape);
  const hash = createHash("sha256").update(body).digest("hex");
  const text = `${PRINT_BANNER.replace("0".repeat(64), hash)}${body}`;
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file === js ? text : file.text);
  }
}

// Every plugin runs in an isolate: no Node, no imports, one script that sets globalThis.__pincerPlugin.
// The settings are the installer's (SANDBOX_BUILD), so a built-in is bundled as an installed one is,
// and minified besides (whitespace and syntax; names are kept, so stacks still name functions): an
// isolate holds its bundle's source for as long as it lives, and its snapshot holds it too. The
// openai provider's bundle goes from 1.03 MB to 0.67 MB, its snapshot from 2.9 to 1.5 MB, and its
// isolate's heap from 4.6 to 3.2 MB.
const { SANDBOX_BUILD } = await import(`${root}/packages/host/dist/install/bundle.js`);
const sandboxed = { ...SANDBOX_BUILD, minifyWhitespace: true, minifySyntax: true, logLevel: "warning" };

function plugin(dir) {
  const manifest = JSON.parse(readFileSync(`${root}/${dir}/pincer.plugin.json`, "utf8"));
  return {
    ...sandboxed,
    entryPoints: [`${root}/${dir}/dist/index.js`],
    outfile: `${root}/${dir}/${manifest.main}`,
    // The openai SDK's resources and helpers the built-in providers never call (openai-unused.mjs),
    // and its log text built at every request for a level that drops it (openai-quiet-log.mjs).
    plugins: [openaiUnused, openaiQuietLog],
  };
}

// Chunk names carry content hashes: clear the old ones so dist holds only what this build made.
rmSync(`${root}/packages/cli/dist/bundle`, { recursive: true, force: true });
await Promise.all([
  // --record loads the cassette recorder (@pincer/provider-replay/record) only when asked, from a chunk.
  // Split: what only some commands need (Ajv at the first tool call, the installer's tar, semver
  // and esbuild for `plugin …`) lands in chunks that a `-p` run never reads or compiles.
  build({
    ...inProcess,
    write: false,
    // Two entries sharing chunks: the full CLI (yargs), and the `-p` fast path that skips yargs.
    entryPoints: {
      "main.bundle": `${root}/packages/cli/dist/main.js`,
      "fast-path.bundle": `${root}/packages/cli/dist/fast-path.js`,
    },
    outdir: `${root}/packages/cli/dist/bundle`,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    external: ["esbuild"],
    // React's production build (its development build checks every render), and no devtools:
    // Ink imports react-devtools-core only when DEV is set, and Pincer never ships it.
    define: { "process.env.NODE_ENV": '"production"', __PINCER_SANDBOX_HASHES__: SANDBOX_HASHES },
    alias: { "react-devtools-core": `${root}/scripts/no-devtools.mjs` },
  }).then(writeWithToEsmOnce),
  build(printPath).then(writePrintPath),
  ...PRINT_APART.map((part) => build(printApartBuild(part))),
  ...[
    "plugins/core-tools",
    "plugins/notebook",
    "plugins/web",
    "plugins/web-search",
    "plugins/provider-openai",
    "plugins/provider-anthropic",
    "plugins/provider-hf",
    "plugins/provider-replay",
    "plugins/huggingface",
    "plugins/ml-intern",
    "themes/dark",
    "themes/light",
    "themes/high-contrast",
    "themes/ansi16",
  ].map((dir) => build(plugin(dir))),
]);
