import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  approve,
  expandVariables,
  projectServerStatus,
  serverFingerprint,
  sessionServers,
  validateMcpServers,
  validateMcpSettings,
} from "./config.js";

describe("mcpServers validation", () => {
  it("accepts Claude Code's stdio and http shapes", () => {
    const servers = {
      gh: {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-github"],
        env: { GITHUB_TOKEN: "${GITHUB_TOKEN}" },
      },
      web: { type: "http", url: "https://example.com/mcp", headers: { Authorization: "Bearer x" } },
      old: { type: "sse", url: "http://127.0.0.1:9/sse" },
    };
    expect(validateMcpServers(servers)).toBe(servers);
  });

  it.each([
    [{ "bad name": { command: "x" } }, /server name "bad name"/],
    [{ a: { args: ["x"] } }, /server "a" needs a "command"/],
    [{ a: { command: "x", args: "y" } }, /"args" must be a list of strings/],
    [{ a: { command: "x", env: { N: 1 } } }, /"env" must be an object of strings/],
    [{ a: { type: "http" } }, /needs a "url" starting with http/],
    [{ a: { type: "ws", url: "ws://x" } }, /"type" must be "stdio", "http" or "sse"/],
    [{ a: { command: "x", url: "http://x" } }, /unknown field "url"/],
    [[], /must be an object/],
  ])("rejects %j", (servers, message) => {
    expect(() => validateMcpServers(servers)).toThrow(message);
  });

  it("checks the mcp settings", () => {
    expect(
      validateMcpSettings({ startTimeoutMs: 5000, callTimeoutMs: 1000, approvals: { "/p": { a: "f" } } }),
    ).toBeTruthy();
    expect(() => validateMcpSettings({ startTimeoutMs: -1 })).toThrow(/positive integer/);
    expect(() => validateMcpSettings({ timeout: 1 })).toThrow(/unknown setting "mcp.timeout"/);
    expect(() => validateMcpSettings({ approvals: { "/p": ["a"] } })).toThrow(/mcp.approvals/);
  });
});

describe("project approvals", () => {
  const entry = { command: "node", args: ["server.mjs"] };

  it("fingerprints what runs, so a changed entry is asked again", () => {
    expect(serverFingerprint(entry)).toBe(serverFingerprint({ command: "node", args: ["server.mjs"] }));
    expect(serverFingerprint(entry)).not.toBe(serverFingerprint({ command: "node", args: ["evil.mjs"] }));
    expect(serverFingerprint({ command: "n", env: { A: "1", B: "2" } })).toBe(
      serverFingerprint({ command: "n", env: { B: "2", A: "1" } }),
    );
    const web = { type: "http" as const, url: "https://a.example/mcp" };
    expect(serverFingerprint(web)).not.toBe(serverFingerprint({ ...web, url: "https://b.example/mcp" }));
  });

  it("keys approvals by project directory and server name", () => {
    const approvals = approve(undefined, "/work/p", "srv", entry);
    expect(projectServerStatus("/work/p", { srv: entry }, approvals)[0]!.status).toBe("approved");
    expect(projectServerStatus("/work/other", { srv: entry }, approvals)[0]!.status).toBe("pending");
    expect(projectServerStatus("/work/p", { srv: { ...entry, args: ["x.mjs"] } }, approvals)[0]!.status).toBe(
      "changed",
    );
    expect(projectServerStatus("/work/p", { other: entry }, approvals)[0]!.status).toBe("pending");
  });

  it("runs the user's servers and approved project ones, and warns about the rest", () => {
    const cwd = mkdtempSync(join(tmpdir(), "pincer-mcp-"));
    try {
      writeFileSync(
        join(cwd, ".mcp.json"),
        JSON.stringify({ mcpServers: { ok: entry, fresh: { command: "x" }, "bad name": { command: "y" } } }),
      );
      const warnings: string[] = [];
      const servers = sessionServers({
        cwd,
        user: { mine: { command: "mine" } },
        settings: { approvals: approve(undefined, cwd, "ok", entry) },
        warnings,
      });
      expect(Object.keys(servers)).toEqual(["mine", "ok"]);
      expect(warnings).toHaveLength(2);
      expect(warnings.join("\n")).toContain('server name "bad name"');
      expect(warnings.join("\n")).toContain("pincer mcp approve fresh");
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe("${VAR} expansion", () => {
  it("expands from the environment, with defaults, and names a missing variable", () => {
    expect(expandVariables("Bearer ${TOKEN}", { TOKEN: "t" })).toBe("Bearer t");
    expect(expandVariables("${HOST:-localhost}:1", {})).toBe("localhost:1");
    expect(() => expandVariables("${NOPE}", {})).toThrow(/\$\{NOPE\}, which is not set/);
  });
});

describe("scopes", () => {
  it("runs local over approved project over user servers of the same name", () => {
    const cwd = mkdtempSync(join(tmpdir(), "pincer-mcp-"));
    try {
      const project = { command: "project" };
      writeFileSync(join(cwd, ".mcp.json"), JSON.stringify({ mcpServers: { a: project, b: project, c: project } }));
      let approvals = approve(undefined, cwd, "a", project);
      approvals = approve(approvals, cwd, "b", project);
      const servers = sessionServers({
        cwd,
        user: { a: { command: "user" }, b: { command: "user" }, c: { command: "user" } },
        settings: { approvals, local: { [cwd]: { a: { command: "local" } } } },
        warnings: [],
      });
      // c is not approved, so the user's own c stays.
      expect(servers).toEqual({ a: { command: "local" }, b: project, c: { command: "user" } });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("checks local servers like any other", () => {
    expect(() => validateMcpSettings({ local: { "/p": { "bad name": { command: "x" } } } })).toThrow(
      /"mcp.local" for \/p: .*server name "bad name"/,
    );
  });
});
