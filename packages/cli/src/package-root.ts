import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The CLI package's folder, found from wherever this code runs: dist/, the bundle, or one of the
 * bundle's chunks sit at different depths, so files are located from here, never by `../`.
 */
export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "@pincer/cli") {
      return dir;
    }
  }
  throw new Error(`Cannot find the @pincer/cli package above ${start}; the installation is incomplete.`);
}
