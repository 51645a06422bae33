import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, type Sandbox, sandbox, servingAddress } from "../run-cli.js";
import { rawRequest } from "./raw-http.js";

/**
 * Attacks on `pincer serve` (the kernel over HTTP: a session there runs tools) as an outsider
 * makes them: a web page (cross-origin "simple" requests, DNS rebinding), another local user (no
 * token, a guessed one), odd bodies and headers. Each asserts the refusal and that it keeps serving.
 */

const TOKEN = "serve-security-token-0123456789";
let box: Sandbox;
let server: { child: ChildProcess; done: Promise<CliResult> };
let base: string;
let port: string;
const auth = { Authorization: `Bearer ${TOKEN}` };

async function stillServing(): Promise<void> {
  const res = await fetch(`${base}/sessions`, { headers: auth });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual([]);
}

beforeAll(async () => {
  box = sandbox({ PINCER_SERVER_TOKEN: TOKEN });
  server = box.start(["serve", "--port", "0"]);
  base = await servingAddress(server);
  port = new URL(base).port;
});

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.done;
  box?.[Symbol.dispose]();
});

describe("pincer serve under attack", () => {
  it("needs the token: none, a wrong one, a prefix or a longer one gets 401", async () => {
    for (const headers of [
      {},
      { Authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { Authorization: `Bearer ${TOKEN}0` },
      { Authorization: `Bearer ${"x".repeat(TOKEN.length)}` },
      { Authorization: TOKEN },
    ]) {
      const res = await rawRequest(base, { path: "/sessions", headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
    }
    await stillServing();
  });

  it("refuses DNS rebinding: a foreign name in Host gets 421, even with the token", async () => {
    for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`]) {
      const res = await rawRequest(base, { path: "/sessions", headers: { Host: host, ...auth } });
      expect(res.status, host).toBe(421);
    }
    const local = await rawRequest(base, { path: "/sessions", headers: { Host: `localhost:${port}`, ...auth } });
    expect(local.status).toBe(200);
    await stillServing();
  });

  it("refuses a cross-origin 'simple' POST that would start a session, token or not, and no session exists", async () => {
    const body = JSON.stringify({ cwd: box.cwd, permissionMode: "bypassPermissions" });
    for (const headers of [
      { "Content-Type": "text/plain", Origin: "http://evil.example" },
      { "Content-Type": "text/plain", Origin: "http://evil.example", ...auth },
      { "Content-Type": "application/x-www-form-urlencoded", Origin: "null", ...auth },
      { "Content-Type": "text/plain", Origin: `http://127.0.0.1:${Number(port) + 1}`, ...auth },
    ]) {
      const res = await rawRequest(base, { method: "POST", path: "/sessions", headers, body });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    }
    const preflight = await rawRequest(base, {
      method: "OPTIONS",
      path: "/sessions",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
    await stillServing();
  });

  it("takes JSON bodies only: text/plain or a form with the token is 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await rawRequest(base, {
        method: "POST",
        path: "/sessions",
        headers: { "Content-Type": type, ...auth },
        body: JSON.stringify({ cwd: box.cwd }),
      });
      expect(res.status, type).toBe(415);
    }
    await stillServing();
  });

  it("answers a 64 KB header with 431 and goes on", async () => {
    const res = await rawRequest(base, {
      path: "/sessions",
      headers: { ...auth, "X-Big": "x".repeat(64 * 1024) },
    }).catch(() => ({ status: 0 }));
    expect([0, 431]).toContain(res.status);
    await stillServing();
  });
});
