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
 * A real npm registry (Verdaccio) on loopback with its own storage and no uplinks: what install
 * tests publish to (`npm publish --registry`) and install from, each client speaking the
 * registry protocol to it unchanged. Verdaccio is an optional peer: add it to your devDependencies
 * (with the override `node-fetch: 2.7.0`, see the README) to use this.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const storage = mkdtempSync(join(tmpdir(), "pincer-registry-"));
  type Verdaccio = {
    runServer(config: Record<string, unknown>): Promise<{ listen(port: number, host: string, cb: () => void): Server }>;
  };
  let verdaccio: Verdaccio;
  try {
    // A test-only dependency, loaded here and never by Pincer itself.
    const name = "verdaccio";
    verdaccio = (await import(name)) as Verdaccio;
  } catch (error) {
    throw new Error(
      `startLocalRegistry needs the verdaccio package: npm install -D verdaccio (${(error as Error).message}).`,
    );
  }
  const { runServer } = verdaccio;
  const app = await runServer({
    self_path: storage,
    storage: join(storage, "storage"),
    // bcrypt at its cheapest: every request checks the token's password, and a test registry guards nothing.
    auth: { htpasswd: { file: join(storage, "htpasswd"), max_users: 100, rounds: 4 } },
    uplinks: {},
    packages: { "**": { access: "$all", publish: "$authenticated", unpublish: "$authenticated" } },
    log: { type: "stdout", format: "pretty", level: "fatal" },
    security: { api: { legacy: true } },
    web: { enable: false },
    // Native packages (a compiler's platform binary) publish tarballs of tens of megabytes.
    max_body_size: "1gb",
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
