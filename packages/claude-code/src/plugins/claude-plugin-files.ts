import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { isDirectory, manifestShapeProblem } from "@pincer/host";

/**
 * Reading a Claude Code plugin's files without running anything, and the error every reader of
 * a plugin folder throws: it names the file at fault, so the user knows what to fix.
 */

export class ClaudePluginError extends Error {
  override name = "ClaudePluginError";
}

/** A plugin.json, hooks.json or .mcp.json is settings, not data: larger is refused unread. */
const MAX_JSON_BYTES = 1024 * 1024;

export function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    if (statSync(file).size > MAX_JSON_BYTES) {
      throw new ClaudePluginError(
        `${file} is larger than ${MAX_JSON_BYTES / 1024 / 1024} MB; it holds settings, not data`,
      );
    }
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof ClaudePluginError) throw error;
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
  // Bounded as Pincer's own manifests are: what reads it later recurses (JSON.stringify included).
  const shape = manifestShapeProblem(json);
  if (shape) throw new ClaudePluginError(`${file}: ${shape}`);
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

export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => isDirectory(join(dir, name)))
      .sort();
  } catch {
    return [];
  }
}
