import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { openaiQuietLog, quietLogClient } from "./openai-quiet-log.mjs";
import { bundleOpenaiClient, sdkDir, webGlobals } from "./openai-sdk.fixture.js";
import { openaiUnused } from "./openai-unused.mjs";

/** A sandbox-style bundle of the SDK's client, with or without the rewrite. */
const bundle = (quiet: boolean) => bundleOpenaiClient(quiet ? [openaiUnused, openaiQuietLog] : [openaiUnused]);

interface Run {
  lines: Array<[string, unknown[]]>;
  urlsParsed: number;
  headerListings: number;
  text: string;
}

/** One streamed chat call through the bundled client at `logLevel`, counting the URL parses and header listings it made. */
async function chatOnce(code: string, logLevel?: string): Promise<Run> {
  const counted = { urlsParsed: 0, headerListings: 0 };
  class CountedURL extends URL {
    constructor(input: string | URL, base?: string | URL) {
      super(input, base);
      counted.urlsParsed++;
    }
  }
  class CountedHeaders extends Headers {
    override entries() {
      counted.headerListings++;
      return super.entries();
    }
  }
  const sandbox: Record<string, unknown> = { ...webGlobals(), URL: CountedURL, Headers: CountedHeaders };
  runInNewContext(code, sandbox);
  const { OpenAI } = sandbox.__sdk as { OpenAI: new (options: object) => SdkClient };
  const lines: Array<[string, unknown[]]> = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push([level, args]);
  const client = new OpenAI({
    apiKey: "sk-secret-key",
    baseURL: "http://127.0.0.1:9/v1?api_key=secret-in-url",
    maxRetries: 0,
    ...(logLevel ? { logLevel } : {}),
    logger: { error: record("error"), warn: record("warn"), info: record("info"), debug: record("debug") },
    fetch: async (url: string) => {
      const chunk = { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "ok" } }] };
      const response = new Response(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`, {
        headers: { "content-type": "text/event-stream", "x-request-id": "req_1" },
      });
      Object.defineProperty(response, "headers", { value: new CountedHeaders(response.headers) });
      Object.defineProperty(response, "url", { value: String(url) });
      return response;
    },
  });
  const before = { ...counted };
  const chat = await client.chat.completions.create({ model: "m", messages: [], stream: true });
  let text = "";
  for await (const chunk of chat as AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>) {
    text += chunk.choices[0]?.delta.content ?? "";
  }
  return {
    lines,
    text,
    urlsParsed: counted.urlsParsed - before.urlsParsed,
    headerListings: counted.headerListings - before.headerListings,
  };
}

describe("the openai SDK's log text made only at the levels that show it", () => {
  it("at the default level a call parses no URL and lists no headers for its log, and still streams", async () => {
    const [full, quiet] = await Promise.all([bundle(false), bundle(true)]);
    const [fullRun, quietRun] = [await chatOnce(full), await chatOnce(quiet)];
    expect(quietRun.text).toBe("ok");
    expect(quietRun.lines).toEqual([]);
    expect(fullRun.lines).toEqual([]);
    // The SDK unchanged parses the URL twice more (to redact it for the summary line and for the
    // debug details) and lists the response's headers once more (the summary's request id).
    expect(fullRun.urlsParsed - quietRun.urlsParsed).toBeGreaterThanOrEqual(2);
    expect(fullRun.headerListings - quietRun.headerListings).toBeGreaterThanOrEqual(1);
  });

  it("at info and debug the lines are what they were, secrets redacted", async () => {
    const [full, quiet] = await Promise.all([bundle(false), bundle(true)]);
    for (const level of ["info", "debug"]) {
      const [fullRun, quietRun] = [await chatOnce(full, level), await chatOnce(quiet, level)];
      expect(quietRun.text).toBe("ok");
      // The log ids are random and the durations vary: compare the lines without them.
      const shown = (run: Run) =>
        JSON.stringify(run.lines)
          .replace(/log_[0-9a-f]{6}/g, "log_id")
          .replace(/in \d+ms/g, "in _ms")
          .replace(/"durationMs":\d+/g, '"durationMs":0');
      expect(shown(quietRun)).toBe(shown(fullRun));
      const summary = quietRun.lines.find(([at, [line]]) => at === "info" && String(line).includes("succeeded"));
      expect(String(summary?.[1][0])).toContain("x-request-id");
      expect(String(summary?.[1][0])).toContain("/chat/completions?api_key=");
      expect(shown(quietRun)).not.toContain("secret");
      expect(quietRun.lines.some(([at]) => at === "debug")).toBe(level === "debug");
    }
  });

  it("fails the build when the SDK's client no longer has a text it rewrites", () => {
    const path = join(sdkDir, "client.mjs");
    const source = readFileSync(path, "utf8");
    expect(() => quietLogClient(source, path)).not.toThrow();
    const changed = source.replace("${redactURL(url)}", "${url}");
    expect(() => quietLogClient(changed, path)).toThrow(/the openai SDK changed/);
    const more = `${source}\nloggerFor(this).debug("another");`;
    expect(() => quietLogClient(more, path)).toThrow(/not 6/);
  });
});

interface SdkClient {
  chat: { completions: { create(body: object): Promise<unknown> } };
}
