import type { FsCapability } from "@pincer/sdk";

const SKIPPED = new Set([".git", "node_modules", ".hg", ".svn", "dist", ".next", ".venv", "__pycache__"]);

/** Files under a directory, depth first, skipping VCS and dependency folders. */
export async function* walkFiles(fs: FsCapability, root: string, limit = 50_000): AsyncGenerator<string> {
  const stack = [root];
  let seen = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: Awaited<ReturnType<FsCapability["readdir"]>>;
    try {
      entries = await fs.readdir(dir);
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const entry of entries) {
      const path = dir === "/" ? `/${entry.name}` : `${dir}/${entry.name}`;
      if (entry.type === "directory") {
        if (!SKIPPED.has(entry.name)) stack.push(path);
      } else if (entry.type === "file") {
        if (++seen > limit) return;
        yield path;
      }
    }
  }
}

/** `**`, `*`, `?` and `{a,b}` globs as a RegExp over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === "*") {
      if (glob[index + 1] === "*") {
        index++;
        if (glob[index + 1] === "/") {
          index++;
          out += "(?:.*/)?";
        } else out += ".*";
      } else out += "[^/]*";
    } else if (char === "?") out += "[^/]";
    else if (char === "{") {
      const close = glob.indexOf("}", index);
      if (close < 0) out += "\\{";
      else {
        out += `(?:${glob
          .slice(index + 1, close)
          .split(",")
          .map(escapeRegExp)
          .join("|")})`;
        index = close;
      }
    } else out += escapeRegExp(char);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\*?]/g, "\\$&");
}
