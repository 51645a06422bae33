import { type Dirent, lstat, readdir, type Stats, statSync, unlink, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Keeps PINCER_HOME/cache bounded. Every entry is named by a hash of what it was made from (a
 * plugin's bundle and Node's version, a manifest's text, a file's front matter), so a change never
 * replaces an entry, it adds one: without pruning the folder only grows (snapshots are a few MB each,
 * made again for every plugin update and Node upgrade).
 *
 * An entry is the files of one folder that share a name up to the first dot (`<key>.bin` and
 * `<key>.sum`); its last use is its newest modification time (cache-entry.ts marks reads). Pruning
 * drops entries unused for `maxAgeDays`, then the least recently used until the cache is under
 * `maxBytes`; temporary files older than an hour (a write that died) and anything that is not a
 * regular file go too. Folders inside the cache's folders are left alone, and nothing is followed.
 */
export interface CacheLimits {
  maxAgeDays: number;
  maxBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxAgeDays: 30, maxBytes: 256 * 1024 * 1024 };

/** How often a start prunes: the check is one stat of this stamp, the pruning asynchronous. */
export const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;
const STAMP = ".pruned";
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

export interface PruneResult {
  /** Bytes in regular files of the cache's folders before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Files removed. */
  removed: number;
}

interface Entry {
  files: string[];
  bytes: number;
  lastUsed: number;
}

/** Prunes `cacheDir` now. Never throws: what cannot be read or removed is left, and counted as kept. */
export async function pruneCache(
  cacheDir: string,
  limits: CacheLimits = DEFAULT_CACHE_LIMITS,
  now = Date.now(),
): Promise<PruneResult> {
  const result: PruneResult = { bytesBefore: 0, bytesAfter: 0, removed: 0 };
  const remove = async (file: string) => {
    if (
      await call<void>((done) => unlink(file, done)).then(
        () => true,
        () => false,
      )
    )
      result.removed++;
  };
  const entries = new Map<string, Entry>();
  for (const folder of await list(cacheDir)) {
    if (!folder.isDirectory()) continue;
    const dir = join(cacheDir, folder.name);
    for (const item of await list(dir)) {
      const file = join(dir, item.name);
      const stat = await call<Stats>((done) => lstat(file, done)).catch(() => undefined);
      if (!stat || stat.isDirectory()) continue;
      if (!stat.isFile()) {
        await remove(file);
        continue;
      }
      result.bytesBefore += stat.size;
      if (item.name.endsWith(".tmp")) {
        if (now - stat.mtimeMs > TEMP_MAX_AGE_MS) await remove(file);
        else result.bytesAfter += stat.size;
        continue;
      }
      const key = join(dir, item.name.split(".")[0] ?? item.name);
      const entry = entries.get(key) ?? { files: [], bytes: 0, lastUsed: 0 };
      entry.files.push(file);
      entry.bytes += stat.size;
      // A time in the future (a clock set back) counts as now, not as for ever.
      entry.lastUsed = Math.max(entry.lastUsed, Math.min(stat.mtimeMs, now));
      entries.set(key, entry);
    }
  }
  const oldest = now - limits.maxAgeDays * 24 * 60 * 60 * 1000;
  const kept = [...entries.values()].sort((a, b) => a.lastUsed - b.lastUsed);
  let total = kept.reduce((sum, entry) => sum + entry.bytes, 0);
  for (const entry of kept) {
    if (entry.lastUsed >= oldest && total <= limits.maxBytes) break;
    for (const file of entry.files) await remove(file);
    total -= entry.bytes;
  }
  result.bytesAfter += total;
  return result;
}

/**
 * Prunes `cacheDir` if it was not pruned in the last PRUNE_EVERY_MS: one stat on a start, and the
 * pruning itself runs on libuv's threads while the session starts. Resolves when done (undefined
 * when it was not due or the cache folder does not exist); never rejects.
 */
export function pruneCacheWhenDue(
  cacheDir: string,
  limits: CacheLimits = DEFAULT_CACHE_LIMITS,
): Promise<PruneResult | undefined> {
  const stamp = join(cacheDir, STAMP);
  const now = Date.now();
  try {
    const last = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs;
    if (last !== undefined && Math.abs(now - last) < PRUNE_EVERY_MS) return Promise.resolve(undefined);
    // Stamped first: the starts that follow (or run beside this one) do not prune again.
    writeFileSync(stamp, "");
  } catch {
    return Promise.resolve(undefined);
  }
  return pruneCache(cacheDir, limits, now).catch(() => undefined);
}

function list(dir: string): Promise<Dirent[]> {
  return call<Dirent[]>((done) => readdir(dir, { withFileTypes: true }, done)).catch(() => []);
}

/** Node's callback API as a promise: fs/promises is not loaded on a start for this. */
function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}
