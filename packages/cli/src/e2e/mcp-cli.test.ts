import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "./run-cli.js";

const config = (box: Sandbox) => JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "config.json"), "utf8"));
const projectJson = (box: Sandbox) => JSON.parse(readFileSync(join(box.cwd, ".mcp.json"), "utf8"));

async function ok(box: Sandbox, ...args: string[]) {
  const result = await box.run(["mcp", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe("pincer mcp: Claude Code's forms and scopes", () => {
  it("adds an http server in the local scope by default, and shows it with get and list", async () => {
    using box = sandbox();
    await ok(box, "add", "--transport", "http", "notion", "https://mcp.notion.com/mcp");
    expect(config(box).mcp.local[box.cwd]).toEqual({ notion: { type: "http", url: "https://mcp.notion.com/mcp" } });
    expect(config(box).mcpServers).toBeUndefined();
    const shown = await ok(box, "get", "notion");
    expect(shown).toContain("Scope: Local config (private to you in this project)");
    expect(shown).toContain("URL: https://mcp.notion.com/mcp");
    expect(await ok(box, "list")).toBe("notion: http: https://mcp.notion.com/mcp (local)\n");
    // Another project does not see it.
    const elsewhere = await box.run(["mcp", "list"], { cwd: box.home });
    expect(elsewhere.stdout).not.toContain("notion");
  });

  it("takes the documented stdio form with --env and the command after --", async () => {
    using box = sandbox();
    await ok(
      box,
      "add",
      "--transport",
      "stdio",
      "--env",
      "AIRTABLE_API_KEY=YOUR_KEY",
      "airtable",
      "--",
      "npx",
      "-y",
      "airtable-mcp-server",
    );
    expect(config(box).mcp.local[box.cwd].airtable).toEqual({
      command: "npx",
      args: ["-y", "airtable-mcp-server"],
      env: { AIRTABLE_API_KEY: "YOUR_KEY" },
    });
  });

  it("adds user servers with -s user and headers as 'Key: value' (a value may hold = and :)", async () => {
    using box = sandbox();
    await ok(
      box,
      "add",
      "-s",
      "user",
      "--transport",
      "sse",
      "--header",
      "Authorization: Bearer abc==",
      "--header",
      "X-Api-Key: k:1",
      "api",
      "https://api.example.com/sse",
    );
    expect(config(box).mcpServers.api).toEqual({
      type: "sse",
      url: "https://api.example.com/sse",
      headers: { Authorization: "Bearer abc==", "X-Api-Key": "k:1" },
    });
  });

  it("writes project servers to .mcp.json, which still need approval, with add-json", async () => {
    using box = sandbox();
    writeFileSync(join(box.cwd, ".mcp.json"), JSON.stringify({ mcpServers: { old: { command: "x" } }, other: 1 }));
    await ok(box, "add-json", "-s", "project", "weather", '{"type":"http","url":"https://weather.example/mcp"}');
    expect(projectJson(box)).toEqual({
      mcpServers: { old: { command: "x" }, weather: { type: "http", url: "https://weather.example/mcp" } },
      other: 1,
    });
    expect(await ok(box, "list")).toContain(
      "weather: http: https://weather.example/mcp (project .mcp.json, not approved: pincer mcp approve weather)",
    );
    await ok(box, "approve", "weather");
    expect(await ok(box, "get", "weather")).toContain("Approval: approved");
  });

  it("removes from the one scope that has a name, and asks which when several do", async () => {
    using box = sandbox();
    await ok(box, "add", "fx", "--", "node", "a.mjs");
    await ok(box, "add", "-s", "user", "fx", "--", "node", "b.mjs");
    const both = await box.run(["mcp", "remove", "fx"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("fx is in more than one scope (local, user); say which with -s <scope>");
    await ok(box, "remove", "fx", "-s", "local");
    expect(await ok(box, "list")).toBe("fx: stdio: node b.mjs (user)\n");
    await ok(box, "remove", "fx");
    expect(config(box).mcpServers).toEqual({});
  });

  it("refuses what it cannot add, saying how", async () => {
    using box = sandbox();
    const url = await box.run(["mcp", "add", "web", "https://example.com/mcp"]);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("pincer mcp add --transport http web https://example.com/mcp");
    const json = await box.run(["mcp", "add-json", "bad", "{nope"]);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain("does not parse");
    const shape = await box.run(["mcp", "add-json", "bad", '{"type":"ws","url":"ws://x"}']);
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain('"type" must be "stdio", "http" or "sse"');
  });

  it("never writes through a .mcp.json that is a symbolic link (a repository's trap)", async () => {
    using box = sandbox();
    const target = join(box.home, "precious.txt");
    writeFileSync(target, "mine");
    symlinkSync(target, join(box.cwd, ".mcp.json"));
    const result = await box.run(["mcp", "add", "-s", "project", "x", "--", "node", "x.mjs"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is a symbolic link");
    expect(readFileSync(target, "utf8")).toBe("mine");
  });
});
