import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Message, ModelRequest, Provider, ProviderEvent } from "@pincer/sdk";
import { createFsCapability } from "@pincer/testing";
import { afterEach, describe, expect, it } from "vitest";
import { parseCassette } from "./cassette.js";
import { createReplayProvider } from "./provider.js";
import { recordProvider } from "./record.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-replay-")));
  dirs.push(dir);
  return dir;
}

function replay(dir: string, config: Record<string, unknown> = {}): Provider {
  return createReplayProvider({
    env: { get: () => undefined },
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
    config: { cassetteDir: dir, ...config },
    fetch,
  });
}

const assistant = (): Message => ({
  role: "assistant",
  content: [{ type: "text", text: "x" }],
  model: "replay/t",
  usage: {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  },
  stopReason: "stop",
  timestamp: 0,
});
const request = (messages: Message[], model = "t"): ModelRequest => ({ model, systemPrompt: "", messages, tools: [] });

async function collect(stream: AsyncIterable<ProviderEvent>) {
  const events: ProviderEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const cassette = [
  JSON.stringify({ type: "cassette", version: 1 }),
  JSON.stringify({
    type: "call",
    events: [
      { type: "text_delta", text: "first" },
      { type: "stop", reason: "stop" },
    ],
  }),
  JSON.stringify({
    type: "call",
    expect: { lastToolResultIncludes: "PASS" },
    events: [
      { type: "text_delta", text: "second" },
      { type: "stop", reason: "stop" },
    ],
  }),
].join("\n");

describe("replay provider", () => {
  it("serves calls by the number of assistant turns in the conversation", async () => {
    const dir = temp();
    writeFileSync(join(dir, "t.jsonl"), cassette);
    const provider = replay(dir);
    const first = await collect(
      provider.stream(request([{ role: "user", content: "go", timestamp: 0 }]), new AbortController().signal),
    );
    expect(first[0]).toEqual({ type: "text_delta", text: "first" });
    const toolResult: Message = {
      role: "toolResult",
      toolCallId: "c",
      toolName: "bash",
      content: [{ type: "text", text: "3 PASS" }],
      isError: false,
      timestamp: 0,
    };
    const second = await collect(
      provider.stream(
        request([{ role: "user", content: "go", timestamp: 0 }, assistant(), toolResult]),
        new AbortController().signal,
      ),
    );
    expect(second[0]).toEqual({ type: "text_delta", text: "second" });
  });

  it("stops with a clear error when the real tools diverge from the recording", async () => {
    const dir = temp();
    writeFileSync(join(dir, "t.jsonl"), cassette);
    const toolResult: Message = {
      role: "toolResult",
      toolCallId: "c",
      toolName: "bash",
      content: [{ type: "text", text: "1 FAIL" }],
      isError: false,
      timestamp: 0,
    };
    const [error] = await collect(replay(dir).stream(request([assistant(), toolResult]), new AbortController().signal));
    expect(error).toMatchObject({ type: "error", retryable: false });
    expect((error as { message: string }).message).toBe(
      'replay diverged at call 2: expected the last tool result to include "PASS" but got "1 FAIL".',
    );
  });

  it("errors past the end of the cassette and on a missing cassette", async () => {
    const dir = temp();
    writeFileSync(join(dir, "t.jsonl"), cassette);
    const [past] = await collect(replay(dir).stream(request([assistant(), assistant()]), new AbortController().signal));
    expect((past as { message: string }).message).toContain("cassette t has only 2 calls");
    const [missing] = await collect(replay(dir).stream(request([], "nope"), new AbortController().signal));
    expect((missing as { message: string }).message).toContain('cannot load cassette "nope"');
  });

  it("captures values from live tool results and fills them into later calls, from the conversation alone", async () => {
    const dir = temp();
    const captures = [
      JSON.stringify({ type: "cassette", version: 1 }),
      JSON.stringify({ type: "call", events: [{ type: "stop", reason: "toolUse" }] }),
      JSON.stringify({
        type: "call",
        capture: { job: "Started job (\\S+) \\(" },
        events: [{ type: "stop", reason: "toolUse" }],
      }),
      JSON.stringify({
        type: "call",
        events: [
          { type: "text_delta", text: "Waiting for {{job}}." },
          { type: "toolcall_start", index: 0, id: "w", name: "hf_job_wait" },
          { type: "toolcall_delta", index: 0, argumentsDelta: '{"id":"{{job}}"}' },
          { type: "toolcall_end", index: 0 },
          { type: "stop", reason: "toolUse" },
        ],
      }),
      JSON.stringify({
        type: "call",
        events: [{ type: "toolcall_delta", index: 0, argumentsDelta: '{"rev":"{{revision}}"}' }],
      }),
    ].join("\n");
    writeFileSync(join(dir, "t.jsonl"), captures);
    const result = (text: string): Message => ({
      role: "toolResult",
      toolCallId: "c",
      toolName: "hf_job_run",
      content: [{ type: "text", text }],
      isError: false,
      timestamp: 0,
    });
    const started = result('Started job 2026-"x"\\ (RUNNING, cpu-basic).');
    // Call 3 comes after a later result: the capture still reads what call 2 was answering.
    const third = await collect(
      replay(dir).stream(request([assistant(), started, assistant(), result("later")]), new AbortController().signal),
    );
    expect(third[0]).toEqual({ type: "text_delta", text: 'Waiting for 2026-"x"\\.' });
    const args = third.find((event) => event.type === "toolcall_delta") as { argumentsDelta: string };
    expect(JSON.parse(args.argumentsDelta)).toEqual({ id: '2026-"x"\\' });

    const [missing] = await collect(
      replay(dir).stream(
        request([assistant(), started, assistant(), result("a"), assistant(), result("b")]),
        new AbortController().signal,
      ),
    );
    expect((missing as { message: string }).message).toBe(
      "replay: call 4 of cassette t uses {{revision}}, which no call up to it captures.",
    );
    const [diverged] = await collect(
      replay(dir).stream(request([assistant(), result("Job failed to start")]), new AbortController().signal),
    );
    expect((diverged as { message: string }).message).toBe(
      'replay diverged at call 2: capture "job" (/Started job (\\S+) \\(/) matched nothing in the last tool result "Job failed to start".',
    );
    expect(() =>
      parseCassette(
        [
          JSON.stringify({ type: "cassette", version: 1 }),
          JSON.stringify({ type: "call", capture: { job: "(" }, events: [] }),
        ].join("\n"),
        "bad",
      ),
    ).toThrow('bad line 2: capture "job" needs a word for its name and a valid regular expression.');
  });

  it("cannot read cassettes outside its granted roots", async () => {
    const dir = temp();
    const [error] = await collect(replay(dir).stream(request([], "/etc/passwd.jsonl"), new AbortController().signal));
    expect((error as { message: string }).message).toContain("refused");
  });

  it("records any provider and replays the recording identically", async () => {
    const dir = temp();
    const events: ProviderEvent[] = [
      { type: "thinking_delta", text: "hmm" },
      { type: "toolcall_start", index: 0, id: "c1", name: "read" },
      { type: "toolcall_delta", index: 0, argumentsDelta: '{"path":"a"}' },
      { type: "toolcall_end", index: 0 },
      { type: "usage", usage: { input: 5, output: 2 } },
      { type: "stop", reason: "toolUse" },
    ];
    const source: Provider = {
      id: "fake",
      async *stream() {
        yield* events;
      },
    };
    const file = join(dir, "rec.jsonl");
    const recorded = await collect(
      recordProvider(source, file).stream(
        request([{ role: "user", content: "go", timestamp: 0 }]),
        new AbortController().signal,
      ),
    );
    expect(recorded).toEqual(events);
    const replayed = await collect(
      replay(dir).stream(request([{ role: "user", content: "go", timestamp: 0 }], file), new AbortController().signal),
    );
    expect(replayed).toEqual(events);
  });
});

describe("the shipped demo cassette", () => {
  it("parses, and its tool calls carry valid arguments for the core tools", () => {
    const path = fileURLToPath(new URL("../cassettes/coding-demo.jsonl", import.meta.url));
    const parsed = parseCassette(readFileSync(path, "utf8"), "coding-demo");
    expect(parsed.calls).toHaveLength(5);
    const required: Record<string, string[]> = {
      write: ["path", "content"],
      edit: ["path", "old_string", "new_string"],
      bash: ["command"],
    };
    for (const call of parsed.calls) {
      const names = new Map<number, string>();
      const args = new Map<number, string>();
      for (const event of call.events) {
        if (event.type === "toolcall_start") names.set(event.index, event.name);
        if (event.type === "toolcall_delta")
          args.set(event.index, (args.get(event.index) ?? "") + event.argumentsDelta);
      }
      for (const [index, name] of names) {
        const parsedArgs = JSON.parse(args.get(index) ?? "{}") as Record<string, unknown>;
        for (const key of required[name] ?? []) expect(typeof parsedArgs[key]).toBe("string");
      }
    }
    expect(() =>
      parseCassette('{"type":"cassette","version":1}\n{"type":"call","events":[{"type":"bogus"}]}', "bad"),
    ).toThrow("bad line 2: unknown event");
    expect(() => parseCassette('{"type":"cassette","version":9}', "future")).toThrow("version 9 is not supported");
  });
});
