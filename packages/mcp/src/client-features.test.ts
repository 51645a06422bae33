import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyTool, ToolContext } from "@pincer/kernel";
import { everythingServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type McpClientHost, type McpSamplingRequest, SamplingRefused } from "./client-features.js";
import type { McpElicitationAnswer, McpElicitationRequest } from "./elicitation.js";
import { McpManager } from "./manager.js";

const text = (result: Awaited<ReturnType<AnyTool["execute"]>>) =>
  typeof result.content === "string"
    ? result.content
    : result.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");

function ctx(updates: string[] = []): ToolContext {
  return {
    toolCallId: "call_1",
    cwd: process.cwd(),
    signal: new AbortController().signal,
    onUpdate: (partial) => updates.push(partial),
  };
}

/** The reference server with a host whose answers each test sets. */
describe("MCP client features against the official everything server", () => {
  const dirs: string[] = [];
  let roots: string[] = [];
  const sampled: McpSamplingRequest[] = [];
  const asked: McpElicitationRequest[] = [];
  let sample: McpClientHost["sample"];
  let answer: (request: McpElicitationRequest) => McpElicitationAnswer;
  let manager: McpManager;
  let tools: Map<string, AnyTool>;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), "pincer-roots-")));
    roots = [dirs[0]!];
    manager = new McpManager({
      servers: { everything: everythingServer() },
      cwd: process.cwd(),
      env: process.env,
      startTimeoutMs: 30_000,
      host: {
        roots: () => roots,
        sample: (request, signal) => {
          sampled.push(request);
          return sample!(request, signal);
        },
        elicit: async (request) => {
          asked.push(request);
          return answer(request);
        },
      },
    });
    const report = await manager.start();
    expect(report.warnings).toEqual([]);
    tools = new Map(report.tools.map((tool) => [tool.name, tool]));
  }, 60_000);
  afterAll(async () => {
    await manager.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const tool = (name: string) => {
    const found = tools.get(`mcp__everything__${name}`);
    if (!found) throw new Error(`no tool ${name}; have ${[...tools.keys()].join(", ")}`);
    return found;
  };

  it("offers the workspace as roots and sends roots/list_changed when it changes", async () => {
    const first = text(await tool("get-roots-list").execute({}, ctx()));
    expect(first).toContain(pathToFileURL(dirs[0]!).href);
    roots = [dirs[0]!, dirs[1]!];
    await manager.rootsChanged();
    // The server asks for the list again when told it changed.
    await until(
      async () => text(await tool("get-roots-list").execute({}, ctx())).includes(pathToFileURL(dirs[1]!).href),
      { message: "the server never saw the second root" },
    );
  });

  it("answers sampling through the host, with the server's prompt converted", async () => {
    sample = async (request) => ({
      text: `answer to ${request.messages.length} message(s)`,
      model: "test/m",
      stopReason: "endTurn",
    });
    const result = await tool("trigger-sampling-request").execute({ prompt: "what is 2+2?", maxTokens: 50 }, ctx());
    expect(result.isError).toBeUndefined();
    expect(text(result)).toContain("answer to 1 message(s)");
    expect(text(result)).toContain('"model": "test/m"');
    expect(sampled.at(-1)).toMatchObject({
      server: "everything",
      systemPrompt: "You are a helpful test server.",
      maxTokens: 50,
      messages: [{ role: "user", content: [{ type: "text", text: expect.stringContaining("what is 2+2?") }] }],
    });
  });

  it("tells the server when the user refused sampling, and the call fails with that", async () => {
    sample = async () => {
      throw new SamplingRefused("not now");
    };
    const result = await tool("trigger-sampling-request").execute({ prompt: "spend my tokens" }, ctx());
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/User rejected sampling request: not now/);
  });

  it("asks the user through the host for an elicitation form, and returns the answer", async () => {
    answer = () => ({ action: "accept", content: { name: "Ada", check: true, integer: 7 } });
    const result = await tool("trigger-elicitation-request").execute({}, ctx());
    const request = asked.at(-1)!;
    expect(request.server).toBe("everything");
    expect(request.message).toBe("Please provide inputs for the following fields:");
    const integer = request.fields.find((field) => field.name === "integer");
    expect(integer).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 42 });
    const hero = request.fields.find((field) => field.name === "titledSingleSelectEnum");
    expect(hero?.options).toContainEqual({ value: "hero-2", title: "Green Lantern" });
    expect(text(result)).toContain("Ada");
    expect(text(result)).toMatch(/accept/);
  });

  it("sends decline as it is, and refuses an answer that does not fit the form", async () => {
    answer = () => ({ action: "decline" });
    expect(text(await tool("trigger-elicitation-request").execute({}, ctx()))).toMatch(/decline/);
    answer = () => ({ action: "accept", content: { name: "Ada", check: true, integer: 1000 } });
    const bad = await tool("trigger-elicitation-request").execute({}, ctx());
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/Integer must be at most 100/);
  });

  it("shows progress notifications as the call's updates", async () => {
    const updates: string[] = [];
    const result = await tool("trigger-long-running-operation").execute({ duration: 0.3, steps: 3 }, ctx(updates));
    expect(text(result)).toContain("Long running operation completed");
    // The last notification may race the result (the SDK drops progress once the answer is in).
    expect(updates[0]).toBe("[progress 1/3]\n");
    for (const update of updates) expect(update).toMatch(/^\[progress [123]\/3\]\n$/);
  });

  it("keeps the server's instructions, attributed, for the system prompt", () => {
    const section = manager.instructions();
    expect(section).toContain('## From the MCP server "everything"');
    expect(section).toContain("Server instructions are working");
    expect(section).toMatch(/not the user's/);
  });

  it("lists resource templates in the resource tool and reads a filled-in URI", async () => {
    const read = tool("read_resource");
    expect(read.description).toContain("demo://resource/dynamic/text/{resourceId}");
    const result = await read.execute({ uri: "demo://resource/dynamic/text/3" }, ctx());
    expect(result.isError).toBeUndefined();
    expect(text(result)).toContain("demo://resource/dynamic/text/3");
  });
});

describe("a client that offers no features", () => {
  it("declares none, so the server offers no tools that need them", async () => {
    const manager = new McpManager({
      servers: { everything: everythingServer() },
      cwd: process.cwd(),
      env: process.env,
      startTimeoutMs: 30_000,
    });
    try {
      const names = (await manager.start()).tools.map((tool) => tool.name);
      expect(names).toContain("mcp__everything__echo");
      expect(names).not.toContain("mcp__everything__get-roots-list");
      expect(names).not.toContain("mcp__everything__trigger-sampling-request");
      expect(names).not.toContain("mcp__everything__trigger-elicitation-request");
    } finally {
      await manager.close();
    }
  }, 60_000);
});
