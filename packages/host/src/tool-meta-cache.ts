import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "@pincer/kernel";
import { readCacheFile } from "./cache/cache-entry.js";
import type { SandboxedToolMeta } from "./sandbox/sandbox-types.js";

/** Bumped when what the prelude reports about a tool changes shape (2: hasEstimate, 3: deferred). */
const FORMAT = 3;

/**
 * Definitions this process has read or asked for, by folder and key: every session of a server
 * offers the same parsed definitions (they depend only on the bundle), and sessions that start
 * together ask a plugin once (`pending`), not each its own isolate.
 */
const inProcess = new Map<string, SandboxedToolMeta[]>();
const pending = new Map<string, Promise<SandboxedToolMeta[]>>();
/**
 * Bundle key → file name, hashed once per process: a lookup used to hash it twice (file and
 * memory keys), and SHA-256 in JavaScript is ~0.1 ms a key while a one-shot's compilers are off.
 */
const fileKeys = new Map<string, string>();

/**
 * A plugin's tool definitions (names, descriptions, schemas), remembered by the hash of the
 * bundle that produced them. With them, a session can offer a plugin's tools to the model and
 * start its isolate only when one is called: a turn pays only for the plugins it uses.
 *
 * A kept file is used only if it has the shape the isolate reports (a list of tools, each with
 * its name, description, schema and kind as the right types); anything else (cut short, another
 * format, not JSON) counts as not kept, and the isolate is asked again.
 */
export class ToolMetaCache {
  constructor(private readonly dir?: string) {}

  /**
   * The definitions kept for the bundle, else those `ask` gets (from the plugin's isolate), kept
   * for the next: calls that come while one asks share its answer.
   */
  async getOr(bundleKey: string, ask: () => Promise<SandboxedToolMeta[]>): Promise<SandboxedToolMeta[]> {
    const kept = this.get(bundleKey);
    if (kept) return kept;
    const key = this.memoryKey(bundleKey);
    let asking = pending.get(key);
    if (!asking) {
      asking = ask().then((metas) => {
        inProcess.set(key, metas);
        this.set(bundleKey, metas);
        return metas;
      });
      const settled = () => pending.delete(key);
      asking.then(settled, settled);
      pending.set(key, asking);
    }
    return asking;
  }

  get(bundleKey: string): SandboxedToolMeta[] | undefined {
    const key = this.key(bundleKey);
    let metas = inProcess.get(this.memoryKey(bundleKey));
    if (!metas && this.dir) {
      const read = readCacheFile(join(this.dir, `${key}.json`), MAX_BYTES);
      if (!read) return undefined;
      try {
        const kept = JSON.parse(read.bytes.toString("utf8")) as unknown;
        if (!Array.isArray(kept) || !kept.every(isToolMeta)) return undefined;
        metas = kept;
      } catch {
        return undefined;
      }
      inProcess.set(this.memoryKey(bundleKey), metas);
    }
    return metas;
  }

  set(bundleKey: string, metas: SandboxedToolMeta[]): void {
    // Kept on disk for the next process; this one keeps what it read or asked (get, getOr).
    const key = this.key(bundleKey);
    if (!this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const file = join(this.dir, `${key}.json`);
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(metas));
      renameSync(temp, file);
    } catch {
      // Without the file the next session starts the isolate to ask again: slower, not wrong.
    }
  }

  /** Where the definitions are kept in this process: the folder as well, as a home's entries are its own. */
  private memoryKey(bundleKey: string): string {
    return `${this.dir ?? ""}\0${this.key(bundleKey)}`;
  }

  /** The bundle's integrity, or its file's identity, as a short file name. */
  private key(bundleKey: string): string {
    let key = fileKeys.get(bundleKey);
    if (key === undefined) {
      key = `v${FORMAT}-${sha256Hex(bundleKey).slice(0, 40)}`;
      fileKeys.set(bundleKey, key);
    }
    return key;
  }
}

/** A plugin's tool definitions are a few KB; 64 MB is not a file this cache wrote. */
const MAX_BYTES = 64 * 1024 * 1024;
const KINDS = new Set(["read", "edit", "execute", "other"]);

function isToolMeta(value: unknown): value is SandboxedToolMeta {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const meta = value as Record<string, unknown>;
  const optionalFlag = (flag: unknown) => flag === undefined || typeof flag === "boolean";
  return (
    typeof meta.name === "string" &&
    typeof meta.description === "string" &&
    !!meta.parameters &&
    typeof meta.parameters === "object" &&
    !Array.isArray(meta.parameters) &&
    typeof meta.kind === "string" &&
    KINDS.has(meta.kind) &&
    typeof meta.hasSubject === "boolean" &&
    optionalFlag(meta.hasEstimate) &&
    optionalFlag(meta.deferred)
  );
}
