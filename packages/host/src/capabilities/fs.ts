import {
  appendFile,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  unlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { DirEntry, FileStat, FsCapability } from "@pincer/sdk";

export interface FsGrant {
  cwd: string;
  readRoots: string[];
  writeRoots: string[];
}

/**
 * The `fs` capability: every path is resolved against cwd, `..` normalised and symlinks
 * followed (for a path that does not exist yet, through its deepest existing ancestor)
 * before it is checked against the granted roots, so neither `../` nor a symlink inside a
 * root leads outside it.
 */
export function createFsCapability(grant: FsGrant): FsCapability {
  let roots: Promise<{ read: string[]; write: string[] }> | undefined;
  const grantedRoots = () => {
    roots ??= Promise.all([
      Promise.all(grant.readRoots.map(realRoot)),
      Promise.all(grant.writeRoots.map(realRoot)),
    ]).then(([read, write]) => ({ read: [...read, ...write], write }));
    return roots;
  };

  const check = async (path: string, access: "read" | "write"): Promise<string> => {
    const absolute = resolve(grant.cwd, path);
    const real = await realPathOf(absolute);
    const allowed = (await grantedRoots())[access];
    if (!allowed.some((root) => isInside(real, root))) {
      const listed =
        (access === "read" ? [...grant.readRoots, ...grant.writeRoots] : grant.writeRoots).join(", ") || "none";
      throw new Error(
        `${access} of ${absolute}${real !== absolute ? ` (really ${real})` : ""} refused: outside the granted ${access} roots (${listed}). ` +
          "Grant the directory with --add-dir, or in the plugin's capabilities.",
      );
    }
    return real;
  };

  return {
    async readFile(path, range) {
      if (range === undefined) return new Uint8Array(await readFile(await check(path, "read")));
      const { offset, length } = checkedRange(path, range);
      return readRange(await check(path, "read"), offset, length);
    },
    async readText(path) {
      return readFile(await check(path, "read"), "utf8");
    },
    async writeFile(path, data) {
      const target = await check(path, "write");
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    },
    async appendFile(path, data) {
      const target = await check(path, "write");
      await mkdir(dirname(target), { recursive: true });
      await appendFile(target, data);
    },
    async rename(from, to) {
      // Both ends are writes: the source disappears, the destination is replaced. Checked (and
      // symlinks resolved) like writeFile, so neither can reach outside the write roots.
      const source = await check(from, "write");
      const target = await check(to, "write");
      await mkdir(dirname(target), { recursive: true });
      await rename(source, target);
    },
    async remove(path) {
      const target = await check(path, "write");
      let stat: Awaited<ReturnType<typeof lstat>>;
      try {
        stat = await lstat(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      if (stat.isDirectory()) {
        throw new Error(`remove(${path}): ${path} is a directory; remove deletes files only.`);
      }
      await unlink(target);
    },
    async stat(path) {
      const target = await check(path, "read");
      try {
        return toStat(await lstat(target));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async readdir(path) {
      const target = await check(path, "read");
      const entries = await readdir(target, { withFileTypes: true });
      return entries.map(
        (entry): DirEntry => ({
          name: entry.name,
          type: entry.isDirectory()
            ? "directory"
            : entry.isFile()
              ? "file"
              : entry.isSymbolicLink()
                ? "symlink"
                : "other",
        }),
      );
    },
    async mkdir(path) {
      await mkdir(await check(path, "write"), { recursive: true });
    },
    async resolve(path) {
      return check(path, "read");
    },
  };
}

/** A range's offset and length as non-negative safe integers, or an error saying which is wrong. */
function checkedRange(path: string, range: unknown): { offset: number; length: number } {
  const { offset, length } = (typeof range === "object" && range !== null ? range : {}) as Record<string, unknown>;
  for (const [name, value] of [
    ["offset", offset],
    ["length", length],
  ] as const) {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new Error(
        `readFile(${path}): range.${name} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}. ` +
          "Pass { offset, length } in bytes.",
      );
    }
  }
  return { offset: offset as number, length: length as number };
}

/** Exactly the bytes of [offset, offset + length) that the file has: fewer at its end, none past it. */
async function readRange(target: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(target, "r");
  try {
    const size = Number((await handle.stat()).size);
    const bytes = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, offset + filled);
      // The file shrank while it was read: return what it had.
      if (bytesRead === 0) return bytes.subarray(0, filled);
      filled += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

async function realRoot(root: string): Promise<string> {
  return realPathOf(resolve(root));
}

/** realpath of the path, or of its deepest existing ancestor joined with the rest. */
async function realPathOf(absolute: string): Promise<string> {
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length > 0 ? join(real, ...missing.reverse()) : real;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      const parent = dirname(current);
      if (parent === current) return absolute;
      missing.push(basename(current));
      current = parent;
    }
  }
}

function isInside(path: string, root: string): boolean {
  if (path === root) return true;
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

function toStat(stats: Awaited<ReturnType<typeof lstat>>): FileStat {
  return {
    type: stats.isDirectory() ? "directory" : stats.isFile() ? "file" : stats.isSymbolicLink() ? "symlink" : "other",
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeMs),
  };
}
