import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probeBwrap } from "@pincer/host";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

// What a one-shot turn must not load. Each was loaded once by an ESM import of a built-in, whose
// facade reads every export and so runs its lazy getters: undici (Node's fetch) through node:http,
// the fs streams and REPL history through node:fs. TLS has no use when the model is on loopback http.
// The rest were required when the CLI's chunk was evaluated, used or not, until scripts/bundle.mjs
// made the built-ins Node has not loaded itself load on first use: a text turn spawns nothing,
// compresses nothing, resolves no name and reads no line.
const NEVER = [
  "NativeModule internal/deps/undici/undici",
  "NativeModule tls",
  "NativeModule internal/fs/streams",
  // Except where bubblewrap is installed but cannot build a sandbox (no user namespaces): a failed
  // probe is never taken from disk (nobody may make Pincer believe it has no sandbox by writing a
  // file), so every process probes again, and the probe is a spawn (child_process loads dgram).
  ...(probeSpawnsEveryStart() ? [] : ["NativeModule child_process", "NativeModule dgram"]),
  "NativeModule zlib",
  "NativeModule dns",
  "NativeModule internal/fs/promises",
  "NativeModule internal/readline/interface",
  // Read through node:util's lazy exports when the CLI's chunk wrapped node:util for its importers
  // (scripts/bundle.mjs now wraps a stub): worker_threads and the assert diff, for nothing.
  "NativeModule worker_threads",
  "NativeModule internal/util/diff",
  // Ids and tokens come from /dev/urandom and short cache keys are hashed in JavaScript (the
  // kernel's random.ts and sha256.ts): node:crypto and OpenSSL's start-up were ~4 ms and ~2 MiB.
  "NativeModule crypto",
];

function probeSpawnsEveryStart(): boolean {
  const probe = probeBwrap();
  return !probe.ok && !probe.reason.endsWith("is not installed");
}

describe("start-up of pincer -p", () => {
  it("loads neither Node's fetch, nor TLS, nor the fs streams, nor child_process, zlib or dns, nor node:crypto, nor node-gyp-build for a turn against a loopback model", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-startup-0001", OPENAI_BASE_URL: server.url });
    const out = join(box.home, "modules.txt");
    const urlsOut = join(box.home, "urls.txt");
    const preload = join(box.home, "modules.cjs");
    // CommonJS and required built-ins: the probe itself must not load what it looks for.
    writeFileSync(
      preload,
      `const urls = []; require("node:module").registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.push(r.url); return r; } });
process.on("exit", () => { require("node:fs").writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join("\\n")); require("node:fs").writeFileSync(${JSON.stringify(urlsOut)}, urls.join("\\n")); });`,
    );
    // The first run in a new home probes bubblewrap once (a spawn) and fills its caches, the second
    // makes -p's code cache (print-bundle.ts); every later start is like the third.
    for (let run = 0; run < 2; run++) {
      server.enqueue([{ text: "ok" }, { finish: "stop" }]);
      expect((await box.run(["-p", "Say ok.", "--model", "openai/gpt-5"])).code).toBe(0);
    }
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const result = await box.run(["-p", "Say ok.", "--model", "openai/gpt-5"], {
      env: { NODE_OPTIONS: `--require ${preload}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("ok\n");
    const loaded = readFileSync(out, "utf8").split("\n");
    expect(loaded).toContain("NativeModule net");
    for (const module of NEVER) expect(loaded, module).not.toContain(module);
    // isolated-vm's binary is required directly (scripts/isolated-vm-loader.cjs), not searched for
    // by node-gyp-build (~3 ms of CPU a start).
    const urls = readFileSync(urlsOut, "utf8").split("\n");
    expect(urls.some((url) => /isolated-vm\.abi\d+.*\.node$/.test(url))).toBe(true);
    expect(urls.filter((url) => url.includes("node-gyp-build"))).toEqual([]);
    // The MCP SDK (with zod and Ajv) is a file apart, read only by a session with MCP servers.
    expect(urls.filter((url) => /\/bundle\/print-mcp\.cjs$/.test(url))).toEqual([]);
  });
});

describe("a tool turn of pincer -p", () => {
  it("checks a core tool's arguments with the validator compiled at build time, never loading Ajv", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-startup-0002", OPENAI_BASE_URL: server.url });
    const out = join(box.home, "urls.txt");
    const preload = join(box.home, "urls.cjs");
    // Every module the process resolves, the bundle's files included (Ajv is a file of its own).
    writeFileSync(
      preload,
      `const urls = []; require("node:module").registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.push(r.url); return r; } });
process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, urls.join("\\n")));`,
    );
    // A call missing a required argument, refused by the schema; then the call that works.
    server.enqueue([
      { toolCalls: [{ id: "call_1", name: "write", arguments: { path: "a.txt" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      { toolCalls: [{ id: "call_2", name: "write", arguments: { path: "a.txt", content: "hi\n" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const result = await box.run(["-p", "Write a.txt", "--model", "openai/gpt-5", "--permission-mode", "acceptEdits"], {
      env: { NODE_OPTIONS: `--require ${preload}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(box.cwd, "a.txt"), "utf8")).toBe("hi\n");
    const refusal = (server.requests.at(-2)!.body as { messages: Array<{ role: string; content: unknown }> }).messages
      .filter((message) => message.role === "tool")
      .map((message) => JSON.stringify(message.content));
    expect(refusal.join("\n")).toContain("must have required property 'content'");
    const urls = readFileSync(out, "utf8").split("\n");
    // `-p` runs the print bundle, which requires both from files of their own (scripts/bundle.mjs).
    expect(urls.some((url) => /\/bundle\/print-tool-validators\.cjs$/.test(url))).toBe(true);
    expect(urls.filter((url) => /\/chunks\/ajv-\w+\.js$|\/bundle\/print-ajv\.cjs$/.test(url))).toEqual([]);
  });
});
