import { constants, existsSync, fstatSync, readlinkSync, type Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import type { Roots } from "./fs-roots.js";

/**
 * Opening files and directories so that what was checked is what is used, whatever a plugin (or a
 * command it spawned) does to the paths meanwhile.
 *
 * Checking a path and then opening it again by name is a race: between the two, a directory can be
 * swapped for a symlink out of the granted roots. Here the kernel resolves a path exactly once, when
 * it is opened; the descriptor is then located (Linux names the object an open descriptor refers to
 * in /proc/self/fd/N — the file itself, not a path looked up again) and checked against the roots,
 * and every read or write goes through that descriptor. Whatever is swapped after the open changes
 * nothing about the object held, and whatever was swapped before it is seen by the check.
 *
 * Creating, renaming and removing work on a name inside a held directory: `/proc/self/fd/N/name` is
 * resolved by the kernel from the held directory itself (it is Node's missing openat), and those
 * operations never follow a final symlink (O_EXCL, O_NOFOLLOW, rename, unlink, mkdir and lstat all
 * act on the name itself). So a name is only ever created, replaced or removed inside a directory
 * whose real location was checked.
 *
 * Every comparison with the roots is `Roots.contains` (fs-roots.ts), which also keeps out the
 * protected paths below a root (PINCER_HOME, credentials): they are refused at the same point, by
 * the same real location, so the exclusion is exactly as race-free as the roots.
 *
 * Without /proc (not Linux, or a container without it), a descriptor is located by resolving its path
 * again and comparing device and inode, which proves a read; the name operations then use the held
 * directory's checked real path, which a concurrent swap could still redirect (documented in the
 * README: the race-free guarantee is Linux's).
 */

const { O_RDONLY, O_DIRECTORY, O_NONBLOCK, O_NOCTTY } = constants;

/** Whether open descriptors can be located through /proc (checked once). */
const PROC_FD = process.platform === "linux" && existsSync("/proc/self/fd");

/** Flags for opening something to read it: never blocking on a FIFO, never taking a terminal. */
export const READ_FLAGS = O_RDONLY | O_NONBLOCK | O_NOCTTY;
/** Flags for holding a directory. */
export const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY;

/** A path refused because it leads outside the granted roots (or into a protected path below one). */
export class OutsideRootsError extends Error {
  constructor(
    readonly absolute: string,
    readonly real: string,
  ) {
    super(`${absolute} leads to ${real}, outside the granted roots`);
  }
}

/** An open descriptor and the real location it was checked at. */
export interface Held {
  handle: FileHandle;
  real: string;
  stats: Stats;
}

/** A directory held open: names inside it are reached through it, never by its path again. */
export interface HeldDir {
  handle: FileHandle;
  /** Its real location when it was checked. */
  real: string;
  /** The path that reaches `name` inside this very directory. */
  at(name: string): string;
}

/** A path that reaches the very object `held` refers to (its checked real path where /proc is missing). */
export function selfPath(held: { handle: FileHandle; real: string }): string {
  return PROC_FD ? `/proc/self/fd/${held.handle.fd}` : held.real;
}

/** The real location of what an open descriptor refers to; `path` is how it was opened (for the fallback). */
export async function locate(handle: FileHandle, path: string): Promise<string> {
  if (PROC_FD) {
    // Kernel memory, never the disk: asking synchronously saves a trip through the thread pool.
    const real = readlinkSync(`/proc/self/fd/${handle.fd}`);
    // Removed since it was opened: it is nowhere now, so nowhere inside the roots either.
    if (real.endsWith(" (deleted)") || !isAbsolute(real)) throw new Error(`${path} was removed while it was opened`);
    return real;
  }
  const real = await realpath(path);
  const [held, named] = [fstatSync(handle.fd), await lstat(real)];
  if (held.dev !== named.dev || held.ino !== named.ino) throw new Error(`${path} changed while it was opened`);
  return real;
}

/**
 * Opens `absolute` (following links, as the kernel does, once), then checks where the descriptor
 * really is: inside one of `roots`, or it is closed and refused. `stats` are the descriptor's own.
 */
export async function openInside(absolute: string, flags: number, roots: Roots): Promise<Held> {
  const handle = await open(absolute, flags);
  try {
    const real = await locate(handle, absolute);
    if (!roots.contains(real)) throw new OutsideRootsError(absolute, real);
    return { handle, real, stats: fstatSync(handle.fd) };
  } catch (error) {
    closeQuietly(handle);
    throw error;
  }
}

/** Holds the directory `absolute` (following links once), wherever it is: the caller checks what it reaches in it. */
async function holdDir(absolute: string): Promise<HeldDir> {
  const handle = await open(absolute, DIRECTORY_FLAGS);
  try {
    return heldDir(handle, await locate(handle, absolute));
  } catch (error) {
    closeQuietly(handle);
    throw error;
  }
}

function heldDir(handle: FileHandle, real: string): HeldDir {
  return { handle, real, at: PROC_FD ? (name) => `/proc/self/fd/${handle.fd}/${name}` : (name) => join(real, name) };
}

/** A name inside a held directory, and the real path it has there (checked against the roots). */
export interface HeldEntry {
  dir: HeldDir;
  name: string;
  real: string;
}

/**
 * Holds the directory that contains `absolute` and names its last component there, refusing when
 * that entry's real location is outside `roots`. With `create`, missing directories on the way are
 * made, each inside the one before (never through a link), and only where the result is inside the
 * roots. ENOENT (a missing directory without `create`) goes to the caller.
 */
export async function holdEntry(
  absolute: string,
  roots: Roots,
  options: { create?: boolean } = {},
): Promise<HeldEntry> {
  const name = basename(absolute);
  if (name === "" || name === "." || name === "..") {
    throw new Error(`${absolute} names no entry of a directory`);
  }
  const dir = options.create ? await holdOrMakeDir(dirname(absolute), roots) : await holdDir(dirname(absolute));
  const real = join(dir.real, name);
  if (!roots.contains(real)) {
    closeQuietly(dir.handle);
    throw new OutsideRootsError(absolute, real);
  }
  return { dir, name, real };
}

/**
 * Holds the directory `absolute`, making it and its missing parents as needed. The deepest existing
 * ancestor is held wherever it is (the caller checks where the result is); each missing level is
 * made in the directory held before it and opened without following a link, and only where it lands
 * inside `roots` or on the way to a root that does not exist yet — so a directory is never made
 * elsewhere, even if one on the way is swapped.
 */
export async function holdOrMakeDir(absolute: string, roots: Roots): Promise<HeldDir> {
  try {
    return await holdDir(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const parentPath = dirname(absolute);
  if (parentPath === absolute) throw new Error(`${absolute} does not exist`);
  const parent = await holdOrMakeDir(parentPath, roots);
  try {
    const name = basename(absolute);
    const real = join(parent.real, name);
    // Inside a root, or on the way to one that does not exist yet (a root is made with its first file).
    if (!roots.contains(real) && !roots.leadsTo(real)) {
      throw new OutsideRootsError(absolute, real);
    }
    await mkdir(parent.at(name)).catch((error: NodeJS.ErrnoException) => {
      // Made meanwhile by someone else: it is opened below without following a link, so a symlink put there fails.
      if (error.code !== "EEXIST") throw error;
    });
    const handle = await open(parent.at(name), DIRECTORY_FLAGS | constants.O_NOFOLLOW);
    return heldDir(handle, real);
  } finally {
    closeQuietly(parent.handle);
  }
}

/**
 * The real location `absolute` leads to, for a path that may not exist yet: the deepest existing
 * ancestor's (held and located, so a link on the way counts) joined with the missing rest.
 */
export async function locatePath(absolute: string): Promise<string> {
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    let handle: FileHandle | undefined;
    try {
      handle = await open(current, READ_FLAGS);
      const real = await locate(handle, current);
      return missing.length > 0 ? join(real, ...missing.reverse()) : real;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      const parent = dirname(current);
      if (parent === current) return absolute;
      missing.push(basename(current));
      current = parent;
    } finally {
      if (handle) closeQuietly(handle);
    }
  }
}

/** Closes a descriptor that was only looked at or read (nothing buffered to lose), without waiting. */
export function closeQuietly(handle: FileHandle): void {
  void handle.close().catch(() => {});
}
