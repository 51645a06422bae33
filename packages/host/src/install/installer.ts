import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import semver from "semver";
import { displayLine } from "../display-text.js";
import { describeHookId, hookIds } from "../hooks/manifest-hooks.js";
import { MANIFEST_FILE, readManifest } from "../manifest.js";
import { refuseReservedToolNames } from "../reserved-tool-names.js";
import { bundleForSandbox } from "./bundle.js";
import { type CapabilityId, capabilityIds, describeCapability, grantable } from "./capability-list.js";
import { type FetchContext, fetchPackage, parseSpec } from "./fetch-package.js";
import { sha512 } from "./integrity.js";
import {
  BUNDLE_FILE,
  installDir,
  type LockedPlugin,
  PACKAGE_DIR,
  type PluginSource,
  pluginsDir,
  readLockfile,
  writeLockfile,
} from "./lockfile.js";
import { unpackTarball } from "./unpack.js";

/**
 * What the user is asked to consent to. Every string in it is safe to print: the description
 * is one line of plain text, capped (see displayLine); the rest is checked by the manifest schema.
 */
export interface ConsentRequest {
  name: string;
  version: string;
  description?: string;
  /** Set when this is an update that asks for more than the installed version did. */
  updateFrom?: string;
  /** The capabilities to consent to now, and the same in plain words. */
  capabilities: CapabilityId[];
  lines: string[];
  /** Hooks into sessions to consent to now, in plain words (see hooks/manifest-hooks.ts). */
  hooks?: string[];
}

export interface InstallerOptions extends Omit<FetchContext, "cwd"> {
  home: string;
  cwd: string;
  /** This Pincer's version, checked against each manifest's engines.pincer. */
  pincerVersion: string;
  /** Manifests that ship with Pincer: their names and contributions cannot be taken. */
  builtins: PluginManifest[];
  /** Asked before anything is granted. Headless callers answer for the user (`--yes`). */
  consent(request: ConsentRequest): Promise<boolean>;
}

export interface InstallResult {
  name: string;
  version: string;
  previousVersion?: string;
  granted: CapabilityId[];
  /** Declared but not granted (revoked earlier, or refused at the prompt). */
  withheld: CapabilityId[];
}

/** More than any real package.json: only its name and version are read. */
const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

export class ConsentRefusedError extends Error {
  override name = "ConsentRefusedError";
}

/**
 * Installs plugins into `PINCER_HOME/plugins`: fetch, verify, unpack, validate, bundle, ask,
 * then swap into place and record in the lockfile. Each step can fail with nothing changed.
 */
export class PluginInstaller {
  constructor(private readonly options: InstallerOptions) {}

  async install(spec: string): Promise<InstallResult> {
    const fetched = await fetchPackage(parseSpec(spec, this.options.cwd), this.options);
    return this.installFetched(fetched.tarball, fetched.integrity, fetched.source);
  }

  /** Fetches each plugin again from where it came from; more capabilities need consent again. */
  async update(name?: string): Promise<InstallResult[]> {
    const lock = readLockfile(this.options.home);
    const names = name ? [name] : Object.keys(lock.plugins).filter((key) => lock.plugins[key]?.source.type !== "dev");
    const results: InstallResult[] = [];
    for (const key of names) {
      const entry = this.entry(key);
      const spec = sourceSpec(entry.source);
      const registry = entry.source.type === "registry" ? { registry: entry.source.registry } : {};
      const fetched = await fetchPackage(parseSpec(spec, this.options.cwd), { ...this.options, ...registry });
      results.push(await this.installFetched(fetched.tarball, fetched.integrity, entry.source));
    }
    return results;
  }

  remove(name: string): void {
    const lock = readLockfile(this.options.home);
    this.entry(name);
    delete lock.plugins[name];
    writeLockfile(this.options.home, lock);
    rmSync(installDir(this.options.home, name), { recursive: true, force: true });
  }

  /**
   * Grants capabilities the manifest declares (`all`: every declared one); to a plugin that
   * declares `net:*`, also hosts by name (`net:localhost:3000`), which `*` never reaches.
   */
  grant(name: string, ids: CapabilityId[] | "all"): LockedPlugin {
    return this.changeGrants(name, (entry) => {
      const wanted = ids === "all" ? entry.declared : ids;
      const undeclared = wanted.filter((id) => !grantable(entry.declared, id));
      if (undeclared.length) {
        throw new Error(
          `${name} does not declare ${undeclared.join(", ")}, so it cannot be granted. It declares: ${entry.declared.join(", ") || "nothing"}.`,
        );
      }
      return [...new Set([...entry.granted, ...wanted])];
    });
  }

  revoke(name: string, ids: CapabilityId[] | "all"): LockedPlugin {
    return this.changeGrants(name, (entry) => {
      if (ids === "all") return [];
      const unknown = ids.filter((id) => !entry.granted.includes(id));
      if (unknown.length) {
        throw new Error(
          `${name} is not granted ${unknown.join(", ")}. Granted: ${entry.granted.join(", ") || "nothing"}.`,
        );
      }
      return entry.granted.filter((id) => !ids.includes(id));
    });
  }

  /**
   * Records a built-in's grants in the lockfile so they can be narrowed like any plugin's.
   * Until the user changes them, a built-in has what its manifest declares.
   */
  adoptBuiltin(manifest: PluginManifest): void {
    const lock = readLockfile(this.options.home);
    if (lock.plugins[manifest.name]) return;
    const declared = capabilityIds(manifest.capabilities);
    lock.plugins[manifest.name] = {
      version: manifest.version,
      source: { type: "builtin" },
      declared,
      granted: declared,
      installedAt: new Date().toISOString(),
    };
    writeLockfile(this.options.home, lock);
  }

  private changeGrants(name: string, next: (entry: LockedPlugin) => CapabilityId[]): LockedPlugin {
    const builtin = this.options.builtins.find((manifest) => manifest.name === name);
    if (builtin) this.adoptBuiltin(builtin);
    const lock = readLockfile(this.options.home);
    const entry = this.entry(name);
    const updated = { ...entry, granted: next(entry) };
    lock.plugins[name] = updated;
    writeLockfile(this.options.home, lock);
    return updated;
  }

  private entry(name: string): LockedPlugin {
    const entry = readLockfile(this.options.home).plugins[name];
    if (entry) return entry;
    if (this.options.builtins.some((manifest) => manifest.name === name)) {
      throw new Error(`${name} ships with Pincer; it cannot be updated or removed, only granted and revoked.`);
    }
    throw new Error(`${name} is not installed. See pincer plugin list.`);
  }

  private async installFetched(tarball: Uint8Array, integrity: string, source: PluginSource): Promise<InstallResult> {
    const root = pluginsDir(this.options.home);
    mkdirSync(root, { recursive: true });
    const staging = join(root, `.staging-${process.pid}-${Date.now()}`);
    try {
      const packageDir = join(staging, PACKAGE_DIR);
      unpackTarball(tarball, packageDir);
      const manifest = readManifest(packageDir);
      this.checkPackage(manifest, packageDir);
      this.options.onProgress?.(`Bundling ${manifest.name}@${manifest.version} for the sandbox`);
      const bundle = await bundleForSandbox(resolve(packageDir, manifest.main), manifest.name);
      writeFileSync(join(staging, BUNDLE_FILE), bundle);

      const lock = readLockfile(this.options.home);
      const previous = lock.plugins[manifest.name];
      const declared = capabilityIds(manifest.capabilities);
      // An update keeps what was granted (and what was revoked); only new asks need consent.
      const alreadyDecided = previous ? previous.declared : [];
      const fresh = declared.filter((id) => !alreadyDecided.includes(id));
      let granted = previous ? previous.granted.filter((id) => grantable(declared, id)) : [];
      // Hooks see and steer every session: each new one is consented to like a capability.
      const hooks = hookIds(manifest);
      const freshHooks = hooks.filter((id) => !(previous?.hooks ?? []).includes(id));
      if (fresh.length || freshHooks.length || !previous) {
        const description = displayLine(manifest.description);
        const consented = await this.options.consent({
          name: manifest.name,
          version: manifest.version,
          ...(description ? { description } : {}),
          ...(previous ? { updateFrom: previous.version } : {}),
          capabilities: fresh,
          lines: fresh.map(describeCapability),
          ...(freshHooks.length ? { hooks: freshHooks.map(describeHookId) } : {}),
        });
        if (!consented) {
          throw new ConsentRefusedError(
            `Nothing was ${previous ? "updated" : "installed"}: ${manifest.name} was not granted what it asks for.`,
          );
        }
        granted = [...new Set([...granted, ...fresh])];
      }

      const target = installDir(this.options.home, manifest.name);
      const trash = `${staging}-old`;
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(target)) renameSync(target, trash);
      renameSync(staging, target);
      rmSync(trash, { recursive: true, force: true });

      lock.plugins[manifest.name] = {
        version: manifest.version,
        source,
        integrity,
        manifestIntegrity: sha512(readFileSync(join(target, PACKAGE_DIR, MANIFEST_FILE))),
        bundleIntegrity: sha512(bundle),
        declared,
        granted,
        ...(hooks.length ? { hooks } : {}),
        installedAt: new Date().toISOString(),
      };
      writeLockfile(this.options.home, lock);
      return {
        name: manifest.name,
        version: manifest.version,
        ...(previous ? { previousVersion: previous.version } : {}),
        granted,
        withheld: declared.filter((id) => !granted.includes(id)),
      };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  private checkPackage(manifest: PluginManifest, packageDir: string): void {
    const packageJson = join(packageDir, "package.json");
    if (existsSync(packageJson)) {
      if (statSync(packageJson).size > MAX_PACKAGE_JSON_BYTES) {
        throw new Error(
          `${manifest.name}: its package.json is larger than ${MAX_PACKAGE_JSON_BYTES / 1024 / 1024} MB.`,
        );
      }
      const pkg = JSON.parse(readFileSync(packageJson, "utf8")) as { name?: string; version?: string };
      if (pkg.name !== manifest.name || pkg.version !== manifest.version) {
        throw new Error(
          `${MANIFEST_FILE} says ${manifest.name}@${manifest.version} but package.json says ${displayLine(`${pkg.name}@${pkg.version}`, 120)}; they must agree.`,
        );
      }
    }
    if (!semver.satisfies(this.options.pincerVersion, manifest.engines.pincer, { includePrerelease: true })) {
      throw new Error(
        `${manifest.name}@${manifest.version} needs Pincer ${manifest.engines.pincer}; this is Pincer ${this.options.pincerVersion}.`,
      );
    }
    if (!existsSync(join(packageDir, manifest.main))) {
      throw new Error(
        `${manifest.name}: its main file ${manifest.main} is missing from the package. Build it before packing (pincer plugin pack does).`,
      );
    }
    refuseReservedToolNames(manifest);
    const lock = readLockfile(this.options.home);
    const others = [
      ...this.options.builtins.map((builtin) => ({ manifest: builtin, where: "ships with Pincer" })),
      ...Object.keys(lock.plugins)
        .filter((name) => name !== manifest.name && lock.plugins[name]?.source.type !== "builtin")
        .map((name) => ({ manifest: readInstalledManifest(this.options.home, name), where: "is installed" })),
    ];
    for (const { manifest: other, where } of others) {
      if (!other) continue;
      if (other.name === manifest.name) throw new Error(`${manifest.name} ${where}; a plugin cannot replace it.`);
      for (const kind of ["tools", "providers", "themes"] as const) {
        // Without case, as permission rules compare tool names.
        const theirs = new Set((other.contributes[kind] ?? []).map((id) => id.toLowerCase()));
        const clash = (manifest.contributes[kind] ?? []).filter((id) => theirs.has(id.toLowerCase()));
        if (clash.length) {
          throw new Error(
            `${manifest.name} contributes ${kind} ${clash.join(", ")}, which ${other.name} (which ${where}) already provides. Remove one of them first.`,
          );
        }
      }
    }
  }
}

function readInstalledManifest(home: string, name: string): PluginManifest | undefined {
  try {
    return readManifest(join(installDir(home, name), PACKAGE_DIR));
  } catch {
    return undefined;
  }
}

function sourceSpec(source: PluginSource): string {
  switch (source.type) {
    case "registry":
      return source.spec;
    case "builtin":
      throw new Error("built-in plugins update with Pincer itself.");
    default:
      return source.path;
  }
}
