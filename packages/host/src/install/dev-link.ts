import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import { describeHookId, hookIds } from "../hooks/manifest-hooks.js";
import { MANIFEST_FILE, readManifest } from "../manifest.js";
import { refuseReservedToolNames } from "../reserved-tool-names.js";
import { bundleForSandbox } from "./bundle.js";
import { capabilityIds, describeCapability } from "./capability-list.js";
import type { InstallerOptions } from "./installer.js";
import { sha512 } from "./integrity.js";
import { BUNDLE_FILE, installDir, readLockfile, writeLockfile } from "./lockfile.js";

/**
 * `pincer plugin dev`: a plugin folder linked into the home like an installed plugin (same
 * consent, same lockfile, same integrity check at load), rebuilt on every save. Sessions load
 * the build that was current when they started a plugin.
 */
export class DevLink {
  private constructor(
    private readonly options: Pick<InstallerOptions, "home" | "consent">,
    readonly dir: string,
    public manifest: PluginManifest,
  ) {}

  static async create(dir: string, options: Pick<InstallerOptions, "home" | "consent">): Promise<DevLink> {
    const root = resolve(dir);
    const link = new DevLink(options, root, readManifest(root));
    const lock = readLockfile(options.home);
    const existing = lock.plugins[link.manifest.name];
    if (existing && existing.source.type !== "dev") {
      throw new Error(
        `${link.manifest.name} is already installed (${existing.source.type}). Remove it first (pincer plugin remove ${link.manifest.name}) to develop it here.`,
      );
    }
    return link;
  }

  /** Bundles the current main, asks for any capability not granted yet, and records it. */
  async rebuild(): Promise<{ ms: number; bytes: number }> {
    const started = performance.now();
    this.manifest = readManifest(this.dir);
    refuseReservedToolNames(this.manifest);
    const bundle = await bundleForSandbox(join(this.dir, this.manifest.main), this.manifest.name);
    const lock = readLockfile(this.options.home);
    const previous = lock.plugins[this.manifest.name];
    const declared = capabilityIds(this.manifest.capabilities);
    const fresh = declared.filter((id) => !(previous?.declared ?? []).includes(id));
    let granted = (previous?.granted ?? []).filter((id) => declared.includes(id));
    const hooks = hookIds(this.manifest);
    const freshHooks = hooks.filter((id) => !(previous?.hooks ?? []).includes(id));
    if (fresh.length || freshHooks.length || !previous) {
      const yes = await this.options.consent({
        name: this.manifest.name,
        version: this.manifest.version,
        ...(previous ? { updateFrom: previous.version } : {}),
        capabilities: fresh,
        lines: fresh.map(describeCapability),
        ...(freshHooks.length ? { hooks: freshHooks.map(describeHookId) } : {}),
      });
      if (yes) granted = [...new Set([...granted, ...fresh])];
    }
    const target = installDir(this.options.home, this.manifest.name);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, BUNDLE_FILE), bundle);
    lock.plugins[this.manifest.name] = {
      version: this.manifest.version,
      source: { type: "dev", path: this.dir },
      manifestIntegrity: sha512(readFileSync(join(this.dir, MANIFEST_FILE))),
      bundleIntegrity: sha512(bundle),
      declared,
      granted,
      ...(hooks.length ? { hooks } : {}),
      installedAt: new Date().toISOString(),
    };
    writeLockfile(this.options.home, lock);
    return { ms: performance.now() - started, bytes: bundle.length };
  }

  /** Unlinks the plugin: sessions started afterwards no longer load it. */
  unlink(): void {
    const lock = readLockfile(this.options.home);
    if (lock.plugins[this.manifest.name]?.source.type === "dev") {
      delete lock.plugins[this.manifest.name];
      writeLockfile(this.options.home, lock);
      rmSync(installDir(this.options.home, this.manifest.name), { recursive: true, force: true });
    }
  }
}
