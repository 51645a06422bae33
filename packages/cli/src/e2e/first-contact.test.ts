import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_COMMANDS, sandbox } from "./run-cli.js";
import { Terminal } from "./terminal.js";

/**
 * A newcomer's first commands on a machine with no provider configured: guidance, exit 2, and
 * nothing written, started or uploaded. A recorded model runs only when named.
 */
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

function expectGuidance(text: string): void {
  expect(text).toContain("No model provider is configured");
  for (const line of [
    "openai      OPENAI_API_KEY",
    "anthropic   ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN",
    "hf          HF_TOKEN",
    "openrouter  OPENROUTER_API_KEY",
    "pincer demo",
    "pincer intern demo",
    "pnpm demo",
  ]) {
    expect(text).toContain(line);
  }
}

/** Nothing under PINCER_HOME but what the user put there, and an untouched project folder. */
function expectNothingWritten(box: ReturnType<typeof sandbox>): void {
  const home = box.env.PINCER_HOME!;
  expect(existsSync(join(home, "sessions")) ? readdirSync(join(home, "sessions")) : []).toEqual([]);
  expect(existsSync(join(home, "hub"))).toBe(false);
  expect(readdirSync(box.cwd)).toEqual([]);
}

describe("first contact without a key", () => {
  it("pincer -p: which providers exist, the variable each needs, the offline demos; exit 2, no session", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hello"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expectGuidance(result.stderr);
    expectNothingWritten(box);
    // The recording is never a silent stand-in: permission mode does not matter either.
    const accepting = await box.run(["-p", "hello", "--permission-mode", "acceptEdits"]);
    expect(accepting.code).toBe(2);
    expectNothingWritten(box);
  });

  it("pincer in a terminal: the same guidance before the terminal is taken over, exit 2", async () => {
    using box = sandbox();
    const terminal = new Terminal({ env: box.env, cwd: box.cwd, cols: 200 });
    try {
      await terminal.waitFor("No model provider is configured", { scrollback: true });
      expect(await terminal.exit()).toBe(2);
      expectGuidance(terminal.transcript());
      expectNothingWritten(box);
    } finally {
      terminal.kill();
    }
  });

  it("pincer intern: the guidance before a Hub starts or anything is uploaded", async () => {
    let hubRequests = 0;
    const hub = createServer((_req, res) => {
      hubRequests++;
      res.end("{}");
    });
    await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
    try {
      using box = sandbox({ HF_ENDPOINT: `http://127.0.0.1:${(hub.address() as AddressInfo).port}` });
      const result = await box.run(["intern", "reproduce arXiv:2607.00042"]);
      expect(result.code).toBe(2);
      expectGuidance(result.stderr);
      expect(hubRequests).toBe(0);
      expectNothingWritten(box);
    } finally {
      hub.closeAllConnections();
      await new Promise((resolve) => hub.close(resolve));
    }
  });

  it("a model named without its key: which variable, exit 2, no session", async () => {
    using box = sandbox({ OPENAI_BASE_URL: server.url });
    const result = await box.run(["-p", "hello", "--model", "anthropic/claude-sonnet-5-5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN is not set: anthropic/claude-sonnet-5-5 needs one of them",
    );
    expectNothingWritten(box);
  });

  it("a model set in config for a provider with no key: the same, naming the variable", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify({ model: "hf/openai/gpt-oss-120b" }));
    const result = await box.run(["-p", "hello"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HF_TOKEN is not set: hf/openai/gpt-oss-120b needs it");
  });
});

describe("the model a session starts with", () => {
  it("is the keyed provider's default when none is named", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-first-contact-123456", OPENAI_BASE_URL: server.url });
    server.enqueue([{ text: "Hello." }, { finish: "stop" }]);
    const result = await box.run(["-p", "hello", "--output-format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ result: "Hello.", is_error: false });
    expect((server.requests.at(-1)!.body as { model: string }).model).toBe("gpt-5");
  });

  it("is the first model of an endpoint declared in config, which needs no key of its own", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({
        providers: {
          local: {
            type: "openai-compatible",
            baseURL: server.url,
            models: [{ id: "qwen-local", contextWindow: 32768, price: { input: 0, output: 0 } }],
          },
        },
      }),
    );
    server.enqueue([{ text: "Local hello." }, { finish: "stop" }]);
    const result = await box.run(["-p", "hello"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Local hello.\n");
    expect((server.requests.at(-1)!.body as { model: string }).model).toBe("qwen-local");
  });

  it("is a recording only when asked for by name", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hello", "--model", "replay/coding-demo", "--output-format", "json"]);
    // The recording answers its own task; headless, its writes are denied and nothing lands here.
    expect(JSON.parse(result.stdout)).toMatchObject({ session_id: expect.any(String) });
    expect(readdirSync(box.cwd)).toEqual([]);
  });
});

describe("pincer demo", () => {
  it("works in a scratch folder it names, never in the folder it is run from", async () => {
    using box = sandbox();
    const result = await box.run(["demo", ...RUN_COMMANDS]);
    expect(result.code, result.stderr).toBe(0);
    const scratch = /scratch: (\S+)/.exec(result.stdout)?.[1];
    expect(scratch).toBeDefined();
    expect(readdirSync(scratch!)).toEqual(expect.arrayContaining(["fizzbuzz.js", "fizzbuzz.test.js"]));
    expect(readdirSync(box.cwd)).toEqual([]);
  });
});
