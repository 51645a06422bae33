import type { AnyTool, ToolContext } from "@pincer/kernel";
import { MCP_TEST_SERVER, serveMcpHttp } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpManager, type McpManagerOptions } from "./manager.js";

const FIXTURE = MCP_TEST_SERVER;
const stdio = (...args: string[]) => ({ command: process.execPath, args: [FIXTURE, ...args] });

function ctx(signal = new AbortController().signal): ToolContext {
  return { toolCallId: "call_1", cwd: process.cwd(), signal, onUpdate: () => {} };
}

async function withManager(
  servers: McpManagerOptions["servers"],
  run: (manager: McpManager, tool: (name: string) => AnyTool) => Promise<void>,
  options: Partial<McpManagerOptions> = {},
) {
  const manager = new McpManager({
    servers,
    cwd: process.cwd(),
    env: { ...process.env, SECRET_TOKEN: "s3cret" },
    ...options,
  });
  try {
    const report = await manager.start();
    await run(manager, (name) => {
      const found = report.tools.find((tool) => tool.name === name);
      if (!found) throw new Error(`no tool ${name}; have ${report.tools.map((tool) => tool.name).join(", ")}`);
      return found;
    });
  } finally {
    await manager.close();
  }
}

describe("MCP prompts", () => {
  it("lists a server's prompts as commands and fills them from what was typed", async () => {
    await withManager({ fx: stdio() }, async (manager) => {
      const prompts = await manager.prompts();
      expect(prompts).toEqual([expect.objectContaining({ command: "mcp__fx__greet", name: "greet" })]);
      expect(await manager.getPrompt("mcp__fx__greet", ["Ada", "very", "warm"])).toBe("Greet Ada in a very warm way.");
      expect(await manager.getPrompt("mcp__fx__greet", ["style=dry", "Bob"])).toBe("Greet Bob in a dry way.");
      await expect(manager.getPrompt("mcp__fx__greet", [])).rejects.toThrow("/mcp__fx__greet needs who");
    });
  });
});

describe("MCP resources", () => {
  it("offers a server's resources as one read-only tool, read by URI", async () => {
    await withManager({ fx: stdio() }, async (_manager, tool) => {
      const read = tool("mcp__fx__read_resource");
      expect(read.kind).toBe("read");
      expect(read.description).toContain("memo://guide — guide: How the fixture works");
      const text = await read.execute({ uri: "memo://guide" }, ctx());
      expect(text.content).toEqual([{ type: "text", text: "[resource memo://guide]\nThe guide says hello." }]);
      const image = await read.execute({ uri: "memo://pixel" }, ctx());
      expect(image.content).toEqual([expect.objectContaining({ type: "image", mimeType: "image/png" })]);
      const missing = await read.execute({ uri: "memo://nowhere" }, ctx());
      expect(missing.isError).toBe(true);
      expect(JSON.stringify(missing.content)).toContain("no resource memo://nowhere");
    });
  });
});

describe("McpManager over stdio", () => {
  it("lists a server's tools as mcp__<server>__<tool> with its schema, and calls them", async () => {
    await withManager({ fx: stdio() }, async (manager, tool) => {
      const report = await manager.start();
      expect(report.warnings).toEqual([]);
      expect(report.tools.map((t) => t.name)).toContain("mcp__fx__echo");
      const echo = tool("mcp__fx__echo");
      expect(echo.kind).toBe("other");
      expect(echo.description).toBe("Echoes the text back");
      expect(echo.parameters).toMatchObject({ type: "object", required: ["text"] });
      expect(await echo.execute({ text: "hi" }, ctx())).toMatchObject({
        content: [{ type: "text", text: "echo: hi" }],
      });
      expect(await tool("mcp__fx__add").execute({ a: 2, b: 3 }, ctx())).toMatchObject({
        content: [{ type: "text", text: "5" }],
        details: { structuredContent: { sum: 5 } },
      });
    });
  });

  it("maps images, resource links and isError", async () => {
    await withManager({ fx: stdio() }, async (_manager, tool) => {
      const rich = await tool("mcp__fx__rich").execute({}, ctx());
      expect(rich.content).toEqual([
        { type: "image", data: expect.any(String), mimeType: "image/png" },
        { type: "text", text: "[resource notes: file:///notes.md (text/markdown)]" },
      ]);
      expect(rich.isError).toBeUndefined();
      expect(await tool("mcp__fx__fail").execute({}, ctx())).toMatchObject({
        isError: true,
        content: [{ type: "text", text: "the fixture failed on purpose" }],
      });
    });
  });

  it("gives the process only PATH, HOME and the entry's env (with ${VAR} expanded)", async () => {
    const server = { ...stdio(), env: { TOKEN: "${SECRET_TOKEN}" } };
    await withManager({ fx: server }, async (_manager, tool) => {
      const result = await tool("mcp__fx__whoami").execute({}, ctx());
      const { env } = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as { env: string[] };
      expect(env).toContain("TOKEN");
      expect(env).toContain("PATH");
      expect(env).not.toContain("SECRET_TOKEN");
      expect(env.filter((name) => name.startsWith("PINCER") || name.endsWith("_API_KEY"))).toEqual([]);
    });
  });

  it("reports a server that cannot start, naming it, and keeps the others", async () => {
    const manager = new McpManager({
      servers: { good: stdio(), missing: { command: "/nonexistent/mcp-server" }, quits: stdio("--exit") },
      cwd: process.cwd(),
      env: process.env,
    });
    try {
      const report = await manager.start();
      expect(report.tools.some((tool) => tool.name === "mcp__good__echo")).toBe(true);
      expect(report.warnings).toHaveLength(2);
      expect(report.warnings[0]).toMatch(/MCP server "missing" did not start: .*ENOENT/);
      expect(report.warnings[1]).toMatch(/MCP server "quits" did not start: .*refusing to start/);
    } finally {
      await manager.close();
    }
  });

  it("gives up on a server that does not answer within the start timeout", async () => {
    const started = Date.now();
    const manager = new McpManager({
      servers: { mute: stdio("--hang") },
      cwd: process.cwd(),
      env: process.env,
      startTimeoutMs: 500,
    });
    const report = await manager.start();
    await manager.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.warnings[0]).toMatch(/MCP server "mute" did not start/);
  });

  it("turns a crash mid-call into a tool error and restarts the server on the next call", async () => {
    await withManager({ fx: stdio() }, async (_manager, tool) => {
      const pid = async () =>
        (
          JSON.parse(
            ((await tool("mcp__fx__whoami").execute({}, ctx())).content as Array<{ text: string }>)[0]!.text,
          ) as { pid: number }
        ).pid;
      const before = await pid();
      const crashed = await tool("mcp__fx__crash").execute({}, ctx());
      expect(crashed.isError).toBe(true);
      expect(JSON.stringify(crashed.content)).toMatch(/closed the connection during the call/);
      const after = await pid();
      expect(after).not.toBe(before);
    });
  });

  it("turns a malformed result into a tool error", async () => {
    await withManager({ fx: stdio() }, async (_manager, tool) => {
      const result = await tool("mcp__fx__malformed").execute({}, ctx());
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/mcp__fx__malformed|malformed/);
      // The server is still there.
      expect((await tool("mcp__fx__echo").execute({ text: "ok" }, ctx())).isError).toBeUndefined();
    });
  });

  it("times a call out, and stops it when the turn is aborted", async () => {
    await withManager(
      { fx: stdio() },
      async (_manager, tool) => {
        const slow = tool("mcp__fx__slow");
        const timedOut = await slow.execute({ ms: 5_000 }, ctx());
        expect(timedOut).toMatchObject({ isError: true });
        expect(JSON.stringify(timedOut.content)).toMatch(/timed out after 300 ms/);
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const aborted = await slow.execute({ ms: 250 }, ctx(controller.signal));
        expect(JSON.stringify(aborted.content)).toMatch(/was aborted/);
      },
      { callTimeoutMs: 300 },
    );
  });
});

describe("McpManager over streamable HTTP", () => {
  let http: { url: string; authorizations: string[]; close(): Promise<void> };
  let url: string;
  beforeAll(async () => {
    http = await serveMcpHttp();
    url = http.url;
  });
  afterAll(() => http.close());

  it("lists and calls tools, sending the entry's headers", async () => {
    await withManager(
      { remote: { type: "http", url, headers: { Authorization: "Bearer ${SECRET_TOKEN}" } } },
      async (_manager, tool) => {
        expect(await tool("mcp__remote__echo").execute({ text: "web" }, ctx())).toMatchObject({
          content: [{ type: "text", text: "echo: web" }],
        });
        expect((await tool("mcp__remote__malformed").execute({}, ctx())).isError).toBe(true);
        expect(http.authorizations).toContain("Bearer s3cret");
      },
    );
  });

  it("warns about a URL where nothing listens", async () => {
    const manager = new McpManager({
      servers: { gone: { type: "http", url: "http://127.0.0.1:1/mcp" } },
      cwd: process.cwd(),
      env: process.env,
    });
    const report = await manager.start();
    expect(report.warnings[0]).toMatch(/MCP server "gone" did not start/);
  });
});
