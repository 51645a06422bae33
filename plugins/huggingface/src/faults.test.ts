import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, type LocalHub, loadPlugin, startLocalHub, until } from "@pincer/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fault, startFaultProxy } from "./fault-proxy.fixture.js";

/**
 * The Hub's failures, as the tools meet them: a proxy in front of a real local Hub answers some
 * requests itself (a status, a Retry-After) or cuts an upload mid-body, and forwards the rest with
 * the Host header kept, so the LFS upload links the Hub hands out point back through it.
 */

const token = "hf_faults_test_token";
let dir: string;
let workspace: string;
let hub: LocalHub;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let proxyUrl: string;
let plugin: LoadedPlugin;
let faults: Fault[] = [];
let seen: string[] = [];

const text = (result: { content: unknown }): string => String(result.content);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hf-faults-hub-"));
  workspace = mkdtempSync(join(tmpdir(), "pincer-hf-faults-ws-"));
  hub = await startLocalHub({ dir, token, user: "ada" });
  proxy = await startFaultProxy(hub.url, { faults: () => faults, seen: (line) => seen.push(line) });
  proxyUrl = proxy.url;
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: proxyUrl, HF_TOKEN: token },
  });
  expect((await plugin.runTool("hf_create_repo", { name: "faulty" })).isError).toBeFalsy();
  await plugin.runTool("hf_upload_file", { repo: "ada/faulty", path: "README.md", content: "# faulty\n" });
});

beforeEach(() => {
  faults = [];
  seen = [];
});

afterAll(async () => {
  plugin?.dispose();
  await proxy?.close();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

const path = (prefix: string) => (req: IncomingMessage) => (req.url ?? "").startsWith(prefix);
const commits = async () =>
  (
    await (
      await fetch(`${hub.url}/api/models/ada/faulty/commits/main`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()
  ).length as number;

describe("Hub faults as the tools report them", () => {
  it("401: a rejected token", async () => {
    const stranger = await loadPlugin(new URL("..", import.meta.url), {
      env: { HF_ENDPOINT: proxyUrl, HF_TOKEN: "hf_not_the_token" },
    });
    try {
      const result = await stranger.runTool("hf_repo_files", { repo: "ada/faulty" });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^HTTP 401: HF_TOKEN was rejected: set HF_TOKEN to a valid token/);
    } finally {
      stranger.dispose();
    }
  });

  it("403: not allowed, and not retried", async () => {
    faults.push({
      match: path("/api/repos/create"),
      times: Infinity,
      status: 403,
      body: { error: 'You don\'t have the rights to create a model under the namespace "openai"' },
    });
    const result = await plugin.runTool("hf_create_repo", { name: "openai/gpt-9" });
    expect(text(result)).toMatch(
      /^HTTP 403: HF_TOKEN is not allowed to do this: use a token with write access to this repo or its organization/,
    );
    expect(text(result)).toContain('the namespace "openai"');
    expect(seen.filter((s) => s === "POST /api/repos/create")).toHaveLength(1);
  });

  it("404: a repo that doesn't exist, and 409: creating one that does", async () => {
    const missing = await plugin.runTool("hf_repo_files", { repo: "ada/no-such-model" });
    expect(text(missing)).toMatch(/^HTTP 404: The model repo ada\/no-such-model doesn't exist/);
    const exists = await plugin.runTool("hf_create_repo", { name: "faulty" });
    expect(text(exists)).toMatch(/^HTTP 409: The model repo faulty already exists/);
  });

  it("429: waits as Retry-After says, then succeeds", async () => {
    faults.push({ match: path("/api/models/ada/faulty/tree"), times: 2, status: 429, headers: { "Retry-After": "1" } });
    const started = performance.now();
    const result = await plugin.runTool("hf_repo_files", { repo: "ada/faulty" });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain("README.md");
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    expect(seen.filter((s) => s.startsWith("GET /api/models/ada/faulty/tree"))).toHaveLength(3);
  }, 20_000);

  it("429: gives up after a bounded number of tries, or at once when asked to wait too long", async () => {
    faults.push({
      match: path("/api/models/ada/faulty/tree"),
      times: Infinity,
      status: 429,
      headers: { "Retry-After": "0" },
    });
    const limited = await plugin.runTool("hf_repo_files", { repo: "ada/faulty" });
    expect(text(limited)).toMatch(/^HTTP 429 \(tried 4 times\): Rate limited by the Hub: wait 0 seconds/);
    expect(seen).toHaveLength(4);

    faults = [
      { match: path("/api/models/ada/faulty/tree"), times: Infinity, status: 429, headers: { "Retry-After": "3600" } },
    ];
    seen = [];
    const started = performance.now();
    const long = await plugin.runTool("hf_repo_files", { repo: "ada/faulty" });
    expect(text(long)).toMatch(/^HTTP 429 \(the Hub asked to wait 3600 s, longer than the 60 s this tool waits\)/);
    expect(text(long)).toContain("wait 3600 seconds before trying again");
    expect(seen).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5000);
  }, 20_000);

  it("500 and 502: retried with backoff, then a clear message", async () => {
    faults.push({ match: path("/api/models/ada/faulty/tree"), times: 1, status: 500 });
    const recovered = await plugin.runTool("hf_repo_files", { repo: "ada/faulty" });
    expect(recovered.isError, text(recovered)).toBeFalsy();
    expect(seen).toHaveLength(2);

    faults = [
      { match: path("/api/models/ada/faulty/tree"), times: Infinity, status: 502, body: { error: "Bad gateway" } },
    ];
    seen = [];
    const started = performance.now();
    const failed = await plugin.runTool("hf_repo_files", { repo: "ada/faulty" });
    expect(text(failed)).toBe(
      "HTTP 502 (tried 4 times): The Hub had a server error: try again later. (the Hub said: Bad gateway)",
    );
    expect(seen).toHaveLength(4);
    // 0.5 s + 1 s + 2 s of backoff.
    expect(performance.now() - started).toBeGreaterThanOrEqual(3400);
  }, 20_000);

  it("503 on a commit: not repeated (it may have landed), and the message says to check", async () => {
    const before = await commits();
    faults.push({ match: path("/api/models/ada/faulty/commit/"), times: Infinity, status: 503 });
    const result = await plugin.runTool("hf_upload_file", { repo: "ada/faulty", path: "x.txt", content: "x" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(
      /^HTTP 503: The Hub had a server error.*the commit may or may not have landed: check with hf_repo_files/,
    );
    expect(seen.filter((s) => s.startsWith("POST /api/models/ada/faulty/commit/"))).toHaveLength(1);
    expect(await commits()).toBe(before);
  });

  it("an LFS upload cut mid-way is sent once more and lands whole", async () => {
    const weights = randomBytes(2 * 1024 * 1024);
    weights[0] = 0;
    writeFileSync(join(workspace, "weights.bin"), weights);
    faults.push({ match: (req) => req.method === "PUT" && path("/lfs-objects/")(req), times: 1, cutAfter: 256 * 1024 });
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/faulty",
      path: "weights.bin",
      localPath: "weights.bin",
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(seen.filter((s) => s.startsWith("PUT /lfs-objects/"))).toHaveLength(2);
    const back = await fetch(`${hub.url}/ada/faulty/resolve/main/weights.bin`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(Buffer.from(await back.arrayBuffer()).equals(weights)).toBe(true);
  });

  it("an LFS upload cut every time fails clearly and leaves the repo unchanged", async () => {
    const before = await commits();
    const tree = await (
      await fetch(`${hub.url}/api/models/ada/faulty/tree/main`, { headers: { Authorization: `Bearer ${token}` } })
    ).json();
    const blobs = readdirSync(join(dir, "blobs")).length;
    writeFileSync(join(workspace, "cut.bin"), Buffer.concat([Buffer.from([0]), randomBytes(1024 * 1024)]));
    faults.push({ match: (req) => req.method === "PUT", times: Infinity, cutAfter: 64 * 1024 });
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/faulty",
      path: "cut.bin",
      localPath: "cut.bin",
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(
      /^Uploading cut\.bin failed: Could not reach http:\/\/127\.0\.0\.1:\d+: .* \(tried 2 times\); nothing was committed, so ada\/faulty is unchanged\. Run the tool again to retry\.$/,
    );
    expect(seen.filter((s) => s.startsWith("PUT /lfs-objects/"))).toHaveLength(2);
    expect(seen.some((s) => s.includes("/commit/"))).toBe(false);
    expect(await commits()).toBe(before);
    const after = await (
      await fetch(`${hub.url}/api/models/ada/faulty/tree/main`, { headers: { Authorization: `Bearer ${token}` } })
    ).json();
    expect(after).toEqual(tree);
    expect(readdirSync(join(dir, "blobs"))).toHaveLength(blobs);
    // The Hub drops its partial file once it notices the cut connection, which may take a moment under load.
    await until(() => readdirSync(join(dir, "tmp")).length === 0, "the temporary files to go");
  });

  it("a gated dataset: 403 with what to do; a missing one: 404", async () => {
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    await fetch(`${hub.url}/api/repos/create`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "gated-set", organization: "bigorg", type: "dataset" }),
    });
    await fetch(`${hub.url}/api/datasets/bigorg/gated-set/commit/main`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/x-ndjson" },
      body: `{"key":"header","value":{"summary":"data"}}\n{"key":"file","value":{"path":"train.csv","content":"text,label\\nhi,1\\n"}}`,
    });
    await fetch(`${hub.url}/api/datasets/bigorg/gated-set/settings`, {
      method: "PUT",
      headers,
      body: '{"gated":"manual"}',
    });

    const read = await plugin.runTool("hf_read_file", { repo: "bigorg/gated-set", type: "dataset", path: "train.csv" });
    expect(text(read)).toMatch(
      /^HTTP 403: The file train\.csv in the dataset repo bigorg\/gated-set is gated: open its page on the Hub, accept the conditions or request access/,
    );
    expect(text(read)).toContain("not in the authorized list");
    const inspect = await plugin.runTool("hf_dataset_inspect", { dataset: "bigorg/gated-set" });
    expect(text(inspect)).toMatch(/^HTTP 403: The dataset bigorg\/gated-set .* is gated/);
    const missing = await plugin.runTool("hf_dataset_inspect", { dataset: "bigorg/no-such-set" });
    expect(text(missing)).toMatch(/^HTTP 404: .*bigorg\/no-such-set.* doesn't exist/);
  });
});
