import type * as Fs from "node:fs";
import type { Stats } from "node:fs";
import { optimizersOff, setOptimizers } from "./optimizers.js";

// Built-ins by getBuiltinModule, as in bin.ts: an ESM import of node:fs runs its lazy getters.
const fs = process.getBuiltinModule("node:fs") as typeof Fs;
const vm = process.getBuiltinModule("node:vm");
const { createRequire } = process.getBuiltinModule("node:module");
const { dirname, join, resolve } = process.getBuiltinModule("node:path");
const { fileURLToPath } = process.getBuiltinModule("node:url");

/**
 * `pincer -p "…"` runs dist/bundle/print.cjs (fast-print.ts and everything it uses, one CommonJS
 * script that scripts/bundle.mjs builds) through vm.Script with V8's code cache, kept in
 * PINCER_HOME/cache/code. Node's own compile cache (enableCompileCache) is made when a module is
 * compiled, before it runs, so it holds only what V8 compiled eagerly; every start still parsed and
 * compiled the functions a turn calls (~15 ms of a one-shot). This cache is made after a turn
 * succeeded (script.createCachedData), so it holds those functions too, and a start that finds it
 * compiles almost nothing.
 *
 * V8 checks a cache against its own version and flags and the source's length, not the source: so
 * the entry's name carries the bundle's build hash (its first line) and V8's version, and its `.sum`
 * the bundle file's identity. V8 does not check the bytes either (a flipped bit is not a rejected
 * cache), so the `.sum` holds their SHA-256 and the `.bin` file's identity when last checked, as
 * the plugin snapshots' do (host's snapshot-cache.ts): a file with that identity was not written
 * since; any other is hashed, and used only if it matches. Anything odd is "no cache": the script
 * compiles from source, and a successful turn writes the entry again.
 */
export async function runPrintBundle(argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const file = fileURLToPath(new URL("./bundle/print.cjs", import.meta.url));
  const bundle = readSource(file);
  const dir = join(
    resolve(env.PINCER_HOME || join(process.getBuiltinModule("node:os").homedir(), ".pincer")),
    "cache",
    "code",
  );
  const key = `print-${bundle.buildId.slice(0, 40)}-v8_${process.versions.v8.replace(/[^0-9A-Za-z]/g, "_")}`;
  const offWhenCompiled = optimizersOff();
  const found = readCache(dir, key, bundle.stat);
  const { script, cached } = compile(bundle.source, file, found?.bytes);
  if (found) release(found.bytes);
  const module = { exports: {} as Partial<typeof import("./fast-print.js")> };
  (script.runInThisContext() as CommonJsWrapper)(module.exports, createRequire(file), module, file, dirname(file));
  if (typeof module.exports.tryFastPrint !== "function") throw new Error(`${file} does not export tryFastPrint`);
  const code = await module.exports.tryFastPrint(argv, env);
  // Only a turn that ran to its end (a cache made by a failed start holds little of a turn), and
  // did no one-off work (its code would be in the cache, loaded by every later start): the first
  // start after an install makes the snapshots, the next one the cache. A cache made by a turn
  // that ran no tool is made again by the first turn that runs one (host's didRunTool): V8's
  // cache holds what the turn compiled, and a tool turn compiled the tool path again every time.
  const ranTool = module.exports.didRunTool?.() === true;
  const covered = cached && (found?.tools === true || !ranTool);
  if (code === 0 && !covered && !module.exports.didColdWork?.()) {
    writeCache(dir, key, cacheAsCompiled(script, offWhenCompiled), bundle.stat, ranTool);
  }
  return code;
}

/** Compiled with the cache when V8 takes it (V8 reads the bytes while it compiles and keeps none of them). */
function compile(
  source: string,
  file: string,
  cachedData: Buffer | undefined,
): { script: import("node:vm").Script; cached: boolean } {
  const script = new vm.Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  return { script, cached: cachedData !== undefined && !script.cachedDataRejected };
}

/** The script's cache, stamped with the flags it was compiled under (a turn past bin.ts's first second has changed them). */
function cacheAsCompiled(script: import("node:vm").Script, offWhenCompiled: boolean): Buffer {
  const offNow = optimizersOff();
  if (offNow === offWhenCompiled) return script.createCachedData();
  setOptimizers(!offWhenCompiled);
  try {
    return script.createCachedData();
  } finally {
    setOptimizers(!offNow);
  }
}

type CommonJsWrapper = (
  exports: object,
  require: NodeJS.Require,
  module: object,
  filename: string,
  dirname: string,
) => void;

/** The build hash scripts/bundle.mjs writes on the bundle's first line. */
const BUILD_ID = /^\/\*pincer-build:([0-9a-f]{64})\*\//;
/** Larger is not a cache this made (the print bundle's is ~1.2 MB). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
const MAX_SUM_BYTES = 4096;
/** The `.sum`'s time is the entry's last use for the cache pruner; a start marks it at most daily. */
const USED_RESOLUTION_MS = 24 * 60 * 60 * 1000;

function readSource(file: string): { source: string; buildId: string; stat: Stats } {
  const fd = fs.openSync(file, "r");
  let bytes: Buffer;
  let stat: Stats;
  try {
    stat = fs.fstatSync(fd);
    bytes = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // latin1: the build checks the bundle is ASCII, and a large latin1 string is kept outside V8's
  // heap without a copy (utf8 made a second 2 MB copy on the heap: ~3 MiB more peak RSS).
  const source = bytes.toString("latin1");
  release(bytes);
  const buildId = BUILD_ID.exec(source)?.[1];
  if (!buildId) throw new Error(`${file} has no build hash on its first line; rebuild the CLI.`);
  return { source, buildId, stat };
}

/**
 * Frees a buffer's memory now rather than when a collection finds it dead, which in a one-shot may
 * be never: a Buffer still in use at a scavenge moves to the old generation, which only a full
 * collection sweeps, and a turn runs none. The code cache's ~1 MB stayed to the end of every turn
 * so. Only a buffer that owns its whole ArrayBuffer: a small one shares Node's pool with others.
 */
function release(bytes: Buffer): void {
  const { buffer } = bytes;
  if (!(buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return;
  // ES2024's ArrayBuffer.prototype.transfer (Node 24; the project's types stop at ES2023).
  (buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
}

interface Sum {
  sha256: string;
  /** The .bin file as last checked. */
  bin: Identity;
  /** The bundle it was made from. */
  source: Identity;
  /** The turn that made it (or one before it) ran a tool: it holds the tool path's code too. */
  tools?: boolean;
}
interface Identity {
  size: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

function identity(stat: Stats): Identity {
  return { size: stat.size, ino: stat.ino, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
}
function same(a: Identity, b: Identity): boolean {
  return a.size === b.size && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function readCache(dir: string, key: string, source: Stats): { bytes: Buffer; tools: boolean } | undefined {
  const sumFile = join(dir, `${key}.sum`);
  const sumRead = readRegularFile(sumFile, MAX_SUM_BYTES, true);
  const sum = sumRead && parseSum(sumRead.bytes);
  if (!sum || !same(sum.source, identity(source))) return undefined;
  const bin = readRegularFile(join(dir, `${key}.bin`), MAX_CACHE_BYTES, false);
  if (!bin) return undefined;
  if (!same(sum.bin, identity(bin.stat))) {
    if (sha256(bin.bytes) !== sum.sha256) return undefined;
    writeSum(sumFile, { ...sum, bin: identity(bin.stat) });
  }
  return { bytes: bin.bytes, tools: sum.tools === true };
}

function writeCache(dir: string, key: string, bytes: Buffer, source: Stats, tools: boolean): void {
  const file = join(dir, `${key}.bin`);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, bytes, { mode: 0o600 });
    fs.renameSync(temp, file);
    writeSum(join(dir, `${key}.sum`), {
      sha256: sha256(bytes),
      bin: identity(fs.statSync(file)),
      source: identity(source),
      ...(tools ? { tools } : {}),
    });
  } catch {
    // A full disk or a read-only home: this start ran, the next compiles from source again.
    fs.rmSync(temp, { force: true });
  }
}

function writeSum(file: string, sum: Sum): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, JSON.stringify(sum), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

function parseSum(bytes: Buffer): Sum | undefined {
  try {
    const sum = JSON.parse(bytes.toString("utf8")) as Partial<Sum> | null;
    const isIdentity = (value: unknown): value is Identity =>
      typeof value === "object" &&
      value !== null &&
      ["size", "ino", "mtimeMs", "ctimeMs"].every(
        (name) => typeof (value as Record<string, unknown>)[name] === "number",
      );
    if (typeof sum?.sha256 === "string" && isIdentity(sum.bin) && isIdentity(sum.source)) return sum as Sum;
  } catch {}
  return undefined;
}

function sha256(bytes: Buffer): string {
  return process.getBuiltinModule("node:crypto").createHash("sha256").update(bytes).digest("hex");
}

/**
 * A cache file's bytes and stat, or undefined for a missing or odd one, as host's readCacheFile
 * (cache-entry.ts) reads them; bin.js's road loads nothing of the host. A symbolic link is refused
 * (O_NOFOLLOW), a FIFO or device neither blocks nor streams for ever (O_NONBLOCK, then fstat), and
 * a file that changed size while read is not trusted. `markUsed` moves a day-old mtime to now.
 */
function readRegularFile(
  file: string,
  maxBytes: number,
  markUsed: boolean,
): { bytes: Buffer; stat: Stats } | undefined {
  const { constants } = fs;
  let fd: number;
  try {
    fd = fs.openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const bytes = Buffer.allocUnsafe(stat.size);
    let length = 0;
    while (length < bytes.length) {
      const read = fs.readSync(fd, bytes, length, bytes.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length !== stat.size || fs.readSync(fd, Buffer.allocUnsafe(1), 0, 1, null) !== 0) return undefined;
    if (markUsed && Math.abs(Date.now() - stat.mtimeMs) > USED_RESOLUTION_MS) {
      try {
        fs.futimesSync(fd, new Date(), new Date());
      } catch {}
    }
    return { bytes, stat };
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
