import { readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { isDirectory, isFile } from "../fs-probe.js";

/**
 * Reading a Claude Code plugin's files without running anything, and the error every reader of
 * a plugin folder throws: it names the file at fault, so the user knows what to fix.
 */

export class ClaudePluginError extends Error {
  override name = "ClaudePluginError";
}

export function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ClaudePluginError(
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ClaudePluginError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new ClaudePluginError(`${file} must hold a JSON object`);
  }
  return json as Record<string, unknown>;
}

/** A manifest path (`./x`) resolved under the plugin root; one that leaves it is an error. */
export function inside(root: string, path: string, where: string): string {
  const full = resolve(root, path);
  if (isAbsolute(path) || (full !== root && !full.startsWith(root + sep))) {
    throw new ClaudePluginError(`${where}: ${path} points outside the plugin folder`);
  }
  return full;
}

export function mdFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".md") && isFile(join(dir, name)))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => isDirectory(join(dir, name)))
      .sort();
  } catch {
    return [];
  }
}
