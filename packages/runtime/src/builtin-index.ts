import { lstatSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileIdentity, type KnownManifests, MANIFEST_FILE, MANIFEST_VALIDATOR_ID, readCacheFile } from "@pincer/host";

/**
 * Where the built-in plugins are and which of their manifests passed validation, kept in
 * PINCER_HOME/cache/plugins/builtins.json so a start need not find them again: fourteen
 * `require.resolve` calls (package.json exports, a realpath in JavaScript) and fourteen manifest
 * hashes were ~8 ms of a one-shot's main thread.
 *
 * Nothing in the index is taken on trust. It counts only for the module that resolves the
 * built-ins (its path and its file's identity: a rebuild or an upgrade is another index), this Node
 * and this manifest validator, and it is read as any cache entry is (no link, a regular file of
 * bounded size) and only if this user owns it. Each plugin's folder is checked where Node would
 * look for it: every `node_modules` folder nearer than the one recorded must not hold that name,
 * and the recorded one must lead (realpath) to the recorded folder; so an index pointing anywhere
 * else is refused, and that plugin is resolved again. A manifest is still read from its file every
 * start; the index only says that the file with this identity (device, inode, size, modification
 * and change times: a write changes the change time, which nobody can set back) passed, so a
 * manifest changed in any way is validated again.
 */
export interface BuiltinIndex extends KnownManifests {
  plugins: Array<{ name: string; dir: string }>;
  /** Writes the index if anything in it changed (atomically; a failure only costs the next start). */
  save(): void;
}

const VERSION = 1;
const MAX_INDEX_BYTES = 64 * 1024;
export const BUILTIN_INDEX_FILE = join("plugins", "builtins.json");

interface Entry {
  name: string;
  /** `<folder>/node_modules/<name>`: where Node found it. */
  lookup: string;
  /** The realpath of `lookup`. */
  dir: string;
  /** The identity of its manifest when it last passed validation. */
  manifest?: string;
}

interface IndexFile {
  version: number;
  node: string;
  validator: string;
  from: string;
  fromIdentity: string;
  plugins: Entry[];
}

/**
 * The built-ins `names`, resolved from the module file `from` (`resolve` is its require.resolve)
 * or found through the index in `cacheDir`.
 */
export function openBuiltinIndex(options: {
  names: readonly string[];
  from: string;
  resolve: (specifier: string) => string;
  cacheDir?: string;
}): BuiltinIndex {
  const { names, from, resolve, cacheDir } = options;
  const file = cacheDir ? join(cacheDir, BUILTIN_INDEX_FILE) : undefined;
  let fromIdentity: string | undefined;
  try {
    fromIdentity = fileIdentity(statSync(from));
  } catch {}
  const header = { version: VERSION, node: process.version, validator: MANIFEST_VALIDATOR_ID, from, fromIdentity };
  const recorded = file && fromIdentity ? readIndex(file, { ...header, fromIdentity }) : undefined;
  let changed = !recorded;
  const entries = names.map((name): Entry => {
    const entry = recorded?.get(name);
    if (entry && foundThere(from, entry)) return entry;
    const resolved = resolveEntry(name, from, resolve);
    if (resolved.lookup !== entry?.lookup || resolved.dir !== entry.dir) changed = true;
    // The manifest's identity is compared with the file as opened, wherever this entry came from.
    else if (entry.manifest) resolved.manifest = entry.manifest;
    return resolved;
  });
  const manifests = new Map<string, string>();
  for (const entry of entries) if (entry.manifest) manifests.set(join(entry.dir, MANIFEST_FILE), entry.manifest);
  return {
    plugins: entries.map(({ name, dir }) => ({ name, dir })),
    validated: (manifestFile, identity) => manifests.get(manifestFile) === identity,
    passed: (manifestFile, identity) => {
      const entry = entries.find((candidate) => join(candidate.dir, MANIFEST_FILE) === manifestFile);
      if (!entry || entry.manifest === identity) return;
      entry.manifest = identity;
      manifests.set(manifestFile, identity);
      changed = true;
    },
    save: () => {
      if (!changed || !file || !fromIdentity) return;
      changed = false;
      writeIndex(file, { ...header, fromIdentity, plugins: entries });
    },
  };
}

/** The recorded entries by name, or undefined for an index that is missing, odd, not ours or made for another start. */
function readIndex(file: string, header: Omit<IndexFile, "plugins">): Map<string, Entry> | undefined {
  const read = readCacheFile(file, MAX_INDEX_BYTES);
  if (!read) return undefined;
  // Another user's file in this cache is not one this user's starts wrote.
  if (typeof process.getuid === "function" && read.stat.uid !== process.getuid()) return undefined;
  let index: Partial<IndexFile>;
  try {
    index = JSON.parse(read.bytes.toString("utf8")) as Partial<IndexFile>;
  } catch {
    return undefined;
  }
  if (typeof index !== "object" || index === null || !Array.isArray(index.plugins)) return undefined;
  for (const key of ["version", "node", "validator", "from", "fromIdentity"] as const) {
    if (index[key] !== header[key]) return undefined;
  }
  const entries = new Map<string, Entry>();
  for (const entry of index.plugins as unknown[]) {
    if (!isEntry(entry)) return undefined;
    entries.set(entry.name, entry);
  }
  return entries;
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.name === "string" &&
    typeof entry.lookup === "string" &&
    typeof entry.dir === "string" &&
    (entry.manifest === undefined || typeof entry.manifest === "string")
  );
}

/**
 * Whether Node, looking for `entry.name` from `from`, would come to `entry.lookup` and through it
 * to `entry.dir`: the node_modules folders it tries before are empty of that name, the recorded
 * one is among those it tries, and it leads there.
 */
function foundThere(from: string, entry: Entry): boolean {
  for (const folder of nodeModulesFolders(dirname(from))) {
    const candidate = join(folder, entry.name);
    if (candidate === entry.lookup) {
      try {
        return realpathSync.native(candidate) === entry.dir;
      } catch {
        return false;
      }
    }
    if (lstatSync(candidate, { throwIfNoEntry: false }) !== undefined) return false;
  }
  return false;
}

/** Node's lookup order for a package name (Module._nodeModulePaths): each folder's node_modules, nearest first. */
function* nodeModulesFolders(start: string): Generator<string> {
  for (let dir = start; ; dir = dirname(dir)) {
    if (basename(dir) !== "node_modules") yield join(dir, "node_modules");
    if (dirname(dir) === dir) return;
  }
}

/** Resolved as Node resolves it; the lookup is the nearest node_modules entry that leads to the same folder. */
function resolveEntry(name: string, from: string, resolve: (specifier: string) => string): Entry {
  const dir = dirname(resolve(`${name}/${MANIFEST_FILE}`));
  for (const folder of nodeModulesFolders(dirname(from))) {
    const candidate = join(folder, name);
    if (lstatSync(candidate, { throwIfNoEntry: false }) === undefined) continue;
    let real: string | undefined;
    try {
      real = realpathSync.native(candidate);
    } catch {}
    // Found some other way (NODE_PATH, a folder without the file): the index cannot check it, so it records none.
    return real === dir ? { name, lookup: candidate, dir } : { name, lookup: "", dir };
  }
  return { name, lookup: "", dir };
}

function writeIndex(file: string, index: IndexFile): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify(index), { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // A full disk or a read-only home: the next start resolves them again.
    rmSync(temp, { force: true });
  }
}
