import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CapabilityId } from "./capability-list.js";

/** Where a plugin came from, so `plugin update` knows where to look again. */
export type PluginSource =
  | { type: "registry"; spec: string; registry: string }
  | { type: "tarball"; path: string }
  | { type: "directory"; path: string }
  | { type: "dev"; path: string }
  /** Ships with Pincer; in the lockfile only so its grants can be narrowed. */
  | { type: "builtin" };

export interface LockedPlugin {
  version: string;
  source: PluginSource;
  /** sha512 of the package tarball (the registry's `dist.integrity`, checked at install). */
  integrity?: string;
  /** sha512 of the installed manifest and of the sandbox bundle: checked at every load. */
  manifestIntegrity?: string;
  bundleIntegrity?: string;
  /** What the manifest declares, and what the user granted of it. */
  declared: CapabilityId[];
  granted: CapabilityId[];
  /** The hooks its manifest declares (hook ids), as consented to: an update adding one asks again. */
  hooks?: string[];
  installedAt: string;
}

export interface Lockfile {
  lockfileVersion: 1;
  plugins: Record<string, LockedPlugin>;
}

export function pluginsDir(home: string): string {
  return join(home, "plugins");
}

export function lockfilePath(home: string): string {
  return join(pluginsDir(home), "pincer-lock.json");
}

/** Inside an install dir: the unpacked package, and the bundle its isolate runs. */
export const PACKAGE_DIR = "package";
export const BUNDLE_FILE = "bundle.js";

/** The installed copy of a plugin: the unpacked package and, beside it, its sandbox bundle. */
export function installDir(home: string, name: string): string {
  return join(pluginsDir(home), ...name.split("/"));
}

export function readLockfile(home: string): Lockfile {
  const file = lockfilePath(home);
  if (!existsSync(file)) return { lockfileVersion: 1, plugins: {} };
  let json: Lockfile;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as Lockfile;
  } catch (error) {
    throw new Error(
      `Cannot read the plugin lockfile ${file}: ${(error as Error).message}. Restore it from a backup, or delete it and reinstall your plugins.`,
    );
  }
  if (json.lockfileVersion !== 1 || typeof json.plugins !== "object" || json.plugins === null) {
    throw new Error(
      `${file} is not a Pincer plugin lockfile (lockfileVersion 1). Delete it and reinstall your plugins.`,
    );
  }
  return json;
}

/** Written to a temp file and renamed: a crash mid-write never leaves half a lockfile. */
export function writeLockfile(home: string, lock: Lockfile): void {
  const file = lockfilePath(home);
  mkdirSync(dirname(file), { recursive: true });
  const sorted: Lockfile = {
    lockfileVersion: 1,
    plugins: Object.fromEntries(Object.entries(lock.plugins).sort(([a], [b]) => a.localeCompare(b))),
  };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(sorted, null, 2)}\n`);
  renameSync(temp, file);
}
