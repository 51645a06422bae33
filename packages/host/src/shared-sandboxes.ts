import { createHash } from "node:crypto";
import type { OsSandboxSettings } from "./capabilities/os-sandbox.js";
import type { PluginRecord } from "./registry.js";
import type { PluginSandbox } from "./sandbox/plugin-sandbox.js";
import type { SandboxLimits } from "./sandbox/sandbox-types.js";

/** What makes two sessions' sandboxes of one plugin the same sandbox (see SharedSandboxes.keyFor). */
export interface SharedSandboxSettings {
  cwd: string;
  env: NodeJS.ProcessEnv;
  osSandbox?: OsSandboxSettings;
  sandboxLimits?: Partial<SandboxLimits>;
}

/** A session's hold on a shared sandbox; `release` once it no longer uses it. */
export interface SharedSandboxHandle {
  key: string;
  sandbox: PluginSandbox;
  codeKey: string;
  release(): void;
}

/**
 * A plugin that only provides models (and maybe themes) is shared between the sessions of one
 * process: its calls carry everything they need (the request, the provider's config) and each
 * call's events go to that call alone (PluginSandbox.stream). A plugin with tools, hooks or
 * commands keeps one isolate per session: those hold a session's state (background shells, a
 * command's driven sessions). A plugin under `pincer plugin dev` is replaced on every save, so it
 * is not shared either.
 */
export function shareable(record: PluginRecord): boolean {
  const { contributes } = record.manifest;
  return (
    !record.live &&
    (contributes.providers?.length ?? 0) > 0 &&
    !contributes.tools?.length &&
    !contributes.hooks?.length &&
    !contributes.commands?.length
  );
}

/**
 * A shared sandbox's identity. The whole environment counts (hashed, never kept: it holds keys), as
 * the plugin's env capability and its protected paths read it; the cwd counts only where a grant
 * reaches the file system or spawns (relative paths resolve against it).
 */
export function sharedSandboxKey(record: PluginRecord, settings: SharedSandboxSettings): string {
  const { grants } = record;
  const usesCwd = grants.fsRead.length > 0 || grants.fsWrite.length > 0 || grants.spawn.length > 0;
  const env = Object.entries(settings.env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256")
    .update(
      JSON.stringify({
        name: record.manifest.name,
        dir: record.dir,
        bundle: record.bundleFile,
        integrity: record.bundleIntegrity ?? null,
        snapshot: record.snapshot,
        grants,
        env,
        cwd: usesCwd ? settings.cwd : null,
        os: settings.osSandbox ?? null,
        limits: settings.sandboxLimits ?? null,
      }),
    )
    .digest("hex");
}

/**
 * Sandboxes shared by the sessions of one process (`pincer serve`): one isolate per provider
 * plugin and everything that decides what it may do — its code, its resolved grants, the values
 * of its environment, the OS sandbox and the limits. Two sessions whose plugin would differ in any
 * of these get two sandboxes, so sharing never widens what a plugin sees. A sandbox lives while a
 * session holds it: the last release stops its isolate.
 */
export class SharedSandboxes {
  private readonly entries = new Map<string, { sandbox: PluginSandbox; codeKey: string; holders: number }>();

  /** The sandbox for `key`, made by `open` if no session holds one; the handle's release lets it go. */
  acquire(key: string, open: () => { sandbox: PluginSandbox; codeKey: string }): SharedSandboxHandle {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { ...open(), holders: 0 };
      this.entries.set(key, entry);
    }
    entry.holders++;
    const held = entry;
    let released = false;
    return {
      key,
      sandbox: held.sandbox,
      codeKey: held.codeKey,
      release: () => {
        if (released) return;
        released = true;
        if (--held.holders > 0) return;
        if (this.entries.get(key) === held) this.entries.delete(key);
        held.sandbox.dispose();
      },
    };
  }

  /** How many shared sandboxes are held now (for tests and figures). */
  get size(): number {
    return this.entries.size;
  }
}
