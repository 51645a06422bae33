import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { sha256Hex } from "@pincer/kernel";
import ivm from "isolated-vm";
import { readCacheFile } from "../cache/cache-entry.js";
import { noteColdWork } from "../cold-work.js";
import { PRELUDE } from "./prelude.js";
import { WARM_UP } from "./warm-up.js";

const require = createRequire(import.meta.url);
const IVM_VERSION = (require("isolated-vm/package.json") as { version: string }).version;
/**
 * The CLI's bundles carry the SHA-256 of the prelude and the warm-up they were built with
 * (scripts/bundle.mjs computes them from the same files it bundles): hashing their ~30 KB at every
 * start would load node:crypto, which a one-shot otherwise never needs.
 */
declare const __PINCER_SANDBOX_HASHES__: { prelude: string; warmUp: string } | undefined;
/** SHA-256 of the prelude and of the warm-up, by text: each is one constant string, hashed once. */
const textHashes = new Map<string, string>(
  typeof __PINCER_SANDBOX_HASHES__ === "undefined"
    ? []
    : [
        [PRELUDE, __PINCER_SANDBOX_HASHES__.prelude],
        [WARM_UP, __PINCER_SANDBOX_HASHES__.warmUp],
      ],
);
const hashOf = (text: string) => {
  let hash = textHashes.get(text);
  if (hash === undefined) {
    hash = sha256Hex(text);
    textHashes.set(text, hash);
  }
  return hash;
};
/**
 * Snapshots this process has read or made, by file: every isolate of a plugin starts from the same
 * copy. A server with many sessions (each with its own isolates) neither reads the file again for
 * each nor holds a copy of a few MB per session. The key names the exact code and V8, so a
 * snapshot kept here never goes stale.
 */
const inProcess = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();

/**
 * V8 heap snapshots of plugin isolates with the prelude and the plugin's bundle already
 * evaluated: starting from one skips compiling and running the bundle (the openai SDK's 1 MB:
 * ~28 ms evaluated, ~8 ms from a snapshot). A snapshot only fits the exact V8 that made it, so
 * the key covers Node's and isolated-vm's versions as well as the code. Made once, the first
 * time a plugin starts, and kept on disk.
 *
 * V8 does not check a snapshot it is given: a truncated or altered one crashes the whole process
 * (SIGSEGV or a failed CHECK), at every start, until the file is deleted. So beside `<key>.bin`
 * is `<key>.sum`: the SHA-256 of the bytes, and the file's identity (inode, size, ctime) when it was
 * last checked. A file with that identity was not written since, and starts without hashing
 * (~2 ms for the openai provider's 3 MB); any other is hashed, and one that does not match is
 * made again. The `.sum` file's time is the entry's last use (see cache-prune.ts).
 */
export class SnapshotCache {
  /**
   * `warmUp` (warm-up.ts) runs after the scripts in a throw-away context of V8's snapshot creator,
   * and the code it compiled is kept: a snapshot's first call then compiles next to nothing. Only
   * trusted built-ins are snapshotted (see AddOptions.snapshot), so it runs only their code.
   */
  constructor(
    private readonly dir: string,
    private readonly warmUp: string = WARM_UP,
  ) {}

  /**
   * `codeKey` names the plugin's code (its integrity, or its file's identity); the prelude and the
   * warm-up are hashed once. A changed warm-up compiles other code, so it makes a new snapshot.
   */
  keyFor(prelude: string, codeKey: string): string {
    return sha256Hex(
      `${process.version}\0${IVM_VERSION}\0${hashOf(prelude)}\0${hashOf(this.warmUp)}\0${codeKey}`,
    ).slice(0, 40);
  }

  load(key: string): ivm.ExternalCopy<ArrayBuffer> | undefined {
    const file = join(this.dir, `${key}.bin`);
    const kept = inProcess.get(file);
    if (kept) return kept;
    // The .bin keeps its times: changing them would change its ctime, its identity.
    const read = readCacheFile(file, MAX_SNAPSHOT_BYTES, { markUsed: false });
    if (!read) return undefined;
    const sumFile = join(this.dir, `${key}.sum`);
    const sum = parseSum(readCacheFile(sumFile, 1024)?.bytes);
    if (!sum || !sameFile(sum, read.stat)) {
      const sha256 = createHash("sha256").update(read.bytes).digest("hex");
      // Not the bytes that were made (or made by a Pincer that kept no sum): create() replaces it.
      if (sum?.sha256 !== sha256) return undefined;
      writeSum(sumFile, sha256, read.stat);
    }
    try {
      const bytes = read.bytes;
      // The file's own memory moves into the copy (transferOut): a snapshot is a few MB, and
      // slicing and then copying it again held three of them at start-up, which raised peak RSS.
      const whole =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? bytes.buffer
          : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const snapshot = new ivm.ExternalCopy(whole, { transferOut: true });
      inProcess.set(file, snapshot);
      return snapshot;
    } catch {
      return undefined;
    }
  }

  /**
   * Makes and stores the snapshot. A bundle that needs the host while it loads (a timer or
   * random bytes at top level) cannot be snapshotted: that is remembered, and it starts the
   * ordinary way. A warm-up that throws costs only that: the snapshot is made again without it
   * (cold), never left out or broken.
   */
  create(key: string, scripts: Array<{ code: string; filename: string }>): ivm.ExternalCopy<ArrayBuffer> | undefined {
    const failed = join(this.dir, `${key}.unsnapshottable`);
    if (existsSync(failed)) return undefined;
    noteColdWork();
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch {
      return undefined;
    }
    let snapshot: ivm.ExternalCopy<ArrayBuffer>;
    try {
      snapshot = makeSnapshot(scripts, this.warmUp);
    } catch {
      try {
        writeFileSync(failed, "");
      } catch {}
      return undefined;
    }
    // A write that fails (a full disk) is not the bundle's fault: this start uses the snapshot, and
    // a later one writes it again — nothing is marked, and no partial file is left.
    const file = join(this.dir, `${key}.bin`);
    inProcess.set(file, snapshot);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      const bytes = Buffer.from(snapshot.copy());
      writeFileSync(temp, bytes);
      renameSync(temp, file);
      writeSum(join(this.dir, `${key}.sum`), createHash("sha256").update(bytes).digest("hex"), statSync(file));
    } catch {
      rmSync(temp, { force: true, recursive: true });
    }
    return snapshot;
  }
}

function makeSnapshot(
  scripts: Array<{ code: string; filename: string }>,
  warmUp: string,
): ivm.ExternalCopy<ArrayBuffer> {
  if (warmUp) {
    try {
      return ivm.Isolate.createSnapshot(scripts, warmUp);
    } catch {
      // The warm-up (or the scripts) threw: a cold snapshot, or the scripts' own failure, below.
    }
  }
  return ivm.Isolate.createSnapshot(scripts);
}

/** Larger is not a snapshot Pincer made (the openai provider's is 3 MB). */
const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

interface SnapshotSum {
  sha256: string;
  size: number;
  ino: number;
  ctimeMs: number;
}

function parseSum(bytes: Buffer | undefined): SnapshotSum | undefined {
  if (!bytes) return undefined;
  try {
    const sum = JSON.parse(bytes.toString("utf8")) as Partial<SnapshotSum> | null;
    if (
      typeof sum?.sha256 === "string" &&
      typeof sum.size === "number" &&
      typeof sum.ino === "number" &&
      typeof sum.ctimeMs === "number"
    ) {
      return sum as SnapshotSum;
    }
  } catch {}
  return undefined;
}

function sameFile(sum: SnapshotSum, stat: Stats): boolean {
  return sum.size === stat.size && sum.ino === stat.ino && sum.ctimeMs === stat.ctimeMs;
}

/** Written whole or not at all; without it the next start hashes the snapshot again. */
function writeSum(file: string, sha256: string, stat: Stats): void {
  const sum: SnapshotSum = { sha256, size: stat.size, ino: stat.ino, ctimeMs: stat.ctimeMs };
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(sum));
    renameSync(temp, file);
  } catch {
    rmSync(temp, { force: true });
  }
}
