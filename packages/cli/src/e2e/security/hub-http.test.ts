import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalHub } from "@pincer/hub";
import { until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "../run-cli.js";
import { type ServedHub, serveHub, serveHubIn, stopHub } from "../served-hub.js";
import { idleConnection, rawRequest, streamUpload } from "./raw-http.js";

/**
 * Attacks on `pincer hub serve` as an outsider makes them: a web page (cross-origin requests, DNS
 * rebinding), another local user or program (no token, a guessed one, oversize uploads, traversal,
 * huge or never-finished headers). Each asserts the refusal, and that the Hub keeps serving.
 */

let hub: ServedHub;
let token: string;
let port: string;
const SECRET_CSV = "text,label\nthe private row nobody else may read,1\n";

const auth = (extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, { ...init, headers: { ...auth(), ...(init.headers as Record<string, string>) } });
const json = { "Content-Type": "application/json" };

/** The Hub still answers its token holder. */
async function stillServing(): Promise<void> {
  const res = await api("/api/whoami-v2");
  expect(res.status).toBe(200);
  expect(((await res.json()) as { name: string }).name).toBe("local");
}

/** Bytes in the Hub's temp folder and blob store: what an upload put on disk. */
function storedBytes(): number {
  let total = 0;
  for (const folder of ["tmp", "blobs"]) {
    const root = join(hub.dir, folder);
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
    }
  }
  return total;
}

beforeAll(async () => {
  hub = await serveHub(undefined);
  token = readFileSync(join(hub.dir, "token"), "utf8").trim();
  port = new URL(hub.url).port;
  // A private dataset with a row only the token holder may read.
  await api("/api/repos/create", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ name: "secret-data", type: "dataset", private: true }),
  });
  const commit = await api("/api/datasets/local/secret-data/commit/main", {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body: [
      { key: "header", value: { summary: "data" } },
      {
        key: "file",
        value: { path: "train.csv", content: Buffer.from(SECRET_CSV).toString("base64"), encoding: "base64" },
      },
    ]
      .map((line) => JSON.stringify(line))
      .join("\n"),
  });
  expect(commit.status).toBe(200);
});

afterAll(async () => {
  if (!hub) return;
  await stopHub(hub, "SIGTERM");
  hub.box[Symbol.dispose]();
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

describe("pincer hub serve: bodies", () => {
  it("refuses bodies that are not JSON where JSON is meant (415), and creates nothing", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await api("/api/repos/create", {
        method: "POST",
        headers: { "Content-Type": type },
        body: JSON.stringify({ name: "from-a-form" }),
      });
      expect(res.status, type).toBe(415);
    }
    const noType = await rawRequest(hub.url, {
      method: "POST",
      path: "/api/repos/create",
      headers: auth(),
      body: JSON.stringify({ name: "from-a-form" }),
    });
    expect(noType.status).toBe(415);
    expect((await api("/api/models/local/from-a-form")).status).toBe(404);
    await stillServing();
  });

  it("caps a JSON body by route: 5 MB to repos/create is refused with 413", async () => {
    const res = await rawRequest(hub.url, {
      method: "POST",
      path: "/api/repos/create",
      headers: { ...auth(), ...json },
      body: JSON.stringify({ name: "huge", padding: "x".repeat(5 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    await stillServing();
  });

  it("a signed upload URL for a 10-byte object takes 10 bytes: a streamed 256 MB is cut, disk stays bounded", async () => {
    await api("/api/repos/create", { method: "POST", headers: json, body: JSON.stringify({ name: "uploads" }) });
    const content = Buffer.from("0123456789");
    const oid = createHash("sha256").update(content).digest("hex");
    const batch = await api("/local/uploads.git/info/lfs/objects/batch", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({ operation: "upload", transfers: ["basic"], objects: [{ oid, size: 10 }] }),
    });
    const href = ((await batch.json()) as { objects: Array<{ actions: { upload: { href: string } } }> }).objects[0]!
      .actions.upload.href;
    const before = storedBytes();

    // Chunked: no declared length, so only counting while streaming can stop it.
    const streamed = await streamUpload(href, 256 * 1024 * 1024);
    if (!streamed.cut) expect(streamed.status).toBe(413);
    expect(streamed.sent).toBeLessThan(64 * 1024 * 1024);
    await until(() => storedBytes() === before, "the cut upload's temp file is gone");

    // A declared Content-Length over the object's size is refused before a byte is read.
    const declared = await rawRequest(href, {
      method: "PUT",
      path: new URL(href).pathname + new URL(href).search,
      headers: { "Content-Length": String(1_400_000_000) },
      body: Buffer.alloc(0),
    }).catch(() => ({ status: 0, body: "" }));
    expect([0, 413]).toContain(declared.status);
    expect(storedBytes()).toBe(before);

    // The right 10 bytes still go in.
    const right = await fetch(href, { method: "PUT", body: content });
    expect(right.status).toBe(200);
    await stillServing();
  });
});

describe("pincer hub serve: bodies nobody reads", () => {
  it("reads at most 8 MB of a body sent where none is taken (a GET, a job's cancel, an object already stored)", async () => {
    await api("/api/repos/create", { method: "POST", headers: json, body: JSON.stringify({ name: "twice" }) });
    const content = Buffer.from("stored once");
    const oid = createHash("sha256").update(content).digest("hex");
    const batch = await api("/local/twice.git/info/lfs/objects/batch", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({ operation: "upload", objects: [{ oid, size: content.length }] }),
    });
    const href = ((await batch.json()) as { objects: Array<{ actions: { upload: { href: string } } }> }).objects[0]!
      .actions.upload.href;
    expect((await fetch(href, { method: "PUT", body: content })).status).toBe(200);
    for (const [method, url] of [
      ["GET", `${hub.url}/api/whoami-v2`],
      ["POST", `${hub.url}/api/jobs/local/nope/cancel`],
      ["GET", `${hub.url}/api/models`],
      ["PUT", href],
    ] as const) {
      const streamed = await streamUpload(url, 128 * 1024 * 1024, {
        method,
        headers: auth(),
        keepSending: true,
      });
      expect(streamed.sent, `${method} ${url}`).toBeLessThan(64 * 1024 * 1024);
    }
    await stillServing();
  });
});

describe("pincer hub serve: paths and headers", () => {
  it("refuses traversal in repo names, file paths and revisions, and leaks nothing of the Hub's folder", async () => {
    const attempts = [
      "/api/models/..%2F..%2Fhub/token",
      "/api/datasets/local/..%2Fsecret-data",
      "/datasets/local/secret-data/resolve/main/..%2F..%2F..%2Ftoken",
      "/datasets/local/secret-data/resolve/main/%2e%2e/%2e%2e/token",
      "/datasets/local/secret-data/resolve/..%2F..%2F..%2Ftoken/train.csv",
      "/datasets/local/secret-data/blob/..%2Fmain/train.csv",
      "/api/datasets/local/secret-data/tree/main/..%2F..%2F..",
      "/api/datasets/local/secret-data/tree/..%2F..%2Frefs.json",
      "/papers/..%2F..%2Ftoken.md",
      "/docs/transformers/..%2F..%2F..%2Ftoken",
      "/lfs-objects/..%2Ftoken",
      "/api/jobs/..%2F..%2F/x",
      "/%E0%A4%A",
    ];
    for (const path of attempts) {
      const res = await rawRequest(hub.url, { path, headers: auth() });
      expect([400, 404, 405], `${path} → ${res.status}`).toContain(res.status);
      expect(res.body).not.toContain(token);
    }
    const commit = await api("/api/datasets/local/secret-data/commit/main", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson" },
      body: [
        { key: "header", value: { summary: "escape" } },
        { key: "file", value: { path: "../../../escaped.txt", content: "x" } },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    });
    expect(commit.status).toBe(400);
    expect(existsSync(join(hub.dir, "..", "escaped.txt"))).toBe(false);
    await stillServing();
  });

  it("answers a 64 KB header with 431 and goes on", async () => {
    const res = await rawRequest(hub.url, {
      path: "/api/whoami-v2",
      headers: { ...auth(), "X-Big": "x".repeat(64 * 1024) },
    }).catch(() => ({ status: 0 }));
    expect([0, 431]).toContain(res.status);
    await stillServing();
  });
});

describe("the local Hub's header timeout", () => {
  it("closes a connection that never finishes its headers (slowloris), and serves others meanwhile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-hub-slow-"));
    const slow = await startLocalHub({ dir, headersTimeoutMs: 300, connectionsCheckingIntervalMs: 50 });
    try {
      const idle = idleConnection(slow.url);
      const other = await fetch(`${slow.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${slow.token}` } });
      expect(other.status).toBe(200);
      const answer = await idle.closed;
      expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
    } finally {
      await slow.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a job posted to pincer hub serve", () => {
  it.each([
    ["with bubblewrap as this machine has it", {}],
    ["on a machine without bubblewrap", { PINCER_BWRAP: "/nonexistent/bwrap" }],
  ])(
    "%s: runs confined or not at all; it can't read the Hub's token or data, and the Hub wants the token from it",
    async (_, extraEnv: Record<string, string>) => {
      // Outside /tmp, which a confined job sees as its own empty folder: the home must be there to hide it.
      const cache = fileURLToPath(new URL("../../../../../node_modules/.cache/", import.meta.url));
      mkdirSync(cache, { recursive: true });
      const home = mkdtempSync(join(cache, "pincer-hub-job-home-"));
      using box = sandbox({ PINCER_HOME: home, ...extraEnv });
      const served = await serveHubIn(box, ["--port", "0"]);
      try {
        const jobToken = readFileSync(join(home, "hub", "token"), "utf8").trim();
        const script = [
          "import os, urllib.request",
          `for path in [${JSON.stringify(join(home, "hub", "token"))}, ${JSON.stringify(join(home, "hub", "server.json"))}]:`,
          "    try:",
          "        print('READ', open(path).read())",
          "    except Exception as error:",
          "        print('HIDDEN', type(error).__name__)",
          "try:",
          "    print('HUB', urllib.request.urlopen(os.environ['HF_ENDPOINT'] + '/api/whoami-v2').status)",
          "except Exception as error:",
          "    print('HUB REFUSED', error)",
        ].join("\n");
        const started = await fetch(`${served.url}/api/jobs/local`, {
          method: "POST",
          headers: { Authorization: `Bearer ${jobToken}`, ...json },
          body: JSON.stringify({ script }),
        });
        if (started.status !== 200) {
          // No OS sandbox here: the Hub refuses to run jobs rather than run them unconfined.
          expect(started.status).toBeGreaterThanOrEqual(400);
          expect(await started.text()).toMatch(/sandbox/i);
          return;
        }
        const { id } = (await started.json()) as { id: string };
        const info = await until(
          async () => {
            const res = await fetch(`${served.url}/api/jobs/local/${id}`, {
              headers: { Authorization: `Bearer ${jobToken}` },
            });
            const body = (await res.json()) as { status: { stage: string }; tail: string[] };
            return body.status.stage === "RUNNING" ? undefined : body;
          },
          { message: "the job ends", timeoutMs: 60_000 },
        );
        const log = info.tail.join("\n");
        expect(log).not.toContain(jobToken);
        if (/Refused to run the job/.test(log)) {
          // No OS sandbox here: the job is refused rather than run unconfined.
          expect(info.status.stage).toBe("ERROR");
          expect(log).toMatch(/sandbox|bubblewrap/i);
          return;
        }
        expect(log).not.toContain("READ");
        expect(log).toMatch(/HIDDEN/);
        expect(log).toMatch(/HUB REFUSED.*401/);
      } finally {
        await stopHub(served, "SIGTERM");
        rmSync(home, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
