import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxedToolMeta } from "./sandbox/plugin-sandbox.js";

/** Bumped when what the prelude reports about a tool changes shape. */
const FORMAT = 1;

/**
 * A plugin's tool definitions (names, descriptions, schemas), remembered by the hash of the
 * bundle that produced them. With them, a session can offer a plugin's tools to the model and
 * start its isolate only when one is called: a turn pays only for the plugins it uses.
 */
export class ToolMetaCache {
  private readonly memory = new Map<string, SandboxedToolMeta[]>();

  constructor(private readonly dir?: string) {}

  get(bundleHash: string): SandboxedToolMeta[] | undefined {
    const key = this.key(bundleHash);
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

  set(bundleHash: string, metas: SandboxedToolMeta[]): void {
    const key = this.key(bundleHash);
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

  private key(bundleHash: string): string {
    // sha512 in base64 -> a file-name-safe string.
    return `v${FORMAT}-${bundleHash
      .replace(/^sha512-/, "")
      .replace(/\//g, "_")
      .replace(/\+/g, "-")
      .replace(/=+$/, "")}`;
  }
}
