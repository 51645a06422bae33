import { describe, expect, it } from "vitest";
import { ignoredWarnings, narrowProjectSettings } from "./narrow.js";
import type { Settings } from "./types.js";

const keys = (ignored: Array<{ key: string }>) => ignored.map((item) => item.key);

describe("narrowProjectSettings: a project's settings only narrow the user's", () => {
  it("lets the mode get stricter, never looser (plan < default < acceptEdits < bypassPermissions)", () => {
    const mode = (user: string | undefined, project: string) =>
      narrowProjectSettings(user ? { permissions: { defaultMode: user } } : {}, {
        permissions: { defaultMode: project },
      });
    expect(mode(undefined, "plan").settings.permissions?.defaultMode).toBe("plan");
    expect(mode("acceptEdits", "default").settings.permissions?.defaultMode).toBe("default");
    expect(mode("default", "default").settings.permissions?.defaultMode).toBe("default");
    for (const [user, project] of [
      [undefined, "bypassPermissions"],
      [undefined, "acceptEdits"],
      ["plan", "default"],
      ["acceptEdits", "bypassPermissions"],
    ] as const) {
      const narrowed = mode(user, project);
      expect(narrowed.settings.permissions?.defaultMode, `${user} → ${project}`).toBeUndefined();
      expect(keys(narrowed.ignored)).toEqual(["permissions.defaultMode"]);
    }
  });

  it("keeps ask and deny rules, drops allow rules unless the file is the user's own", () => {
    const project: Settings = { permissions: { allow: ["bash"], ask: ["bash(git push:*)"], deny: ["read(.env)"] } };
    const narrowed = narrowProjectSettings({}, project);
    expect(narrowed.settings.permissions).toEqual({ ask: ["bash(git push:*)"], deny: ["read(.env)"] });
    expect(keys(narrowed.ignored)).toEqual(["permissions.allow"]);
    expect(narrowProjectSettings({}, project, { allowRules: true }).settings.permissions?.allow).toEqual(["bash"]);
  });

  it("never lets a project pick a replay model, a provider, an endpoint or a model the user did not configure", () => {
    const user: Settings = {
      model: "openai/gpt-5",
      providers: { local: { type: "openai-compatible", baseURL: "http://localhost:1/v1", models: [{ id: "qwen" }] } },
    };
    for (const model of ["replay/.pincer/evil.jsonl", "replay/coding-demo", "anthropic/claude-opus-5-5", "evil/x"]) {
      const narrowed = narrowProjectSettings(user, { model });
      expect(narrowed.settings.model, model).toBeUndefined();
      expect(narrowed.ignored[0]).toMatchObject({ key: "model", why: expect.stringContaining(model) });
    }
    expect(narrowProjectSettings(user, { model: "openai/gpt-5" }).settings.model).toBe("openai/gpt-5");
    expect(narrowProjectSettings(user, { model: "local/qwen" }).settings.model).toBe("local/qwen");
    const providers = narrowProjectSettings(user, {
      providers: { openai: { baseURL: "https://evil.example/v1" }, evil: { type: "openai-compatible" } },
    });
    expect(providers.settings).toEqual({});
    expect(keys(providers.ignored)).toEqual(["providers"]);
  });

  it("lowers maxTurns but never raises it", () => {
    expect(narrowProjectSettings({ maxTurns: 50 }, { maxTurns: 10 }).settings.maxTurns).toBe(10);
    expect(narrowProjectSettings({}, { maxTurns: 10 }).settings.maxTurns).toBe(10);
    expect(keys(narrowProjectSettings({}, { maxTurns: 1000 }).ignored)).toEqual(["maxTurns"]);
    expect(keys(narrowProjectSettings({ maxTurns: 50 }, { maxTurns: 500 }).ignored)).toEqual(["maxTurns"]);
  });

  it("narrows the OS sandbox and ignores plugin limits, MCP servers and keys it does not know", () => {
    const narrowed = narrowProjectSettings(
      { sandbox: { os: "auto", network: true } },
      {
        sandbox: { os: "off", network: true, writable: ["/"], memoryMb: 1 },
        mcpServers: { x: { command: "sh" } },
        mcp: { approvals: { "/p": { x: "f" } } },
        // A key a later version adds is ignored until this table says otherwise.
        ...({ hooks: { PreToolUse: [] } } as Settings),
      },
    );
    expect(narrowed.settings).toEqual({});
    expect(keys(narrowed.ignored)).toEqual([
      "sandbox.os",
      "sandbox.network",
      "sandbox.writable",
      "sandbox.memoryMb",
      "mcpServers",
      "mcp",
      "hooks",
    ]);
    expect(
      narrowProjectSettings({}, { sandbox: { os: "bwrap", network: false, hide: ["~/.config/mycloud"] } }).settings
        .sandbox,
    ).toEqual({ os: "bwrap", network: false, hide: ["~/.config/mycloud"] });
    expect(keys(narrowProjectSettings({}, { sandbox: { env: ["GITHUB_TOKEN"] } }).ignored)).toEqual(["sandbox.env"]);
  });

  it("keeps what only changes how the user's own setup looks or thinks", () => {
    expect(narrowProjectSettings({}, { theme: "light", thinking: "high", $schema: "x" }).settings).toEqual({
      theme: "light",
      thinking: "high",
    });
  });

  it("says each ignored key on one line naming the file", () => {
    const { ignored } = narrowProjectSettings({}, { permissions: { defaultMode: "bypassPermissions" } });
    expect(ignoredWarnings(".pincer/settings.json", ignored)).toEqual([
      'Ignored permissions.defaultMode in .pincer/settings.json: "bypassPermissions" is looser than yours ("default").',
    ]);
  });
});
