import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetRequest, type NetResponse } from "./net-request.js";

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    const bytes: Buffer[] = [];
    request.on("data", (chunk: Buffer) => {
      body += chunk;
      bytes.push(chunk);
    });
    request.on("end", () => {
      if (request.url === "/digest") {
        const whole = Buffer.concat(bytes);
        return response.end(`${request.headers["content-length"]} ${whole.length} ${sha256(whole)}`);
      }
      if (request.url === "/echo") return response.end(`${request.method} ${request.headers["x-test"]} ${body}`);
      if (request.url === "/gzip") {
        response.writeHead(200, { "content-encoding": "gzip" });
        return response.end(gzipSync("squeezed"));
      }
      if (request.url === "/see-other") {
        response.writeHead(303, { location: "/echo" });
        return response.end();
      }
      if (request.url === "/out") {
        response.writeHead(302, { location: "http://evil.invalid/steal" });
        return response.end();
      }
      if (request.url === "/auth") return response.end(`auth=${request.headers.authorization ?? "none"}`);
      if (request.url === "/to-same") {
        response.writeHead(302, { location: "/auth" });
        return response.end();
      }
      if (request.url === "/to-other") {
        // The same server under another name: another origin.
        response.writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/auth` });
        return response.end();
      }
      if (request.url === "/slow") {
        response.write("first");
        return; // never ends
      }
      response.statusCode = 404;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const init = (overrides: Partial<Parameters<ReturnType<typeof createNetRequest>>[1]> = {}) => ({
  method: "GET",
  headers: [] as Array<[string, string]>,
  body: null,
  signal: new AbortController().signal,
  ...overrides,
});

async function text(response: NetResponse): Promise<string> {
  let out = "";
  if (!response.body) return out;
  for (let next = await response.body.next(); !next.done; next = await response.body.next()) {
    out += Buffer.from(next.value).toString();
  }
  return out;
}

describe("createNetRequest: the bridge's HTTP client", () => {
  const request = () => createNetRequest([new URL(base).host]);

  it("sends method, headers and body to a granted host", async () => {
    const response = await request()(`${base}/echo`, init({ method: "POST", headers: [["X-Test", "h"]], body: "b" }));
    expect(response.status).toBe(200);
    expect(await text(response)).toBe("POST h b");
  });

  it("sends a long body past Latin-1 as exactly its UTF-8, lone surrogates as U+FFFD, with its length", async () => {
    // Long enough to take the one-pass encoding; two-byte (an ellipsis, an emoji, a lone surrogate).
    const long = `${'{"role":"tool","content":"epoch,step,loss\\n1,2,0.3"}'.repeat(400)}… 🐍 \ud800 é end`;
    // One that fits the one-pass room, ASCII, short, and one whose UTF-8 outgrows the room (encoded again).
    for (const body of [long, "ascii only ".repeat(1000), "short … 🐍", "€".repeat(5000)]) {
      const response = await request()(`${base}/digest`, init({ method: "POST", body }));
      const expected = Buffer.from(body);
      expect(await text(response)).toBe(`${expected.length} ${expected.length} ${sha256(expected)}`);
    }
  });

  it("decodes a gzip body like fetch does", async () => {
    const response = await request()(`${base}/gzip`, init());
    expect(await text(response)).toBe("squeezed");
    expect(response.headers.find(([name]) => name === "content-encoding")).toBeUndefined();
  });

  it("follows a 303 as a GET without the body, and reports the redirect", async () => {
    const response = await request()(`${base}/see-other`, init({ method: "POST", body: "dropped" }));
    expect(await text(response)).toBe("GET undefined ");
    expect(response.redirected).toBe(true);
  });

  it("refuses ungranted hosts, directly, behind userinfo and on a redirect hop", async () => {
    await expect(request()("http://example.com/", init())).rejects.toThrow("network access to example.com refused");
    await expect(request()(`http://${new URL(base).host}@evil.invalid/`, init())).rejects.toThrow(
      "network access to evil.invalid refused",
    );
    await expect(request()(`${base}/out`, init())).rejects.toThrow("network access to evil.invalid refused");
  });

  it("stops a request when its signal aborts, mid-body included", async () => {
    const controller = new AbortController();
    const response = await request()(`${base}/slow`, init({ signal: controller.signal }));
    const first = await response.body!.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe("first");
    const pending = response.body!.next();
    controller.abort();
    await expect(pending).rejects.toThrow();
  });

  it("never carries credentials across a redirect to another origin, as fetch does", async () => {
    const port = new URL(base).port;
    const request = createNetRequest([`127.0.0.1:${port}`, `localhost:${port}`]);
    const headers: Array<[string, string]> = [["Authorization", "Bearer hf_secret"]];
    expect(await text(await request(`${base}/to-same`, init({ headers })))).toBe("auth=Bearer hf_secret");
    const other = await request(`${base}/to-other`, init({ headers }));
    expect(other.url).toBe(`http://localhost:${port}/auth`);
    expect(await text(other)).toBe("auth=none");
  });

  it("hands back the redirect itself with redirect: manual, and fails with redirect: error", async () => {
    const request = createNetRequest([`127.0.0.1:${new URL(base).port}`]);
    const manual = await request(`${base}/to-same`, init({ redirect: "manual" }));
    expect([manual.status, manual.headers.find(([name]) => name === "location")?.[1]]).toEqual([302, "/auth"]);
    manual.cancel();
    await expect(request(`${base}/to-same`, init({ redirect: "error" }))).rejects.toThrow(/redirected/);
  });
});
