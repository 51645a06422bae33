import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { commit, ensureDataset, readFile } from "./hub-client.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  server = undefined;
});

/**
 * A Hub that answers every call with a body the client has no use for, counting the connections
 * it is asked on: a client that lets go of each answer goes on with the connection it has.
 */
async function chattyHub(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const url = req.url ?? "";
      const status = url.includes("/resolve/") ? 404 : url === "/api/repos/create" ? 409 : 200;
      res.writeHead(status, { "content-type": "application/json" });
      // Bodies of any size may come back; the client reads only what it needs.
      const answer = url.includes("/preupload/")
        ? { files: [] }
        : url.startsWith("/api/datasets/")
          ? { private: true }
          : {};
      res.end(JSON.stringify({ ...answer, padding: "x".repeat(64 * 1024) }));
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((listening) => server?.listen(0, "127.0.0.1", listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe("hub client", () => {
  it("lets go of answers it does not read, so a run's commits share a connection", async () => {
    const hub = await chattyHub();
    const access = { url: hub.url, token: "hf_test_token" };
    for (let i = 0; i < 5; i++) {
      await commit(access, "me/sessions", `part ${i}`, [{ op: "put", path: `p-${i}.jsonl`, text: `{"i":${i}}\n` }]);
    }
    expect(await readFile(access, "me/sessions", "missing.jsonl")).toBeUndefined();
    expect(await ensureDataset(access, "me/sessions")).toEqual({ private: true, created: false });
    // Eleven calls; a connection freed as its answer ends may come back a moment after the next
    // call has opened another, so two (each unread answer held its own: eight or nine).
    expect(hub.connections()).toBeLessThanOrEqual(2);
  });
});
