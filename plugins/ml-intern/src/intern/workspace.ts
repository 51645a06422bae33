import type { FsCapability } from "@pincer/sdk";

/**
 * The folder an intern run works in, read and written through the plugin's fs grant (no Node in
 * the sandbox): paths the pipeline names are relative to `cwd`.
 */
export interface Workspace {
  cwd: string;
  fs: FsCapability;
}

/** `path` inside `cwd` (an absolute path stays as it is; the fs grant decides whether it may be read). */
export function inWorkspace(cwd: string, path: string): string {
  if (path.startsWith("/")) return path;
  const base = cwd.replace(/\/+$/, "");
  const parts = `${base}/${path}`.split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}
