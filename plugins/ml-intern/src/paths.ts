/** Absolute form of a path argument, against the session folder (the fs capability does the real checking). */
export function absolutePath(path: string, cwd: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** `runs/results.json` → `runs/results.md`. */
export function markdownBeside(jsonPath: string): string {
  return `${jsonPath.replace(/\.json$/i, "")}.md`;
}

/** A path as the user reads it: relative to the session folder when inside it. */
export function shown(path: string, cwd: string): string {
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
