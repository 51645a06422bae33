import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJobLauncher, probeBwrap } from "@pincer/host";
import { type LocalHub, type LocalHubOptions, startLocalHub } from "@pincer/hub";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll } from "vitest";

type Body = { messages: Array<{ role: string; content: unknown }> };

/**
 * What the Hugging Face e2e files share: a scripted loopback OpenAI model and a local Hub (user
 * `ada`, with a token), started once per file, plus the environment a `pincer` run needs to reach
 * both. `seed` runs on the Hub's folder before it starts (papers, docs); `ready` once it serves.
 */
export function hubSessionFixture(options: {
  token: string;
  /** Names the temp folder, to tell the files' Hubs apart. */
  name: string;
  hub?: Omit<LocalHubOptions, "dir" | "token" | "user">;
  seed?: (dir: string) => void;
  ready?: (hub: LocalHub) => Promise<void>;
}) {
  let server: Awaited<ReturnType<typeof startOpenAIServer>> | undefined;
  let hub: LocalHub | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    server = await startOpenAIServer();
    dir = mkdtempSync(join(tmpdir(), `pincer-e2e-${options.name}-`));
    options.seed?.(dir);
    let url: string | undefined;
    // Jobs run as pincer runs them: in the OS sandbox (where this machine has none, the test
    // gives the explicit opt-in a user would have to give).
    const launcher = createJobLauncher({
      sandbox: probeBwrap().ok ? {} : { os: "off" },
      env: { PATH: process.env.PATH, HOME: dir },
      loopback: () => (url ? { host: "127.0.0.1", port: Number(new URL(url).port) } : undefined),
    });
    hub = await startLocalHub({ dir, token: options.token, user: "ada", jobs: { launcher }, ...options.hub });
    url = hub.url;
    await options.ready?.(hub);
  });
  afterAll(async () => {
    await server?.close();
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("hubSessionFixture: used outside a test (before beforeAll ran)");
    return value;
  };
  const fixture = {
    get server() {
      return started(server);
    },
    get hub() {
      return started(hub);
    },
    get dir() {
      return started(dir);
    },
    /** What a session needs: the model's key and URL, the Hub's URL and token. */
    env: () => ({
      OPENAI_API_KEY: "sk-test-e2e-key-123456",
      OPENAI_BASE_URL: fixture.server.url,
      HF_ENDPOINT: fixture.hub.url,
      HF_TOKEN: options.token,
    }),
    /** The request bodies the model received since `from` (`server.requests.length` before a run). */
    bodies: (from: number) => fixture.server.requests.slice(from).map((request) => request.body as Body),
    /** What the tools told the model, in one request. */
    toolMessages: (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content)),
    /** The model calls these tools, one a turn (ids `call_0`…), then answers "done". */
    callTools: (...calls: Array<[string, Record<string, unknown>]>) => {
      calls.forEach(([name, args], index) => {
        fixture.server.enqueue([
          { toolCalls: [{ id: `call_${index}`, name, arguments: args }] },
          { finish: "tool_calls" },
        ]);
      });
      fixture.server.enqueue([{ text: "done" }, { finish: "stop" }]);
    },
  };
  return fixture;
}
