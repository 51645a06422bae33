import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxedToolMeta } from "./sandbox/sandbox-types.js";

/** Bumped when what the prelude reports about a tool changes shape (2: hasEstimate, 3: deferred). */
const FORMAT = 3;

/**
 * A plugin's tool definitions (names, descriptions, schemas), remembered by the hash of the
 * bundle that produced them. With them, a session can offer a plugin's tools to the model and
 * start its isolate only when one is called: a turn pays only for the plugins it uses.
 */
export class ToolMetaCache {
  private readonly memory = new Map<string, SandboxedToolMeta[]>();

  constructor(private readonly dir?: string) {}

  get(bundleKey: string): SandboxedToolMeta[] | undefined {
    const key = this.key(bundleKey);
    let metas = this.memory.get(key);
    if (!metas && this.dir) {
      try {
        metas = JSON.parse(readFileSync(join(this.dir, `${key}.json`), "utf8")) as SandboxedToolMeta[];
        this.memory.set(key, metas);
      } catch {
        return undefined;
      }
    }
    return metas;
  }

  set(bundleKey: string, metas: SandboxedToolMeta[]): void {
    const key = this.key(bundleKey);
    this.memory.set(key, metas);
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

  /** The bundle's integrity, or its file's identity, as a short file name. */
  private key(bundleKey: string): string {
    return `v${FORMAT}-${createHash("sha256").update(bundleKey).digest("hex").slice(0, 40)}`;
  }
}
