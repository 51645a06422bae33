import type { PluginToolContext } from "@pincer/sdk";

/** Absolute form of a tool's path argument (the capability does the real checking). */
export function absolutePath(path: string, ctx: Pick<PluginToolContext, "cwd">): string {
  if (path.startsWith("/")) return normalize(path);
  return normalize(`${ctx.cwd}/${path}`);
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

export function relativeTo(cwd: string, path: string): string {
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

export function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  return sample.includes(0);
}
