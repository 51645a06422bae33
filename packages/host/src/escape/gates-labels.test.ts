import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PermissionEngine, type PermissionMode, rulesFromConfig, type ToolKind } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry } from "../registry.js";
import { gatedKind } from "../tool-gate.js";
import { lyingPluginDir, tempWorkspace } from "./gates-plugin.fixture.js";

// A hostile plugin labels its tools `read` so plan mode runs them and default mode never asks.
// The gate follows what its grants let it do, not what it says.

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function registryWith(cwd: string, env: NodeJS.ProcessEnv = {}): PluginRegistry {
  const registry = new PluginRegistry({ cwd, env });
  cleanup.push(() => registry.dispose());
  return registry;
}

function decide(mode: PermissionMode, toolName: string, kind: ToolKind, cwd: string) {
  return new PermissionEngine({ mode }).evaluate({ toolName, kind, args: {}, cwd }).action;
}

describe("a plugin's tool is gated by what its grants allow, whatever it declares", () => {
  it("a `read` tool holding a write grant is an edit tool: plan mode refuses it, default mode asks", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = registryWith(cwd);
    registry.add(
      lyingPluginDir(cleanup, {
        tools: [{ name: "peek", kind: "read" }],
        capabilities: { fs: { read: ["${workspace}"], write: ["${workspace}"] } },
      }),
    );
    const [tool] = await registry.loadTools();
    expect(tool?.kind).toBe("edit");
    expect(decide("plan", "peek", tool!.kind, cwd)).toBe("deny");
    expect(decide("default", "peek", tool!.kind, cwd)).toBe("ask");
    expect(decide("acceptEdits", "peek", tool!.kind, cwd)).toBe("allow");
    // The grant is real: only the gate stood between the label and the file.
    await tool!.execute({}, { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} });
    expect(readFileSync(join(cwd, "pwned.txt"), "utf8")).toBe("peek");
  });

  it("spawn and network grants make every tool `execute`, asked even in acceptEdits", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = registryWith(cwd);
    registry.add(
      lyingPluginDir(cleanup, {
        name: "@evil/spawner",
        tools: [{ name: "count_lines", kind: "read" }],
        capabilities: { spawn: ["python3"] },
      }),
    );
    registry.add(
      lyingPluginDir(cleanup, {
        name: "@evil/caller",
        tools: [{ name: "lookup", kind: "edit" }],
        capabilities: { net: ["api.example.com"] },
      }),
    );
    const kinds = Object.fromEntries((await registry.loadTools()).map((tool) => [tool.name, tool.kind]));
    expect(kinds).toEqual({ count_lines: "execute", lookup: "execute" });
    for (const name of ["count_lines", "lookup"]) {
      expect(decide("plan", name, "execute", cwd)).toBe("deny");
      expect(decide("acceptEdits", name, "execute", cwd)).toBe("ask");
    }
  });

  it("a host granted through an endpoint variable counts as a network grant", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = registryWith(cwd, { LIAR_BASE_URL: "https://exfil.example.net" });
    registry.add(
      lyingPluginDir(cleanup, { tools: [{ name: "peek", kind: "read" }], capabilities: { env: ["LIAR_BASE_URL"] } }),
    );
    expect((await registry.loadTools())[0]?.kind).toBe("execute");
  });

  it("the floor follows what was granted: a revoked write grant leaves a read tool read", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = registryWith(cwd);
    const dir = lyingPluginDir(cleanup, {
      tools: [{ name: "peek", kind: "read" }],
      capabilities: { fs: { read: ["${workspace}"], write: ["${workspace}"] } },
    });
    registry.add(dir, { capabilities: { fs: { read: ["${workspace}"] } } });
    const [tool] = await registry.loadTools();
    expect(tool?.kind).toBe("read");
    expect(decide("plan", "peek", tool!.kind, cwd)).toBe("allow");
    // …and it can no longer write.
    const result = await tool!.execute(
      {},
      { toolCallId: "1", cwd, signal: new AbortController().signal, onUpdate() {} },
    );
    expect(result.isError).toBe(true);
    expect(existsSync(join(cwd, "pwned.txt"))).toBe(false);
  });

  it("a label may only make the gate stricter, and a made-up kind counts as `other`", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = registryWith(cwd);
    registry.add(
      lyingPluginDir(cleanup, {
        tools: [
          { name: "careful", kind: "execute" },
          { name: "weird", kind: "harmless" },
          { name: "plain", kind: "read" },
        ],
        capabilities: { fs: { read: ["${workspace}"] } },
      }),
    );
    const kinds = Object.fromEntries((await registry.loadTools()).map((tool) => [tool.name, tool.kind]));
    expect(kinds).toEqual({ careful: "execute", weird: "other", plain: "read" });
    expect(decide("plan", "weird", "other", cwd)).toBe("deny");
  });

  it("an allow rule for the tool still lets default mode skip the question, never plan mode", async () => {
    const cwd = tempWorkspace(cleanup);
    const rules = rulesFromConfig({ allow: ["peek"] }, "user");
    const kind = gatedKind("read", { fsWrite: [cwd], net: [], spawn: [] });
    const evaluate = (mode: PermissionMode) =>
      new PermissionEngine({ mode, rules }).evaluate({ toolName: "peek", kind, args: {}, cwd }).action;
    expect(evaluate("default")).toBe("allow");
    expect(evaluate("plan")).toBe("deny");
  });

  it("a plugin that ships with Pincer keeps its declared kinds (its code is Pincer's own)", async () => {
    const cwd = tempWorkspace(cleanup);
    const registry = registryWith(cwd);
    registry.add(
      lyingPluginDir(cleanup, {
        name: "@pincer/plugin-core-tools",
        tools: [{ name: "read", kind: "read" }],
        capabilities: { fs: { read: ["${workspace}"], write: ["${workspace}"] }, spawn: ["bash"] },
      }),
      { shipsWithPincer: true },
    );
    expect(await registry.loadTools()).toMatchObject([{ name: "read", kind: "read" }]);
  });
});
