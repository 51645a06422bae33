import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServedHub } from "../served-hub.js";
import { attackedHub, json } from "./hub-fixture.js";
import { rawRequest } from "./raw-http.js";

/**
 * Attacks on `pincer hub serve` as an outsider makes them: another local user or program (no
 * token, a guessed one) and web pages (cross-origin "simple" requests, DNS rebinding, a browser's
 * cookie, a hostile card). Each asserts the refusal, and that the Hub keeps serving. Bodies, paths
 * and headers: hub-bodies.test.ts; jobs: hub-jobs.test.ts.
 */

const fx = attackedHub();
const { auth, api, stillServing } = fx;
let hub: ServedHub;
let token: string;
let port: string;
beforeAll(() => {
  ({ hub, token, port } = fx);
});

describe("pincer hub serve: the token", () => {
  it("is made on first start, hf_-shaped, in a file only this user can read; server.json too", () => {
    expect(token).toMatch(/^hf_[0-9a-f]{48}$/);
    expect(statSync(join(hub.dir, "token")).mode & 0o777).toBe(0o600);
    expect(statSync(join(hub.dir, "server.json")).mode & 0o777).toBe(0o600);
    expect(hub.printed).toContain(`Use it with HF_ENDPOINT=${hub.url} HF_TOKEN=$(cat ${join(hub.dir, "token")})`);
  });

  it("is needed for everything: no token, a wrong one, a prefix of it, or another scheme gets 401 and no data", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: `Bearer hf_${"0".repeat(48)}` },
      { Authorization: `Bearer ${token.slice(0, -1)}` },
      { Authorization: `Bearer ${token}x` },
      { Authorization: `Basic ${Buffer.from(`local:${token.slice(0, -1)}`).toString("base64")}` },
    ];
    for (const headers of attempts) {
      for (const path of [
        "/api/whoami-v2",
        "/api/datasets/local/secret-data",
        "/datasets/local/secret-data/resolve/main/train.csv",
        "/api/datasets/local/secret-data/tree/main",
        "/datasets-server/first-rows?dataset=local/secret-data&config=default&split=train",
        "/api/models",
      ]) {
        const res = await fetch(`${hub.url}${path}`, { headers });
        expect(res.status, `${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(await res.text()).not.toContain("private row");
      }
    }
    await stillServing();
  });

  it("private repos: a browser without it gets the sign-in page, not the data", async () => {
    const res = await fetch(`${hub.url}/datasets/local/secret-data/blob/main/train.csv`, {
      headers: { Accept: "text/html" },
    });
    expect(res.status).toBe(401);
    const page = await res.text();
    expect(page).toContain("This local Hub needs its token");
    expect(page).not.toContain("private row");
    await stillServing();
  });
});

describe("pincer hub serve: web pages", () => {
  it("refuses a cross-origin 'simple' POST to the Jobs API (text/plain, foreign Origin), token or not, and runs nothing", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "pincer-hub-attack-")), "pwned");
    const script = JSON.stringify({ script: `open(${JSON.stringify(marker)}, "w").write("x")` });
    for (const headers of [
      { "Content-Type": "text/plain", Origin: "http://evil.example" },
      { "Content-Type": "text/plain", Origin: "http://evil.example", Authorization: `Bearer ${token}` },
      { "Content-Type": "application/x-www-form-urlencoded", Origin: "null" },
      { "Content-Type": "text/plain", Origin: `http://localhost:${Number(port) + 1}` },
    ]) {
      const res = await rawRequest(hub.url, { method: "POST", path: "/api/jobs/local", headers, body: script });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    }
    // Even with the token and no Origin, a text/plain body is not JSON.
    const plain = await rawRequest(hub.url, {
      method: "POST",
      path: "/api/jobs/local",
      headers: { "Content-Type": "text/plain", Authorization: `Bearer ${token}` },
      body: script,
    });
    expect(plain.status).toBe(415);
    const jobs = (await (await api("/api/jobs/local")).json()) as unknown[];
    expect(jobs).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    await stillServing();
  });

  it("refuses DNS rebinding: a foreign name in Host gets 421, even with the token", async () => {
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `attacker.localhost.evil.example:${port}`,
    ]) {
      const res = await rawRequest(hub.url, {
        path: "/api/datasets/local/secret-data",
        headers: { Host: host, ...auth() },
      });
      expect(res.status, host).toBe(421);
      expect(res.body).not.toContain('secret-data"');
    }
    const noHost = await rawRequest(hub.url, { path: "/api/whoami-v2", headers: { Host: "", ...auth() } });
    expect(noHost.status).toBe(400);
    // Loopback names are this machine.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const res = await rawRequest(hub.url, { path: "/api/whoami-v2", headers: { Host: host, ...auth() } });
      expect(res.status, host).toBe(200);
    }
    await stillServing();
  });

  it("allows no CORS: a preflight gets no Access-Control-Allow-* headers", async () => {
    const res = await rawRequest(hub.url, {
      method: "OPTIONS",
      path: "/api/jobs/local",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(res.status).toBe(403);
    expect(Object.keys(res.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
    await stillServing();
  });

  it("signs a browser in for reading only: the cookie reads, never writes, and not from another site", async () => {
    const wrong = await rawRequest(hub.url, { path: `/?token=hf_${"1".repeat(48)}`, headers: { Accept: "text/html" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
    const signIn = await rawRequest(hub.url, {
      path: `/datasets/local/secret-data?token=${token}`,
      headers: { Accept: "text/html" },
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe("/datasets/local/secret-data");
    const setCookie = String(signIn.headers["set-cookie"]);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(token);
    const cookie = setCookie.split(";")[0]!;
    // A sign-in link never sends the browser to another site.
    const away = await rawRequest(hub.url, { path: `/.//evil.example/x?token=${token}` });
    expect(away.status).toBe(303);
    expect(away.headers.location).toBe("/evil.example/x");
    const form = await rawRequest(hub.url, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: hub.url },
      body: new URLSearchParams({ token, next: "//evil.example/" }).toString(),
    });
    expect(form.status).toBe(303);
    expect(form.headers.location).toBe("/");

    const read = await rawRequest(hub.url, {
      path: "/datasets/local/secret-data/blob/main/train.csv",
      headers: { Accept: "text/html", Cookie: cookie },
    });
    expect(read.status).toBe(200);
    expect(read.body).toContain("the private row nobody else may read");
    const write = await rawRequest(hub.url, {
      method: "POST",
      path: "/api/repos/create",
      headers: { ...json, Cookie: cookie },
      body: JSON.stringify({ name: "by-cookie" }),
    });
    expect(write.status).toBe(401);
    const sameSite = await rawRequest(hub.url, {
      path: "/datasets/local/secret-data/blob/main/train.csv",
      headers: { Accept: "text/html", Cookie: cookie, "Sec-Fetch-Site": "same-site" },
    });
    expect(sameSite.status).toBe(401);
    expect(sameSite.body).not.toContain("private row");
    await stillServing();
  });

  it("renders a hostile card as text: no script, no javascript: links, and a CSP that runs none", async () => {
    await api("/api/repos/create", { method: "POST", headers: json, body: JSON.stringify({ name: "hostile" }) });
    const card =
      '# Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3))\n';
    await api("/api/models/local/hostile/commit/main", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson" },
      body: [
        { key: "header", value: { summary: "card" } },
        {
          key: "file",
          value: { path: "README.md", content: Buffer.from(card).toString("base64"), encoding: "base64" },
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    });
    const res = await api("/local/hostile", { headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("content-security-policy")).not.toMatch(/script-src/);
    const page = await res.text();
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img[^>]*onerror/i);
    expect(page).not.toContain('href="javascript:');
    // Raw files are never sniffed into pages either.
    const raw = await api("/local/hostile/resolve/main/README.md");
    expect(raw.headers.get("x-content-type-options")).toBe("nosniff");
    expect(raw.headers.get("content-type")).not.toMatch(/html/);
  });
});
