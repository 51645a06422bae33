import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { FsCapability } from "@pincer/sdk";

/**
 * The fs capability for unit tests of the intern's runner: plain Node calls in a temporary folder
 * (the real, granted capability is what the e2e tests of `pincer intern` go through).
 */
export function nodeFs(cwd: string): FsCapability {
  const at = (path: string) => resolve(cwd, path);
  return {
    readFile: async (path, range) => {
      const bytes = new Uint8Array(await readFile(at(path)));
      return range ? bytes.subarray(range.offset, range.offset + range.length) : bytes;
    },
    readText: (path) => readFile(at(path), "utf8"),
    writeFile: (path, data) => writeFile(at(path), data),
    appendFile: async (path, data) => writeFile(at(path), data, { flag: "a" }),
    rename: (from, to) => rename(at(from), at(to)),
    remove: (path) => rm(at(path)),
    stat: async (path) => {
      const info = await stat(at(path)).catch(() => null);
      if (!info) return null;
      return {
        type: info.isDirectory() ? "directory" : info.isFile() ? "file" : "other",
        size: info.size,
        mtimeMs: info.mtimeMs,
      };
    },
    readdir: async (path) =>
      (await readdir(at(path), { withFileTypes: true })).map((entry) => ({
        name: entry.name,
        type: entry.isDirectory() ? "directory" : entry.isFile() ? "file" : "other",
      })),
    mkdir: async (path) => {
      await mkdir(at(path), { recursive: true });
    },
    resolve: async (path) => at(path),
  };
}
