import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalRegistry {
  url: string;
  /** A token for `npm publish`, from the registry's real adduser endpoint. */
  token: string;
  close(): Promise<void>;
}

/**
 * A real npm registry (Verdaccio) on loopback with its own storage and no uplinks: what the
 * install tests publish to and install from, with the npm client and Pincer each speaking the
 * registry protocol to it unchanged.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const storage = mkdtempSync(join(tmpdir(), "pincer-registry-"));
  // Verdaccio is a test-only dependency: loaded here, never by Pincer itself.
  const { runServer } = (await import("verdaccio")) as unknown as {
    runServer(config: Record<string, unknown>): Promise<{ listen(port: number, host: string, cb: () => void): Server }>;
  };
  const app = await runServer({
    self_path: storage,
    storage: join(storage, "storage"),
    auth: { htpasswd: { file: join(storage, "htpasswd"), max_users: 100 } },
    uplinks: {},
    packages: { "**": { access: "$all", publish: "$authenticated", unpublish: "$authenticated" } },
    log: { type: "stdout", format: "pretty", level: "fatal" },
    security: { api: { legacy: true } },
    web: { enable: false },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const response = await fetch(`${url}-/user/org.couchdb.user:pincer-test`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "pincer-test", password: "pincer-test-password", type: "user", roles: [] }),
  });
  const { token } = (await response.json()) as { token?: string };
  if (!token) throw new Error(`Verdaccio did not create a user (${response.status}).`);
  return {
    url,
    token,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => {
          rmSync(storage, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
