import { homedir } from "node:os";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";

/**
 * `@path` imports in memory files, as Claude Code's memory reference describes them: relative
 * paths resolve against the importing file's folder, absolute and `~/` paths as written; an
 * imported file may import others, at most MAX_IMPORT_HOPS deep; a file already read is not read
 * again (so a cycle ends); markdown code spans and fenced blocks are left alone.
 */

/** "Imported files can recursively import other files, with a maximum depth of four hops." */
export const MAX_IMPORT_HOPS = 4;

/** Most files imports may add to one session's memory, whatever the nesting. */
export const MAX_IMPORTED_FILES = 64;

/** The paths a memory file imports, in order, resolved; code spans and fenced blocks skipped. */
export function findImports(text: string, file: string): string[] {
  const paths: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (
        marker &&
        marker[0] === fence[0] &&
        marker.length >= fence.length &&
        !line.trim().slice(marker.length).trim()
      ) {
        fence = undefined;
      }
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    // Code spans out, then `@path` at a word's start (an e-mail address is not one).
    const prose = line.replace(/(`+)[\s\S]*?\1/g, " ");
    for (const match of prose.matchAll(/(?:^|\s)@((?:~\/|\/|\.{1,2}\/)?[^\s@`]+)/g)) {
      const raw = match[1]!.replace(/[.,;:!?)\]}"'>]+$/, "");
      if (raw) paths.push(resolveImport(raw, file));
    }
  }
  return paths;
}

function resolveImport(raw: string, file: string): string {
  if (raw === "~" || raw.startsWith("~/")) return resolve(homedir(), raw.slice(2));
  return isAbsolute(raw) ? resolve(raw) : resolve(dirname(file), raw);
}

/** Whether `path` is `root` or below it. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Block-level HTML comments (`<!-- notes for maintainers -->` on lines of their own), which
 * Claude Code strips before the model sees a memory file; comments inside code blocks stay.
 */
export function stripHtmlComments(text: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (const line of text.split("\n")) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (!inComment && (fence || marker)) {
      if (fence && marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      else if (!fence && marker) fence = marker;
      out.push(line);
      continue;
    }
    if (!inComment && /^\s*<!--/.test(line)) {
      const rest = line.slice(line.indexOf("<!--") + 4);
      const close = rest.indexOf("-->");
      if (close < 0) inComment = true;
      else if (rest.slice(close + 3).trim()) out.push(rest.slice(close + 3));
      continue;
    }
    if (inComment) {
      const close = line.indexOf("-->");
      if (close >= 0) {
        inComment = false;
        if (line.slice(close + 3).trim()) out.push(line.slice(close + 3));
      }
      continue;
    }
    out.push(line);
  }
  return out.join("\n");
}
