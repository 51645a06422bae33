import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelRequest, Provider, ProviderEvent } from "@pincer/kernel";
import { until } from "@pincer/testing";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry, type RegistryContext } from "./registry.js";
import { SharedSandboxes } from "./shared-sandboxes.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * A provider whose request's system prompt says what to do: `talk:<tag>` sends 40 deltas
 * `<tag>:<i>`, yielding to the event loop between them (so two calls interleave); `hold:<tag>`
 * sends one delta and then waits for its abort; `spin` never returns (a CPU limit stops it);
 * `env` sends the PROBE_KEY it was granted.
 */
const providerBundle = `globalThis.__pincerPlugin = { default: { providers: [{
  id: "probe", models: [{ id: "m", contextWindow: 1000 }],
  create: ({ env }) => ({
    async *stream(request, signal) {
      const [mode, tag] = request.systemPrompt.split(":");
      const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
      if (mode === "talk") {
        for (let i = 0; i < 40; i++) { yield { type: "text_delta", text: tag + ":" + i + " " }; await tick(); }
      } else if (mode === "hold") {
        yield { type: "text_delta", text: tag + ":held " };
        while (!signal.aborted) await tick();
        yield { type: "text_delta", text: tag + ":saw-abort " };
      } else if (mode === "spin") {
        yield { type: "text_delta", text: "spinning " };
        await tick();
        for (;;) {}
      } else if (mode === "env") {
        yield { type: "text_delta", text: String(env.get("PROBE_KEY")) };
      }
      yield { type: "stop", reason: "stop" };
    },
  }),
}] } };`;

function providerPlugin(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-shared-provider-")));
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: "probe-provider",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { providers: ["probe"] },
      capabilities: { env: ["PROBE_KEY"] },
    }),
  );
  writeFileSync(join(dir, "dist/plugin.js"), providerBundle);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A session's registry with the provider plugin, on the shared pool. */
async function session(
  pool: SharedSandboxes,
  dir: string,
  context: Partial<RegistryContext> = {},
): Promise<{ registry: PluginRegistry; provider: Provider }> {
  const registry = new PluginRegistry({ cwd: tmpdir(), env: { PROBE_KEY: "one" }, sharedSandboxes: pool, ...context });
  cleanups.push(() => registry.dispose());
  registry.add(dir);
  return { registry, provider: (await registry.loadProvider("probe")).provider };
}

function request(systemPrompt: string): ModelRequest {
  return { model: "m", systemPrompt, messages: [], tools: [] };
}

/** The call's text, and its error if it ended with one. */
async function run(provider: Provider, prompt: string, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  for await (const event of provider.stream(request(prompt), signal)) events.push(event);
  const text = events.map((event) => (event.type === "text_delta" ? event.text : "")).join("");
  const error = events.find((event) => event.type === "error");
  return { text, error: error?.type === "error" ? error : undefined, events };
}

describe("provider sandboxes shared between sessions", () => {
  it("serves two sessions from one isolate, each call's events reaching only that call", async () => {
    const pool = new SharedSandboxes();
    const dir = providerPlugin();
    const a = await session(pool, dir);
    const b = await session(pool, dir);
    expect(pool.size).toBe(1);
    const [first, second] = await Promise.all([run(a.provider, "talk:A"), run(b.provider, "talk:B")]);
    expect(first.text.trim().split(" ")).toEqual(Array.from({ length: 40 }, (_, i) => `A:${i}`));
    expect(second.text.trim().split(" ")).toEqual(Array.from({ length: 40 }, (_, i) => `B:${i}`));
    expect(first.events.at(-1)).toEqual({ type: "stop", reason: "stop" });
    expect(second.events.at(-1)).toEqual({ type: "stop", reason: "stop" });
  });

  it("aborts one session's call while the other's streams on, untouched", async () => {
    const pool = new SharedSandboxes();
    const dir = providerPlugin();
    const a = await session(pool, dir);
    const b = await session(pool, dir);
    const abort = new AbortController();
    const held: ProviderEvent[] = [];
    const holding = (async () => {
      for await (const event of a.provider.stream(request("hold:A"), abort.signal)) held.push(event);
    })();
    await until(() => held.length > 0, { message: "the held call's first event" });
    const talking = run(b.provider, "talk:B");
    abort.abort();
    await holding;
    const other = await talking;
    expect(held.map((event) => (event.type === "text_delta" ? event.text : event.type)).join("")).not.toContain("B:");
    expect(held.some((event) => event.type === "text_delta" && event.text === "A:saw-abort ")).toBe(true);
    expect(other.text.trim().split(" ")).toEqual(Array.from({ length: 40 }, (_, i) => `B:${i}`));
    expect(other.error).toBeUndefined();
  });

  it("reports a call stopped by a limit to its session, and starts a fresh isolate for the next call", async () => {
    const pool = new SharedSandboxes();
    const dir = providerPlugin();
    const limits = { sandboxLimits: { cpuMsPerCall: 300 } };
    const a = await session(pool, dir, limits);
    const b = await session(pool, dir, limits);
    // B's call runs on the same isolate when A's is stopped: B is told why, as an error it may retry.
    const waiting = run(b.provider, "hold:B");
    const spun = await run(a.provider, "spin");
    const collateral = await waiting;
    // Which of the two used the CPU cannot be told from outside the isolate: both are told, and
    // both may be tried again (a runaway is stopped again, each time within the limit).
    for (const stopped of [spun, collateral]) {
      expect(stopped.error?.message).toMatch(/probe-provider was stopped.*used more than 300 ms of CPU/);
      expect(stopped.error?.retryable).toBe(true);
    }
    expect(collateral.text).not.toContain("spinning");
    expect(spun.text).not.toContain("B:");
    // Alone on its isolate, the runaway is the one stopped, and told so without a retry.
    const alone = await run(a.provider, "spin");
    expect(alone.error?.message).toMatch(/probe-provider was stopped: it used more than 300 ms of CPU\./);
    expect(alone.error?.retryable).toBe(false);
    // The same shared sandbox, its isolate started afresh: the other session's next call is served.
    expect(pool.size).toBe(1);
    expect((await run(b.provider, "talk:B")).error).toBeUndefined();
    expect((await run(a.provider, "talk:A")).text).toContain("A:39");
  });

  it("gives sessions whose plugin would see different values each its own isolate", async () => {
    const pool = new SharedSandboxes();
    const dir = providerPlugin();
    const one = await session(pool, dir, { env: { PROBE_KEY: "one" } });
    const two = await session(pool, dir, { env: { PROBE_KEY: "two" } });
    expect(pool.size).toBe(2);
    expect((await run(one.provider, "env")).text).toBe("one");
    expect((await run(two.provider, "env")).text).toBe("two");
    // Variables a service lays over one session move it to a sandbox of its own; the other keeps its value.
    const undo = one.registry.overlayEnv({ PROBE_KEY: "overlaid" });
    expect((await run(one.provider, "env")).text).toBe("overlaid");
    expect((await run(two.provider, "env")).text).toBe("two");
    undo();
    expect((await run(one.provider, "env")).text).toBe("one");
  });

  it("stops a shared isolate once the last session holding it lets go", async () => {
    const pool = new SharedSandboxes();
    const dir = providerPlugin();
    const a = await session(pool, dir);
    const b = await session(pool, dir);
    expect(a.registry.startedPlugins()).toEqual(["probe-provider"]);
    a.registry.dispose();
    expect(pool.size).toBe(1);
    expect((await run(b.provider, "talk:B")).error).toBeUndefined();
    b.registry.dispose();
    expect(pool.size).toBe(0);
  });
});
