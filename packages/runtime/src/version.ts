import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let version: string | undefined;

/**
 * Pincer's version, for MCP's clientInfo: the nearest @pincer package above this code (the runtime's
 * own, or the CLI's when the runtime is bundled into it). Read when first asked, not at start-up.
 */
export function pincerVersion(): string {
  if (version) return version;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (json.name?.startsWith("@pincer/") && json.version) {
      version = json.version;
      return version;
    }
  }
  throw new Error(`No @pincer package.json above ${fileURLToPath(import.meta.url)}; the installation is incomplete.`);
}
