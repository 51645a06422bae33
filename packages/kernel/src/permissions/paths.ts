import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";

/**
 * Path patterns are globs anchored like the paths they match: relative to the session cwd
 * (`src/**` is `<cwd>/src/**`), `~/` from the home directory, absolute as written. A pattern
 * with no glob characters names a file or a directory and everything inside it. Subjects are
 * normalised first, so `src/../secrets` is not under `src/**`, and a path outside the cwd never
 * matches a relative pattern (unless the pattern itself climbs out with `../`).
 *
 * Symlinks are the one thing normalising cannot see: `src/link/x` may really be `~/.ssh/x`. So
 * deny and ask rules match if either the written path or the real one matches ({@link pathHitBy}),
 * and allow rules only if both do ({@link pathCoveredBy}).
 */

/** A pattern split into the directory it starts from and the glob below that directory. */
interface AnchoredPattern {
  base: string;
  /** Empty for a literal path. */
  glob: string;
}

const GLOB_OPTIONS = { dot: true, nonegate: true } as const;

/** Where a pattern starts from, and the glob (possibly empty) below that. */
export function anchorPattern(pattern: string, cwd: string): AnchoredPattern {
  let text = pattern.trim();
  // `src/` names a directory: everything in it.
  if (text.length > 1 && text.endsWith("/")) text += "**";
  const scanned = picomatch.scan(text);
  // The static prefix is a literal path: undo the glob escapes (`app/\(group\)`).
  const literal = scanned.base.replace(/\\(.)/g, "$1");
  return { base: resolvePath(literal, cwd), glob: scanned.glob };
}

/** `~/x` from the home directory, relative paths from cwd, `..` resolved. */
export function resolvePath(path: string, cwd: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return resolve(homedir(), path.slice(2));
  return resolve(cwd, path);
}

function matchesAnchored(subject: string, pattern: AnchoredPattern): boolean {
  const rel = relative(pattern.base, subject);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return false;
  if (!pattern.glob) return true;
  // The base itself is inside `base/**`, as picomatch treats `src` as inside `src/**`.
  if (rel === "") return pattern.glob === "**";
  return picomatch.isMatch(rel, pattern.glob, GLOB_OPTIONS);
}

/** Whether the path, as written and normalised, matches the pattern. */
export function pathMatches(subjectPath: string, pattern: string, cwd: string): boolean {
  return matchesAnchored(resolvePath(subjectPath, cwd), anchorPattern(pattern, cwd));
}

/** Whether the path with every symlink resolved matches the pattern (its base resolved likewise). */
export function realPathMatches(subjectPath: string, pattern: string, cwd: string): boolean {
  const anchored = anchorPattern(pattern, cwd);
  return matchesAnchored(realPath(resolvePath(subjectPath, cwd)), { ...anchored, base: realPath(anchored.base) });
}

/** For deny and ask rules: the written path or the real one matching is enough. */
export function pathHitBy(subjectPath: string, pattern: string, cwd: string): boolean {
  return pathMatches(subjectPath, pattern, cwd) || realPathMatches(subjectPath, pattern, cwd);
}

/** For allow rules: the written path and the real one must both match. */
export function pathCoveredBy(subjectPath: string, pattern: string, cwd: string): boolean {
  return pathMatches(subjectPath, pattern, cwd) && realPathMatches(subjectPath, pattern, cwd);
}

/**
 * The path with symlinks resolved. A file about to be written does not exist yet, so this
 * resolves its nearest existing ancestor and keeps the rest as written.
 */
export function realPath(path: string): string {
  const missing: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      return join(realpathSync.native(current), ...missing.reverse());
    } catch {
      if (dirname(current) === current) return path;
      missing.push(basename(current));
    }
  }
}

/** Makes a literal path safe to use inside a glob (`app/(group)/[id]` → `app/\(group\)/\[id\]`). */
export function escapeGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@]/g, "\\$&");
}
