import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelInfo } from "./catalog.js";
import type { KernelEvent } from "./events.js";
import { scriptedProvider, text } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { Session } from "./session/session.js";
import { checkThinkingLevel, reasoningFor } from "./thinking.js";

const price = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
const thinker: ModelInfo = {
  id: "test/thinker",
  contextWindow: 100_000,
  maxOutputTokens: 8_000,
  price,
  reasoning: true,
};
const plain: ModelInfo = { id: "test/plain", contextWindow: 100_000, maxOutputTokens: 8_000, price };
const models = [thinker, plain];

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sessionFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-thinking-"));
  dirs.push(dir);
  return join(dir, "s.jsonl");
}

/** A thinking_change line as a hand edit might leave it: no level. */
function thinkingLine(fields: { id: string }): string {
  return JSON.stringify({ type: "thinking_change", parentId: null, timestamp: "2026-01-01T00:00:00.000Z", ...fields });
}

describe("reasoningFor", () => {
  it("maps a level to the request field only where the model may take it", () => {
    expect(reasoningFor("high", thinker)).toBe("high");
    expect(reasoningFor("low", undefined)).toBe("low");
    expect(reasoningFor("off", thinker)).toBeUndefined();
    expect(reasoningFor("medium", plain)).toBeUndefined();
    expect(reasoningFor("medium", { ...plain, reasoning: false })).toBeUndefined();
  });

  it("names the allowed levels when given a bad one", () => {
    expect(() => checkThinkingLevel("extreme")).toThrow(/off, low, medium, high.*"extreme"/);
  });
});

describe("kernel thinking level", () => {
  it("sends the level as reasoning to a catalogued reasoning model", async () => {
    const provider = scriptedProvider([text("ok")]);
    const kernel = createKernel({ model: "test/thinker", providers: [provider], models, thinking: "high" });
    expect(kernel.thinking).toBe("high");
    await kernel.prompt("hi");
    expect(provider.requests[0]!.reasoning).toBe("high");
  });

  it("sends no reasoning field when thinking is off (the default)", async () => {
    const provider = scriptedProvider([text("ok")]);
    const kernel = createKernel({ model: "test/thinker", providers: [provider], models });
    expect(kernel.thinking).toBe("off");
    await kernel.prompt("hi");
    expect("reasoning" in provider.requests[0]!).toBe(false);
    expect(kernel.session.entries().some((entry) => entry.type === "thinking_change")).toBe(false);
  });

  it("sends no reasoning field to a catalogued model that does not reason", async () => {
    const provider = scriptedProvider([text("ok")]);
    const kernel = createKernel({ model: "test/plain", providers: [provider], models, thinking: "high" });
    await kernel.prompt("hi");
    expect("reasoning" in provider.requests[0]!).toBe(false);
  });

  it("sends what was asked to a model the catalogue does not know", async () => {
    const provider = scriptedProvider([text("ok")]);
    const kernel = createKernel({ model: "test/unknown-model", providers: [provider], models, thinking: "low" });
    await kernel.prompt("hi");
    expect(provider.requests[0]!.reasoning).toBe("low");
  });

  it("follows a model switch: the same level goes only where the new model reasons", async () => {
    const provider = scriptedProvider([text("one"), text("two")]);
    const kernel = createKernel({ model: "test/thinker", providers: [provider], models, thinking: "medium" });
    await kernel.prompt("first");
    kernel.setModel("test/plain");
    await kernel.prompt("second");
    expect(provider.requests.map((request) => request.reasoning)).toEqual(["medium", undefined]);
  });

  it("changes mid-session, emits an event, records it and restores it on resume", async () => {
    const file = sessionFile();
    const provider = scriptedProvider([text("one"), text("two")]);
    const kernel = createKernel({
      model: "test/thinker",
      providers: [provider],
      models,
      session: Session.create(file, { cwd: "/work" }),
    });
    const events: KernelEvent[] = [];
    kernel.on("thinking_change", (event) => events.push(event));
    await kernel.prompt("first");
    kernel.setThinking("medium");
    kernel.setThinking("medium"); // unchanged: neither recorded nor announced again
    await kernel.prompt("second");
    expect(provider.requests.map((request) => request.reasoning)).toEqual([undefined, "medium"]);
    expect(events).toEqual([{ type: "thinking_change", level: "medium" }]);
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.type === "thinking_change")).toMatchObject([{ level: "medium" }]);

    const resumedProvider = scriptedProvider([text("three")]);
    const resumed = createKernel({
      model: "test/thinker",
      providers: [resumedProvider],
      models,
      session: Session.open(file),
    });
    expect(resumed.thinking).toBe("medium");
    await resumed.prompt("third");
    expect(resumedProvider.requests[0]!.reasoning).toBe("medium");
  });

  it("records an explicit level that differs from the session's, and none that matches", () => {
    const file = sessionFile();
    createKernel({ model: "test/thinker", session: Session.create(file, { cwd: "/work" }), thinking: "low" });
    const again = createKernel({ model: "test/thinker", session: Session.open(file), thinking: "low" });
    expect(again.session.entries().filter((entry) => entry.type === "thinking_change")).toHaveLength(1);
    const off = createKernel({ model: "test/thinker", session: Session.open(file), thinking: "off" });
    expect(off.thinking).toBe("off");
    expect(Session.open(file).buildContext().thinking).toBe("off");
  });

  it("ignores a hand-edited level it does not know, and treats a thinking entry without one as corrupt", () => {
    const file = sessionFile();
    const session = Session.create(file, { cwd: "/work" });
    session.append({ type: "thinking_change", level: "extreme" as never });
    expect(Session.open(file).buildContext().thinking).toBeUndefined();
    expect(createKernel({ model: "test/m", session: Session.open(file) }).thinking).toBe("off");
    const broken = sessionFile();
    Session.create(broken, { cwd: "/work" });
    writeFileSync(
      broken,
      `${readFileSync(broken, "utf8")}${thinkingLine({ id: "a" })}\n${thinkingLine({ id: "b" })}\n`,
    );
    expect(() => Session.open(broken)).toThrow(/thinking_change entry is missing string field "level"/);
  });

  it("rejects a bad level from an embedder with the allowed ones", () => {
    expect(() => createKernel({ model: "test/m", thinking: "max" as never })).toThrow(/off, low, medium, high/);
    const kernel = createKernel({ model: "test/m" });
    expect(() => kernel.setThinking("max" as never)).toThrow(/off, low, medium, high/);
  });

  it("asks for no reasoning in the compaction summary call", async () => {
    const long = "x".repeat(4_000);
    const provider = scriptedProvider([text(long), text(long), text("the summary")]);
    const kernel = createKernel({
      model: "test/thinker",
      providers: [provider],
      models,
      thinking: "high",
      compaction: { keepRecentTokens: 10 },
    });
    await kernel.prompt("first");
    await kernel.prompt("second");
    expect(await kernel.compact()).toBe(true);
    expect(provider.requests.map((request) => request.reasoning)).toEqual(["high", "high", undefined]);
    expect(provider.requests[2]!.tools).toEqual([]);
  });
});
