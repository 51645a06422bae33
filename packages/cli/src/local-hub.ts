import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where a running `pincer hub serve` announces itself, so sessions can find the local Hub. */
export const hubServerFile = (home: string): string => join(home, "hub", "server.json");

/** The URL of a `pincer hub serve` that is running now (its process alive), if there is one. */
export function runningLocalHub(home: string): string | undefined {
  try {
    const { url, pid } = JSON.parse(readFileSync(hubServerFile(home), "utf8")) as { url?: unknown; pid?: unknown };
    if (typeof url !== "string" || typeof pid !== "number") return undefined;
    process.kill(pid, 0);
    return url;
  } catch {
    // No file, a bad one, or a server that died without cleaning up: no local Hub.
    return undefined;
  }
}
