import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { type ServedHub, serveHub, stopHub } from "../served-hub.js";

/** The row of a private dataset that only the token holder may read. */
export const SECRET_CSV = "text,label\nthe private row nobody else may read,1\n";
export const json = { "Content-Type": "application/json" };

/** A commit's NDJSON body: a header, then files given as text. */
export function ndjsonCommit(summary: string, files: Record<string, string>): string {
  return [
    { key: "header", value: { summary } },
    ...Object.entries(files).map(([path, text]) => ({
      key: "file",
      value: { path, content: Buffer.from(text).toString("base64"), encoding: "base64" },
    })),
  ]
    .map((line) => JSON.stringify(line))
    .join("\n");
}

/**
 * `pincer hub serve` as the attacks find it: started once per test file with the token it makes
 * (PINCER_HOME/hub/token), holding a private dataset `local/secret-data`.
 */
export function attackedHub() {
  let hub: ServedHub | undefined;
  let token = "";
  const served = (): ServedHub => {
    if (!hub) throw new Error("attackedHub: used outside a test");
    return hub;
  };
  const auth = (extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${served().url}${path}`, { ...init, headers: { ...auth(), ...(init.headers as Record<string, string>) } });

  beforeAll(async () => {
    hub = await serveHub(undefined);
    token = readFileSync(join(hub.dir, "token"), "utf8").trim();
    await api("/api/repos/create", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ name: "secret-data", type: "dataset", private: true }),
    });
    const commit = await api("/api/datasets/local/secret-data/commit/main", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson" },
      body: ndjsonCommit("data", { "train.csv": SECRET_CSV }),
    });
    expect(commit.status).toBe(200);
  });

  afterAll(async () => {
    if (!hub) return;
    await stopHub(hub, "SIGTERM");
    hub.box[Symbol.dispose]();
  });

  return {
    get hub() {
      return served();
    },
    get token() {
      return token;
    },
    get port() {
      return new URL(served().url).port;
    },
    auth,
    api,
    /** The Hub still answers its token holder. */
    async stillServing(): Promise<void> {
      const res = await api("/api/whoami-v2");
      expect(res.status).toBe(200);
      expect(((await res.json()) as { name: string }).name).toBe("local");
    },
    /** Bytes in the Hub's temp folder and blob store: what an upload put on disk. */
    storedBytes(): number {
      let total = 0;
      for (const folder of ["tmp", "blobs"]) {
        const root = join(served().dir, folder);
        if (!existsSync(root)) continue;
        for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
          if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
        }
      }
      return total;
    },
  };
}
