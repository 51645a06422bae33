import { readFileSync } from "node:fs";
import { PERMISSION_MODES, THINKING_LEVELS } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain build script without type declarations.
import { generateSettingsValidator } from "../../scripts/generate-settings-validator.mjs";
import { UsageError, validateSettings } from "../home.js";
import { nearestKey, settingsProblems } from "./schema-errors.js";

const schema = JSON.parse(readFileSync(new URL("./settings.schema.json", import.meta.url), "utf8"));

describe("the settings schema", () => {
  it("is what the generated validator checks (run pnpm build to regenerate)", () => {
    const committed = readFileSync(new URL("../generated/settings-validator.js", import.meta.url), "utf8");
    expect(committed).toBe(generateSettingsValidator());
  });

  it("knows the kernel's modes and thinking levels", () => {
    expect(schema.properties.permissions.properties.defaultMode.enum).toEqual([...PERMISSION_MODES]);
    expect(schema.properties.thinking.enum).toEqual([...THINKING_LEVELS]);
  });

  it("accepts every documented setting", () => {
    const settings = {
      $schema: "./node_modules/@pincer/cli/src/settings/settings.schema.json",
      model: "openai/gpt-5",
      thinking: "high",
      maxTurns: 50,
      theme: "dusk",
      permissions: { defaultMode: "acceptEdits", allow: ["bash(npm test:*)"], ask: [], deny: ["read(.env)"] },
      providers: {
        openai: { baseURL: "https://example.com/v1", api: "responses", models: [{ id: "gpt-9", contextWindow: 1 }] },
        anthropic: { baseURL: "http://127.0.0.1:9", headers: { "x-a": "b" } },
        local: {
          type: "openai-compatible",
          baseURL: "http://localhost:11434/v1",
          apiKeyEnv: "LOCAL_KEY",
          models: [{ id: "qwen", price: { input: 0, output: 0 }, reasoning: true }],
          quirks: { streamUsage: false, parallelToolCalls: false },
        },
        "some-plugin": { anything: { the: "plugin reads" } },
      },
      sandbox: { memoryMb: 256, os: "bwrap", network: true, writable: ["~/.cache", "/opt/x"] },
      mcpServers: {
        github: { command: "npx", args: ["-y", "server"], env: { A: "b" } },
        docs: { type: "http", url: "https://example.com/mcp", headers: { Authorization: "Bearer x" } },
      },
      mcp: { startTimeoutMs: 5000, approvals: { "/p": { docs: "abc" } } },
    };
    expect(settingsProblems(settings)).toEqual([]);
    expect(validateSettings(settings, "c.json")).toBe(settings);
  });

  it.each([
    [{ permissions: { dney: ["bash(rm:*)"] } }, "unknown setting permissions.dney — did you mean permissions.deny?"],
    [
      { providers: { openai: { baseUrl: "http://x" } } },
      "unknown setting providers.openai.baseUrl — did you mean providers.openai.baseURL?",
    ],
    [{ modle: "openai/gpt-5" }, "unknown setting modle — did you mean model?"],
    [{ sandbox: { netwrok: true } }, "unknown setting sandbox.netwrok — did you mean sandbox.network?"],
    [
      { mcpServers: { gh: { comand: "npx" } } },
      "unknown setting mcpServers.gh.comand — did you mean mcpServers.gh.command?",
    ],
    [{ mcp: { startTimeout: 1 } }, "unknown setting mcp.startTimeout — did you mean mcp.startTimeoutMs?"],
    [
      { colour: "red" },
      "unknown setting colour (known here: model, thinking, maxTurns, streamIdleTimeoutMs, theme, permissions",
    ],
    [{ thinking: "max" }, '"thinking" must be one of off, low, medium, high'],
    [{ model: "gpt5" }, '"model" must be a model named provider/model (like openai/gpt-5) or an alias: opus, sonnet'],
    [{ maxTurns: 0 }, '"maxTurns" must be a positive whole number'],
    [{ permissions: { allow: "bash" } }, '"permissions.allow" must be a list'],
    [{ permissions: { deny: [3] } }, '"permissions.deny[0]" must be a rule such as "bash(npm test:*)"'],
    [{ permissions: { defaultMode: "yolo" } }, '"permissions.defaultMode" must be one of default, acceptEdits'],
    [{ providers: { openai: { api: "completions" } } }, '"providers.openai.api" must be one of chat, responses'],
    [{ providers: { local: { type: "openai-compatible" } } }, '"providers.local" needs "baseURL"'],
    [
      { providers: { local: { type: "openai-compatible", baseURL: "ftp://x", apiKey: "sk" } } },
      '"providers.local.baseURL" must be a URL starting with http:// or https://',
    ],
    [{ sandbox: { os: "docker" } }, '"sandbox.os" must be one of auto, bwrap, off'],
    [{ sandbox: { writable: ["relative/dir"] } }, '"sandbox.writable[0]" must be an absolute path or a ~/ path'],
    [{ sandbox: [] }, '"sandbox" must be an object'],
    [
      { mcpServers: { "bad name": { command: "x" } } },
      '"mcpServers": the name "bad name" is not allowed; use 1-40 letters',
    ],
    [{ mcpServers: { web: { type: "http" } } }, '"mcpServers.web" needs "url"'],
    [[], "the settings must be a JSON object of settings"],
  ])("%j → %s", (settings, message) => {
    expect(settingsProblems(settings).join("\n")).toContain(message);
  });

  it("names the file, and lists every problem when there are several", () => {
    expect(() => validateSettings({ permissions: { dney: [] } }, "/h/config.json")).toThrow(
      new UsageError("/h/config.json: unknown setting permissions.dney — did you mean permissions.deny?"),
    );
    expect(() => validateSettings({ modle: "x", thinking: "max" }, "/p/.pincer/settings.json")).toThrow(
      /^\/p\/.pincer\/settings.json has 2 problems:\n {2}unknown setting modle — did you mean model\?\n {2}"thinking" must be one of/,
    );
  });
});

describe("nearestKey", () => {
  it("suggests only keys close enough to be what was meant", () => {
    expect(nearestKey("dney", ["allow", "ask", "deny"])).toBe("deny");
    expect(nearestKey("baseurl", ["baseURL", "api"])).toBe("baseURL");
    expect(nearestKey("colour", ["model", "theme"])).toBeUndefined();
  });
});
