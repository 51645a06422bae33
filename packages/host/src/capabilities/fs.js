import { lstat, mkdir, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
/**
 * The `fs` capability: every path is resolved against cwd, `..` normalised and symlinks
 * followed (for a path that does not exist yet, through its deepest existing ancestor)
 * before it is checked against the granted roots, so neither `../` nor a symlink inside a
 * root leads outside it.
 */
export function createFsCapability(grant) {
  let roots;
  const grantedRoots = () => {
    roots ??= Promise.all([
      Promise.all(grant.readRoots.map(realRoot)),
      Promise.all(grant.writeRoots.map(realRoot)),
    ]).then(([read, write]) => ({ read: [...read, ...write], write }));
    return roots;
  };
  const check = async (path, access) => {
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
    async readFile(path) {
      return new Uint8Array(await readFile(await check(path, "read")));
    },
    async readText(path) {
      return readFile(await check(path, "read"), "utf8");
    },
    async writeFile(path, data) {
      const target = await check(path, "write");
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    },
    async stat(path) {
      const target = await check(path, "read");
      try {
        return toStat(await lstat(target));
      } catch (error) {
        if (error.code === "ENOENT") return null;
        throw error;
      }
    },
    async readdir(path) {
      const target = await check(path, "read");
      const entries = await readdir(target, { withFileTypes: true });
      return entries.map((entry) => ({
        name: entry.name,
        type: entry.isDirectory()
          ? "directory"
          : entry.isFile()
            ? "file"
            : entry.isSymbolicLink()
              ? "symlink"
              : "other",
      }));
    },
    async mkdir(path) {
      await mkdir(await check(path, "write"), { recursive: true });
    },
    async resolve(path) {
      return check(path, "read");
    },
  };
}
async function realRoot(root) {
  return realPathOf(resolve(root));
}
/** realpath of the path, or of its deepest existing ancestor joined with the rest. */
async function realPathOf(absolute) {
  const missing = [];
  let current = absolute;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length > 0 ? join(real, ...missing.reverse()) : real;
    } catch (error) {
      const code = error.code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      const parent = dirname(current);
      if (parent === current) return absolute;
      missing.push(basename(current));
      current = parent;
    }
  }
}
function isInside(path, root) {
  if (path === root) return true;
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}
function toStat(stats) {
  return {
    type: stats.isDirectory() ? "directory" : stats.isFile() ? "file" : stats.isSymbolicLink() ? "symlink" : "other",
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeMs),
  };
}
//# sourceMappingURL=fs.js.map
