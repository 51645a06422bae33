import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, type LocalHub, loadPlugin, startLocalHub } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARTIAL_SUFFIX } from "./download-stream.js";
import { type HubProxy, loadViaProxy, startHubProxy } from "./hub-proxy.fixture.js";

/**
 * hf_download of files larger than the plugin's whole heap (128 MB): streamed to disk, verified,
 * then renamed into place; and what a transfer that breaks or lies leaves behind (nothing new).
 */

const token = "hf_download_stream_token";
const MB = 1024 * 1024;
/** Bigger than the isolate's entire heap: a download that held it whole could not finish. */
const BIG = 144 * MB;
/** Where the "CDN" cuts a transfer: past a few 8 MB appends, so the partial had bytes to drop. */
const CUT_AT = 20 * MB;

let hubDir: string;
let workspace: string;
let proxied: string;
let hub: LocalHub;
let plugin: LoadedPlugin;
let viaProxy: LoadedPlugin;
let proxy: HubProxy;
let bigSha: string;
/** What the "CDN" serves: the object as stored, cut off at CUT_AT, or with one byte changed. */
let cdnMode: "honest" | "cut" | "wrong" = "honest";

const text = (result: { content: unknown }): string => String(result.content);
const fileSha = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });

/**
 * The "CDN" behind the proxy (see hub-proxy.fixture.ts): it streams the stored object in
 * `cdnMode`: whole, cut mid-way (the connection closed after CUT_AT bytes of a full
 * Content-Length), or the right length with one byte wrong.
 */
function serveObject(oid: string | undefined, _req: IncomingMessage, res: ServerResponse): void {
  (async () => {
    const upstream = await fetch(`${hub.url}/lfs-objects/${oid}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!upstream.ok || !upstream.body) return void res.writeHead(upstream.status).end();
    // The one object in this repo: its full length announced, whatever follows.
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(BIG) });
    let sent = 0;
    for await (const piece of upstream.body) {
      const chunk = Buffer.from(piece);
      if (cdnMode === "cut" && sent + chunk.length >= CUT_AT) {
        res.write(chunk.subarray(0, CUT_AT - sent));
        // Flushed, then the connection drops with the body unfinished.
        await new Promise((resolve) => setTimeout(resolve, 50));
        res.socket?.destroy();
        return;
      }
      if (cdnMode === "wrong" && sent === 0) chunk[0] = (chunk[0] as number) ^ 0xff;
      sent += chunk.length;
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  })().catch(() => res.destroy());
}

beforeAll(async () => {
  hubDir = mkdtempSync(join(tmpdir(), "pincer-hf-stream-hub-"));
  workspace = mkdtempSync(join(tmpdir(), "pincer-hf-stream-ws-"));
  proxied = mkdtempSync(join(tmpdir(), "pincer-hf-stream-proxied-"));
  hub = await startLocalHub({ dir: hubDir, token, user: "ada" });
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: hub.url, HF_TOKEN: token },
  });
  expect((await plugin.runTool("hf_create_repo", { name: "weights" })).isError).toBeFalsy();
  // Written a megabyte at a time: this process need not hold it either.
  const source = join(workspace, "model.bin");
  const hash = createHash("sha256");
  const fd = openSync(source, "w");
  for (let at = 0; at < BIG; at += MB) {
    const block = randomBytes(MB);
    hash.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  bigSha = hash.digest("hex");
  const up = await plugin.runTool("hf_upload_file", { repo: "ada/weights", path: "model.bin", localPath: "model.bin" });
  expect(up.isError, text(up)).toBeFalsy();
  rmSync(source);

  proxy = await startHubProxy({ hubUrl: hub.url, serveObject });
  viaProxy = await loadViaProxy(plugin, proxy, proxied, token);
}, 180_000);

afterAll(async () => {
  plugin?.dispose();
  viaProxy?.dispose();
  proxy?.close();
  await hub?.close();
  for (const folder of [hubDir, workspace, proxied]) if (folder) rmSync(folder, { recursive: true, force: true });
});

describe("hf_download of a file larger than the sandbox's heap", () => {
  it("streams it to disk byte for byte, reporting progress, and leaves no partial", async () => {
    plugin.updates.length = 0;
    const result = await plugin.runTool("hf_download", { repo: "ada/weights", path: "model.bin", localDir: "big" });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain("./big/model.bin (144 MB, LFS)");
    expect(await fileSha(join(workspace, "big", "model.bin"))).toBe(bigSha);
    expect(existsSync(join(workspace, "big", `model.bin${PARTIAL_SUFFIX}`))).toBe(false);
    const percents = [...plugin.updates.join("").matchAll(/model\.bin: (\d+)%/g)].map((match) => Number(match[1]));
    expect(percents.length).toBeGreaterThanOrEqual(10);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  }, 120_000);

  it("skips it when unchanged, after re-hashing it piece by piece", async () => {
    plugin.updates.length = 0;
    const again = await plugin.runTool("hf_download", { repo: "ada/weights", path: "model.bin", localDir: "big" });
    expect(again.isError, text(again)).toBeFalsy();
    expect(text(again)).toContain("./big/model.bin (144 MB, LFS, unchanged)");
    expect(text(again)).toContain("were already up to date; nothing was downloaded.");
    expect(plugin.updates.join("")).toContain("[1/1] model.bin is up to date");
  }, 120_000);
});

describe("hf_download when the bytes go wrong: the previous file stays", () => {
  const target = () => join(proxied, "big", "model.bin");
  const previous = "the previous weights, kept until a new file verifies";

  async function downloadExpectingFailure(): Promise<string> {
    mkdirSync(join(proxied, "big"), { recursive: true });
    writeFileSync(target(), previous);
    const result = await viaProxy.runTool("hf_download", { repo: "ada/weights", path: "model.bin", localDir: "big" });
    expect(result.isError).toBe(true);
    expect(readFileSync(target(), "utf8")).toBe(previous);
    // What had been appended was dropped: no partial is left beside it.
    expect(existsSync(`${target()}${PARTIAL_SUFFIX}`)).toBe(false);
    expect(text(result)).not.toContain(PARTIAL_SUFFIX);
    expect(text(result)).toContain("The file in the workspace was left as it was");
    return text(result);
  }

  it("reports a body cut mid-way, with how far it got", async () => {
    cdnMode = "cut";
    try {
      const message = await downloadExpectingFailure();
      expect(message).toMatch(/^Downloading model\.bin failed: /);
      expect(message).toMatch(new RegExp(`(ended|broke off) after \\d+ of ${BIG} bytes`));
    } finally {
      cdnMode = "honest";
    }
  }, 120_000);

  it("reports bytes that don't match the sha256 the Hub lists", async () => {
    cdnMode = "wrong";
    try {
      const message = await downloadExpectingFailure();
      expect(message).toContain("it arrived with a different sha256 than the Hub lists");
    } finally {
      cdnMode = "honest";
    }
  }, 120_000);

  it("replaces the previous file once the bytes verify, and the partial goes with it", async () => {
    const result = await viaProxy.runTool("hf_download", { repo: "ada/weights", path: "model.bin", localDir: "big" });
    expect(result.isError, text(result)).toBeFalsy();
    expect(await fileSha(target())).toBe(bigSha);
    expect(existsSync(`${target()}${PARTIAL_SUFFIX}`)).toBe(false);
  }, 120_000);
});
