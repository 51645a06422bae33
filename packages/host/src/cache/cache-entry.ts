import {
  closeSync,
  constants,
  fstatSync,
  futimesSync,
  lstatSync,
  lutimesSync,
  openSync,
  readSync,
  type Stats,
} from "node:fs";

/**
 * Reading PINCER_HOME/cache. An entry there only saves work, so anything odd about it means "not
 * cached": the caller does the work again. What is refused before a byte is read: a symbolic link
 * (O_NOFOLLOW), anything that is not a regular file (a FIFO would block the open and the read for
 * ever, a device would never end: O_NONBLOCK, then fstat), and a file larger than the caller's
 * limit. What is in a file that passes is the caller's to check (its shape, a checksum).
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * An entry's modification time is when it was last used: a read moves it to now, at most once per
 * this interval (atime is unreliable: relatime, noatime), so a start writes nothing in the common
 * case, and the pruner (cache-prune.ts) can drop what no start has used for a long time.
 */
export const USED_RESOLUTION_MS = 24 * 60 * 60 * 1000;

export interface CacheRead {
  bytes: Buffer<ArrayBuffer>;
  stat: Stats;
}

/**
 * A cache file's bytes and its stat, or undefined for a missing, odd or oversized one (or one that
 * changed size while read). With `markUsed` (the default), a file not marked for a day is marked.
 */
export function readCacheFile(
  file: string,
  maxBytes: number,
  options: { markUsed?: boolean } = {},
): CacheRead | undefined {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    // Sizes above Buffer's pool get their own ArrayBuffer at offset 0 (the snapshot cache moves it).
    const bytes = Buffer.allocUnsafe(stat.size) as Buffer<ArrayBuffer>;
    let length = 0;
    while (length < bytes.length) {
      const read = readSync(fd, bytes, length, bytes.length - length, null);
      if (read === 0) break;
      length += read;
    }
    // Shorter than fstat said, or longer (a byte past the end): written meanwhile, not to be trusted.
    if (length !== stat.size || readSync(fd, Buffer.allocUnsafe(1), 0, 1, null) !== 0) return undefined;
    if (options.markUsed !== false && stale(stat)) {
      try {
        const now = new Date();
        futimesSync(fd, now, now);
      } catch {
        // A read-only cache still serves; the pruner may drop the entry earlier.
      }
    }
    return { bytes, stat };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `file` is a regular file (not followed if a link), marking it used as readCacheFile does:
 * for entries whose existence is the whole message (a manifest that passed validation).
 */
export function hasCacheMarker(file: string): boolean {
  let stat: Stats | undefined;
  try {
    stat = lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return false;
  }
  if (!stat?.isFile()) return false;
  if (stale(stat)) {
    try {
      const now = new Date();
      lutimesSync(file, now, now);
    } catch {}
  }
  return true;
}

function stale(stat: Stats): boolean {
  return Math.abs(Date.now() - stat.mtimeMs) > USED_RESOLUTION_MS;
}
