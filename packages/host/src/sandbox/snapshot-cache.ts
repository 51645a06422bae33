import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import ivm from "isolated-vm";

const require = createRequire(import.meta.url);
const IVM_VERSION = (require("isolated-vm/package.json") as { version: string }).version;
let preludeHash: string | undefined;
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
 */
export class SnapshotCache {
  constructor(private readonly dir: string) {}

  /** `codeKey` names the plugin's code (its integrity, or its file's identity); the prelude is hashed once. */
  keyFor(prelude: string, codeKey: string): string {
    preludeHash ??= createHash("sha256").update(prelude).digest("hex");
    return createHash("sha256")
      .update(`${process.version}\0${IVM_VERSION}\0${preludeHash}\0${codeKey}`)
      .digest("hex")
      .slice(0, 40);
  }

  load(key: string): ivm.ExternalCopy<ArrayBuffer> | undefined {
    const file = join(this.dir, `${key}.bin`);
    const kept = inProcess.get(file);
    if (kept) return kept;
    try {
      const bytes = readFileSync(file);
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
   * ordinary way.
   */
  create(key: string, scripts: Array<{ code: string; filename: string }>): ivm.ExternalCopy<ArrayBuffer> | undefined {
    const failed = join(this.dir, `${key}.unsnapshottable`);
    if (existsSync(failed)) return undefined;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch {
      return undefined;
    }
    let snapshot: ivm.ExternalCopy<ArrayBuffer>;
    try {
      snapshot = ivm.Isolate.createSnapshot(scripts);
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
      writeFileSync(temp, Buffer.from(snapshot.copy()));
      renameSync(temp, file);
    } catch {
      rmSync(temp, { force: true, recursive: true });
    }
    return snapshot;
  }
}
