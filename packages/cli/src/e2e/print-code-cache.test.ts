import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const KEY = { OPENAI_API_KEY: "sk-e2e-code-cache-0001" };

async function oneShot(box: Sandbox): Promise<void> {
  server.enqueue([{ text: "ok" }, { finish: "stop" }]);
  const result = await box.run(["-p", "Say ok.", "--model", "openai/gpt-5"]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe("ok\n");
}

/** A turn that runs the core tools' `read` (a tool path a one-shot never compiles). */
async function toolTurn(box: Sandbox): Promise<void> {
  writeFileSync(join(box.cwd, "note.txt"), "hello\n");
  server.enqueue([
    { toolCalls: [{ id: "r1", name: "read", arguments: { path: "note.txt" } }] },
    { finish: "tool_calls" },
  ]);
  server.enqueue([{ text: "read it" }, { finish: "stop" }]);
  const result = await box.run(["-p", "Read note.txt.", "--model", "openai/gpt-5", "--allowedTools", "read"]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe("read it\n");
  expect(JSON.stringify(server.requests.at(-1)!.body)).toContain("hello");
}

/**
 * A new home's first two starts: the first makes the plugins' snapshots and validates their
 * manifests, so it makes no code cache (its one-off code would be in it); the second makes it.
 */
async function firstTwoStarts(box: Sandbox): Promise<void> {
  await oneShot(box);
  expect(existsSync(join(box.home, ".pincer", "cache", "code"))).toBe(false);
  await oneShot(box);
}

/** The print bundle's code-cache entry (print-bundle.ts): `<key>.bin` and `<key>.sum`. */
function entry(box: Sandbox): { bin: string; sum: string } {
  const dir = join(box.home, ".pincer", "cache", "code");
  const names = readdirSync(dir).filter((name) => name.endsWith(".bin"));
  expect(names).toHaveLength(1);
  const bin = join(dir, names[0]!);
  return { bin, sum: bin.replace(/\.bin$/, ".sum") };
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("pincer -p's code cache", () => {
  it("is made by a turn that succeeded and did no one-off work, and used as it is by the next start", async () => {
    using box = sandbox({ ...KEY, OPENAI_BASE_URL: server.url });
    await firstTwoStarts(box);
    const { bin, sum } = entry(box);
    const made = statSync(bin);
    expect(JSON.parse(readFileSync(sum, "utf8")).sha256).toBe(sha256(readFileSync(bin)));
    await oneShot(box);
    // Neither rejected by V8 nor by its sum: a rejected cache is written again (a new file).
    const after = statSync(bin);
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
  });

  it("made by a turn that ran no tool is made again, once, by the first turn that runs one", async () => {
    using box = sandbox({ ...KEY, OPENAI_BASE_URL: server.url });
    await firstTwoStarts(box);
    const { bin, sum } = entry(box);
    const madeByOneShot = statSync(bin);
    expect(JSON.parse(readFileSync(sum, "utf8")).tools).toBeUndefined();
    await toolTurn(box);
    // The tool path's code is in it now: it is larger, and says so.
    const remade = statSync(bin);
    expect(remade.ino).not.toBe(madeByOneShot.ino);
    expect(remade.size).toBeGreaterThan(madeByOneShot.size);
    expect(JSON.parse(readFileSync(sum, "utf8"))).toMatchObject({ tools: true, sha256: sha256(readFileSync(bin)) });
    // Later turns, with a tool or without, use it as it is.
    await toolTurn(box);
    await oneShot(box);
    const after = statSync(bin);
    expect([after.ino, after.mtimeMs]).toEqual([remade.ino, remade.mtimeMs]);
  });

  it("is not made by a start that failed", async () => {
    using box = sandbox({ OPENAI_BASE_URL: server.url });
    const result = await box.run(["-p", "Say ok.", "--model", "openai/gpt-5"]);
    expect(result.code).not.toBe(0);
    expect(existsSync(join(box.home, ".pincer", "cache", "code"))).toBe(false);
  });

  it("whose bytes were changed is never given to V8: the turn runs and the entry is made again", async () => {
    using box = sandbox({ ...KEY, OPENAI_BASE_URL: server.url });
    await firstTwoStarts(box);
    const { bin, sum } = entry(box);
    const bytes = readFileSync(bin);
    // V8 checks a cache's header, not its payload: bytes flipped in the middle pass its checks.
    for (let at = bytes.length >> 1; at < (bytes.length >> 1) + 64; at++) bytes[at]! ^= 0xff;
    writeFileSync(bin, bytes);
    await oneShot(box);
    const remade = readFileSync(bin);
    expect(remade.equals(bytes)).toBe(false);
    expect(JSON.parse(readFileSync(sum, "utf8")).sha256).toBe(sha256(remade));
  });

  it("that V8 refuses (its sum matches, its format does not) is made again", async () => {
    using box = sandbox({ ...KEY, OPENAI_BASE_URL: server.url });
    await firstTwoStarts(box);
    const { bin, sum } = entry(box);
    const junk = Buffer.alloc(4096, 7);
    writeFileSync(bin, junk);
    const kept = JSON.parse(readFileSync(sum, "utf8"));
    const stat = statSync(bin);
    kept.sha256 = sha256(junk);
    kept.bin = { size: stat.size, ino: stat.ino, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
    writeFileSync(sum, JSON.stringify(kept));
    await oneShot(box);
    expect(readFileSync(bin).equals(junk)).toBe(false);
    expect(JSON.parse(readFileSync(sum, "utf8")).sha256).toBe(sha256(readFileSync(bin)));
  });

  it("made from another copy of the bundle is not used", async () => {
    using box = sandbox({ ...KEY, OPENAI_BASE_URL: server.url });
    await firstTwoStarts(box);
    const { bin, sum } = entry(box);
    const kept = JSON.parse(readFileSync(sum, "utf8"));
    kept.source.ino += 1;
    writeFileSync(sum, JSON.stringify(kept));
    const before = statSync(bin);
    await oneShot(box);
    expect(statSync(bin).ino).not.toBe(before.ino);
    expect(JSON.parse(readFileSync(sum, "utf8")).source.ino).toBe(kept.source.ino - 1);
  });

  it("is never read through a link or from a FIFO: the turn runs and a regular file takes its place", async () => {
    using box = sandbox({ ...KEY, OPENAI_BASE_URL: server.url });
    await firstTwoStarts(box);
    const { bin } = entry(box);
    // The link points at the real bytes elsewhere: followed, they would pass the sum's hash.
    const elsewhere = join(box.home, "elsewhere.bin");
    const real = readFileSync(bin);
    writeFileSync(elsewhere, real);
    rmSync(bin);
    symlinkSync(elsewhere, bin);
    await oneShot(box);
    expect(lstatSync(bin).isFile()).toBe(true);
    expect(readFileSync(elsewhere).equals(real)).toBe(true);
    rmSync(bin);
    // A FIFO with no writer would block an open without O_NONBLOCK, and a read for ever.
    expect(spawnSync("mkfifo", [bin]).status).toBe(0);
    await oneShot(box);
    expect(lstatSync(bin).isFile()).toBe(true);
  });
});
