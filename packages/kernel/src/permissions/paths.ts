import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import picomatch from "picomatch";

/**
 * Path patterns are globs resolved like the paths they match: relative to the session cwd,
 * `~/` from the home directory. The subject is normalised first, so `src/../secrets` is not
 * under `src/**`.
 */
export function pathMatches(subjectPath: string, pattern: string, cwd: string): boolean {
  const absolutePattern = expandPattern(pattern, cwd);
  const subject = resolve(cwd, subjectPath.startsWith("~/") ? join(homedir(), subjectPath.slice(2)) : subjectPath);
  return picomatch.isMatch(subject, absolutePattern, { dot: true });
}

function expandPattern(pattern: string, cwd: string): string {
  if (pattern === "~" || pattern.startsWith("~/")) return join(homedir(), pattern.slice(1));
  if (isAbsolute(pattern)) return pattern;
  return join(cwd, pattern);
}
