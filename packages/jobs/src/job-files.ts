// A job's files beside its script: `inputs/` (what the caller handed it, read-only) and `outputs/`
// (what it leaves for the caller). Everything a job writes is hostile to whoever reads it back:
// outputs are listed without following a link, read only as regular files inside `outputs/`, and
// capped in number and size.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export const INPUTS_DIR = "inputs";
export const OUTPUTS_DIR = "outputs";
/** What a job's outputs may add up to, as listed and read back. */
export const OUTPUT_LIMITS = { files: 1000, totalBytes: 512 * 1024 * 1024, depth: 16 };

/**
 * A relative path a job's file may have: forward slashes, no empty, `.` or `..` part, no leading
 * slash, no NUL or backslash. Returns the parts, or a reason.
 */
export function checkRelativePath(path: string): string[] | { refused: string } {
  if (typeof path !== "string" || path.length === 0 || path.length > 1024)
    return { refused: "an empty or overlong path" };
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0"))
    return { refused: `"${path}" is not a relative path` };
  const parts = path.split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) {
    return { refused: `"${path}" has an empty, "." or ".." part` };
  }
  return parts;
}

/**
 * Writes `files` under `<jobDir>/inputs/`, each read-only (0444). The OS sandbox mounts the folder
 * read-only too; without one, the mode bits are all there is (folders stay writable, so the job's
 * folder can still be removed by its owner).
 */
export function writeInputs(jobDir: string, files: Record<string, Uint8Array>): void {
  const root = join(jobDir, INPUTS_DIR);
  mkdirSync(root, { recursive: true });
  for (const [path, data] of Object.entries(files)) {
    const parts = checkRelativePath(path);
    if (!Array.isArray(parts)) throw new TypeError(`Input ${parts.refused}.`);
    const target = join(root, ...parts);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data, { mode: 0o444, flag: "wx" });
  }
}

export interface OutputListing {
  files: Array<{ path: string; size: number }>;
  /** What was left out, and why (a link, a device, past a cap). */
  skipped: Array<{ path: string; reason: string }>;
  totalBytes: number;
}

/** Regular files under `<jobDir>/outputs/`, never through a link; capped by OUTPUT_LIMITS. */
export function listOutputs(jobDir: string): OutputListing {
  const root = join(jobDir, OUTPUTS_DIR);
  const listing: OutputListing = { files: [], skipped: [], totalBytes: 0 };
  const walk = (folder: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(folder, name);
      const path = relative(root, full).split(sep).join("/");
      const stat = lstatSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isSymbolicLink()) listing.skipped.push({ path, reason: "a symbolic link (links are never followed)" });
      else if (stat.isDirectory()) {
        if (depth >= OUTPUT_LIMITS.depth)
          listing.skipped.push({ path, reason: `deeper than ${OUTPUT_LIMITS.depth} folders` });
        else walk(full, depth + 1);
      } else if (!stat.isFile()) listing.skipped.push({ path, reason: "not a regular file" });
      else if (stat.nlink > 1) listing.skipped.push({ path, reason: "a file with other hard links" });
      else if (listing.files.length >= OUTPUT_LIMITS.files)
        listing.skipped.push({ path, reason: `past ${OUTPUT_LIMITS.files} files` });
      else if (listing.totalBytes + stat.size > OUTPUT_LIMITS.totalBytes) {
        listing.skipped.push({ path, reason: `past ${OUTPUT_LIMITS.totalBytes / 1024 / 1024} MB in all` });
      } else {
        listing.files.push({ path, size: stat.size });
        listing.totalBytes += stat.size;
      }
    }
  };
  walk(root, 0);
  return listing;
}

/**
 * One output file's bytes: a regular file with a single link, reached through no link (every
 * folder on the way is checked, and the file is opened with O_NOFOLLOW), inside `outputs/`.
 */
export function readOutput(jobDir: string, path: string): Buffer {
  const parts = checkRelativePath(path);
  if (!Array.isArray(parts)) throw new TypeError(`Output ${parts.refused}.`);
  const root = realpathSync(join(jobDir, OUTPUTS_DIR));
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    if (!lstatSync(at).isDirectory())
      throw new TypeError(`Output "${path}" passes through something that is not a folder.`);
  }
  const file = join(at, parts.at(-1)!);
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink > 1) throw new TypeError(`Output "${path}" is not a regular file.`);
    if (stat.size > OUTPUT_LIMITS.totalBytes) throw new TypeError(`Output "${path}" is too large.`);
    const data = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, data, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return data.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
