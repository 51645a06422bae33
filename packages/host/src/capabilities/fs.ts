import { constants } from "node:fs";
import { type FileHandle, lstat, open, opendir, readlink, rename, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { randomBytes } from "@pincer/kernel";
import type { DirEntry, FileStat, FsCapability } from "@pincer/sdk";
import {
  closeQuietly,
  DIRECTORY_FLAGS,
  type HeldEntry,
  holdEntry,
  holdOrMakeDir,
  locatePath,
  OutsideRootsError,
  openInside,
  READ_FLAGS,
  selfPath,
} from "./fs-confined.js";
import { checkedRange, entryError, readAll, readAt, regularFileSize } from "./fs-io.js";
import { locateGuarded, protectedRefusal, Roots } from "./fs-roots.js";
import { type ProtectedPath, protectedPaths } from "./protected-paths.js";

export interface FsGrant {
  cwd: string;
  readRoots: string[];
  writeRoots: string[];
  /**
   * Paths no root above them reaches (PINCER_HOME, credentials: see protected-paths.ts). Default:
   * the list for this process's HOME and PINCER_HOME, so a capability made without it still
   * keeps them out.
   */
  protectedPaths?: readonly ProtectedPath[];
}

/** The most one read may return (a whole file, or one range): larger files are read in pieces. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;
/** The most entries one readdir returns. */
export const MAX_DIR_ENTRIES = 100_000;
/** How many symlinks a write or a stat follows before it gives up (as the kernel's ELOOP). */
const MAX_LINKS = 40;

const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/**
 * The `fs` capability. Every path is resolved against cwd and checked against the granted roots
 * where it really leads, symlinks and `..` included, and the check cannot be raced: the object
 * checked is the object used (see fs-confined.ts). Writes never go through a file's other names:
 * writeFile replaces the name with a new file, appendFile refuses a file with several hard links.
 * Protected paths (Pincer's home, credentials) below a root are outside it, unless a root names
 * them or a folder inside them.
 */
export function createFsCapability(grant: FsGrant): FsCapability {
  let roots: Promise<{ read: Roots; write: Roots }> | undefined;
  const grantedRoots = () => {
    roots ??= Promise.all([
      Promise.all(grant.readRoots.map((root) => locatePath(resolve(root)))),
      Promise.all(grant.writeRoots.map((root) => locatePath(resolve(root)))),
      locateGuarded(grant.protectedPaths ?? protectedPaths()),
    ]).then(([read, write, guarded]) => ({
      read: new Roots([...read, ...write], guarded),
      write: new Roots(write, guarded),
    }));
    return roots;
  };

  const refusal = (access: "read" | "write", absolute: string, real: string, roots: Roots) => {
    const guard = roots.guarding(real) ?? roots.holdsGuarded(real);
    if (guard) return protectedRefusal(access, absolute, real, guard);
    const listed =
      (access === "read" ? [...grant.readRoots, ...grant.writeRoots] : grant.writeRoots).join(", ") || "none";
    return new Error(
      `${access} of ${absolute}${real !== absolute ? ` (really ${real})` : ""} refused: outside the granted ${access} roots (${listed}). ` +
        "Grant the directory with --add-dir, or in the plugin's capabilities.",
    );
  };

  /** Runs `work` with the roots of `access`, turning a path found outside them into the refusal naming `absolute`. */
  const within = async <T>(
    access: "read" | "write",
    absolute: string,
    work: (roots: Roots) => Promise<T>,
  ): Promise<T> => {
    const allowed = (await grantedRoots())[access];
    if (allowed.empty) throw refusal(access, absolute, absolute, allowed);
    try {
      try {
        return await work(allowed);
      } catch (error) {
        // Missing outside the roots is refused like present there: what is outside is not even named.
        if (missing(error)) await leadsInside(absolute, allowed);
        throw error;
      }
    } catch (error) {
      if (error instanceof OutsideRootsError) throw refusal(access, absolute, error.real, allowed);
      throw error;
    }
  };

  return {
    async readFile(path, range) {
      const checked = range === undefined ? undefined : checkedRange(path, range);
      const absolute = resolve(grant.cwd, path);
      return within("read", absolute, async (allowed) => {
        const held = await openInside(absolute, READ_FLAGS, allowed);
        try {
          const size = regularFileSize(held.stats, path, "readFile");
          if (!checked) {
            if (size > MAX_READ_BYTES) throw tooLarge(path, `the file has ${size} bytes`);
            return await readAll(held.handle, size, MAX_READ_BYTES, () => tooLarge(path, "the file grew"));
          }
          const wanted = Math.max(0, Math.min(checked.length, size - checked.offset));
          if (wanted > MAX_READ_BYTES) {
            throw tooLarge(path, `the range asks for ${wanted} of its bytes from offset ${checked.offset}`);
          }
          return await readAt(held.handle, checked.offset, wanted);
        } finally {
          closeQuietly(held.handle);
        }
      });
    },
    async readText(path) {
      const bytes = await this.readFile(path);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    },
    async writeFile(path, data) {
      const absolute = resolve(grant.cwd, path);
      await within("write", absolute, async (allowed) => {
        const entry = await followLinks(await holdEntry(absolute, allowed, { create: true }), allowed, true);
        try {
          await replaceWhole(entry, data, path);
        } finally {
          closeQuietly(entry.dir.handle);
        }
      });
    },
    async appendFile(path, data) {
      const absolute = resolve(grant.cwd, path);
      await within("write", absolute, async (allowed) => {
        const entry = await followLinks(await holdEntry(absolute, allowed, { create: true }), allowed, true);
        try {
          await appendTo(entry, data, path);
        } finally {
          closeQuietly(entry.dir.handle);
        }
      });
    },
    async rename(from, to) {
      // Both ends are writes: the source disappears, the destination is replaced. Each is a name in
      // a held directory inside the write roots; a symlink moves as itself, never what it points to.
      const source = resolve(grant.cwd, from);
      const target = resolve(grant.cwd, to);
      const held = await within("write", source, async (roots) => {
        const entry = await holdEntry(source, roots);
        try {
          await judgeLink(entry, roots);
          if (roots.isRoot(entry.real)) throw new Error(`rename(${from}): a granted root cannot be moved.`);
          // Moving a folder that holds a protected path would carry it out from under its name.
          if (roots.holdsGuarded(entry.real)) throw new OutsideRootsError(source, entry.real);
          return entry;
        } catch (error) {
          closeQuietly(entry.dir.handle);
          throw error;
        }
      });
      try {
        await within("write", target, async (roots) => {
          const entry = await holdEntry(target, roots, { create: true });
          try {
            if (roots.isRoot(entry.real)) throw new Error(`rename(${from}, ${to}): a granted root cannot be replaced.`);
            // Nor may a folder land where a protected path would then be (planting ~/.config/gh under a missing ~/.config).
            if (roots.holdsGuarded(entry.real)) throw new OutsideRootsError(target, entry.real);
            await rename(held.dir.at(held.name), entry.dir.at(entry.name)).catch((error: unknown) => {
              throw entryError(error, "rename", `${source}' -> '${target}`);
            });
          } finally {
            closeQuietly(entry.dir.handle);
          }
        });
      } finally {
        closeQuietly(held.dir.handle);
      }
    },
    async remove(path) {
      const absolute = resolve(grant.cwd, path);
      await within("write", absolute, async (allowed) => {
        let entry: HeldEntry;
        try {
          entry = await holdEntry(absolute, allowed);
        } catch (error) {
          if (!missing(error)) throw error;
          return leadsInside(absolute, allowed);
        }
        try {
          const stats = await lstat(entry.dir.at(entry.name)).catch((error: unknown) => {
            if (missing(error)) return undefined;
            throw entryError(error, "lstat", absolute);
          });
          if (!stats) return;
          if (stats.isDirectory()) {
            throw new Error(`remove(${path}): ${path} is a directory; remove deletes files only.`);
          }
          // A link is judged by where it leads, as for every write; it is removed itself, never its target.
          if (stats.isSymbolicLink()) await judgeLink(entry, allowed);
          await unlink(entry.dir.at(entry.name)).catch((error: unknown) => {
            if (!missing(error)) throw entryError(error, "unlink", absolute);
          });
        } finally {
          closeQuietly(entry.dir.handle);
        }
      });
    },
    async stat(path) {
      const absolute = resolve(grant.cwd, path);
      return within("read", absolute, async (allowed) => {
        if (absolute === "/") {
          const held = await openInside(absolute, DIRECTORY_FLAGS, allowed);
          closeQuietly(held.handle);
          return toStat(held.stats);
        }
        let entry: HeldEntry;
        try {
          entry = await followLinks(await holdEntry(absolute, allowed), allowed, false);
        } catch (error) {
          if (!missing(error)) throw error;
          await leadsInside(absolute, allowed);
          return null;
        }
        try {
          return toStat(await lstat(entry.dir.at(entry.name)));
        } catch (error) {
          if (missing(error)) return null;
          throw entryError(error, "stat", absolute);
        } finally {
          closeQuietly(entry.dir.handle);
        }
      });
    },
    async readdir(path) {
      const absolute = resolve(grant.cwd, path);
      return within("read", absolute, async (allowed) => {
        const held = await openInside(absolute, DIRECTORY_FLAGS, allowed);
        try {
          const entries: DirEntry[] = [];
          // The held directory itself, not its path again; read in pieces, so a huge one is refused early.
          for await (const entry of await opendir(selfPath(held), { bufferSize: 256 })) {
            if (entries.length >= MAX_DIR_ENTRIES) {
              throw new Error(`readdir(${path}): the directory has more than ${MAX_DIR_ENTRIES} entries.`);
            }
            entries.push({
              name: entry.name,
              type: entry.isDirectory()
                ? "directory"
                : entry.isFile()
                  ? "file"
                  : entry.isSymbolicLink()
                    ? "symlink"
                    : "other",
            });
          }
          return entries;
        } finally {
          closeQuietly(held.handle);
        }
      });
    },
    async mkdir(path) {
      const absolute = resolve(grant.cwd, path);
      await within("write", absolute, async (allowed) => {
        // Asked first, so a refused mkdir makes nothing (not even a root's missing parents); the
        // making itself is confined on its own, whatever changes meanwhile.
        await leadsInside(absolute, allowed);
        const dir = await holdOrMakeDir(absolute, allowed);
        closeQuietly(dir.handle);
        if (!allowed.contains(dir.real)) throw new OutsideRootsError(absolute, dir.real);
      });
    },
    async resolve(path) {
      const absolute = resolve(grant.cwd, path);
      return within("read", absolute, async (allowed) => {
        const real = await locatePath(absolute);
        if (!allowed.contains(real)) throw new OutsideRootsError(absolute, real);
        return real;
      });
    },
  };
}

/**
 * Follows the entry while it is a symlink, each hop held and checked like the first, until it names
 * something that is not a link (or nothing, with `create`). Without `create`, a dangling link is ENOENT.
 */
async function followLinks(entry: HeldEntry, roots: Roots, create: boolean): Promise<HeldEntry> {
  let current = entry;
  for (let hops = 0; ; hops++) {
    let target: string;
    try {
      const stats = await lstat(current.dir.at(current.name));
      if (!stats.isSymbolicLink()) return current;
      target = await readlink(current.dir.at(current.name));
    } catch (error) {
      if (create && missing(error)) return current;
      closeQuietly(current.dir.handle);
      throw entryError(error, "lstat", current.real);
    }
    closeQuietly(current.dir.handle);
    if (hops >= MAX_LINKS)
      throw Object.assign(new Error(`ELOOP: too many symbolic links, at ${current.real}`), { code: "ELOOP" });
    current = await holdEntry(resolve(current.dir.real, target), roots, { create });
  }
}

/** Refuses a path (that may not exist) whose real location is outside `roots`. */
async function leadsInside(absolute: string, roots: Roots): Promise<void> {
  const real = await locatePath(absolute);
  if (!roots.contains(real)) throw new OutsideRootsError(absolute, real);
}

/** Refuses a symlink that leads outside `roots` (the entry itself is inside; where it leads is what counts). */
async function judgeLink(entry: HeldEntry, roots: Roots): Promise<void> {
  let target: string;
  try {
    const stats = await lstat(entry.dir.at(entry.name));
    if (!stats.isSymbolicLink()) return;
    target = await readlink(entry.dir.at(entry.name));
  } catch (error) {
    throw entryError(error, "lstat", entry.real);
  }
  const leads = await locatePath(resolve(entry.dir.real, target));
  if (!roots.contains(leads)) throw new OutsideRootsError(entry.real, leads);
}

/**
 * writeFile: the data goes to a new file made beside the target (O_EXCL: never an existing file or a
 * link), which then replaces the name. Nothing is written through the old file, so a hard link to a
 * file outside the roots is replaced here, never changed there; the old file's permissions are kept.
 */
async function replaceWhole(entry: HeldEntry, data: string | Uint8Array, path: string): Promise<void> {
  const existing = await lstat(entry.dir.at(entry.name)).catch((error: unknown) => {
    if (missing(error)) return undefined;
    throw entryError(error, "lstat", entry.real);
  });
  if (existing?.isDirectory()) throw new Error(`writeFile(${path}): ${path} is a directory.`);
  const temporary = `.pincer-${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(entry.dir.at(temporary), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666).catch(
    (error: unknown) => {
      throw entryError(error, "open", entry.real);
    },
  );
  try {
    try {
      await file.writeFile(data);
      if (existing?.isFile()) await file.chmod(existing.mode & 0o777);
    } finally {
      await file.close();
    }
    await rename(entry.dir.at(temporary), entry.dir.at(entry.name));
  } catch (error) {
    await unlink(entry.dir.at(temporary)).catch(() => {});
    throw entryError(error, "write", entry.real);
  }
}

/** appendFile: only to a regular file with no other name (its other names could be outside the roots). */
async function appendTo(entry: HeldEntry, data: string | Uint8Array, path: string): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(
      entry.dir.at(entry.name),
      O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
      0o666,
    );
  } catch (error) {
    throw entryError(error, "open", entry.real);
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new Error(`appendFile(${path}): ${path} is not a regular file.`);
    if (stats.nlink > 1) {
      throw new Error(
        `appendFile(${path}): ${path} has ${stats.nlink} hard links; appending would change the file under its other names, ` +
          "which may be outside the granted roots. Write it whole with writeFile, which replaces this name only.",
      );
    }
    await file.appendFile(data);
  } finally {
    await file.close();
  }
}

function tooLarge(path: string, what: string): Error {
  return new Error(
    `readFile(${path}): ${what}, more than one read returns (${MAX_READ_BYTES} bytes). ` +
      "Read it in pieces: readFile(path, { offset, length }) with a length of at most that.",
  );
}

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function toStat(stats: Awaited<ReturnType<typeof lstat>>): FileStat {
  return {
    type: stats.isDirectory() ? "directory" : stats.isFile() ? "file" : stats.isSymbolicLink() ? "symlink" : "other",
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeMs),
  };
}
