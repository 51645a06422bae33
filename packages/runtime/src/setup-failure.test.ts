import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PluginRegistry } from "@pincer/host";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "./home.js";
import { prepareSession } from "./setup.js";

/** Every registry a start made, with a count of its dispose() calls. */
const made: Array<{ registry: PluginRegistry; disposed: number }> = [];
vi.mock("./plugins.js", async (original) => {
  const actual = await original<typeof import("./plugins.js")>();
  return {
    ...actual,
    createRegistry: (...args: Parameters<typeof actual.createRegistry>) => {
      const registry = actual.createRegistry(...args);
      const record = { registry, disposed: 0 };
      const dispose = registry.dispose.bind(registry);
      registry.dispose = () => {
        record.disposed++;
        dispose();
      };
      made.push(record);
      return registry;
    },
  };
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  made.length = 0;
});

function place() {
  const root = mkdtempSync(join(tmpdir(), "pincer-setup-failure-"));
  dirs.push(root);
  return { cwd: root, home: join(root, "home"), env: { HOME: root, OPENAI_API_KEY: "sk-test" } };
}

describe("a start that fails after the plugins started", () => {
  it("lets go of the plugins' isolates, every time (a server takes such requests again and again)", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      // An unknown agent is found only once the tools and the provider are being loaded.
      await expect(prepareSession({ ...place(), model: "openai/gpt-5", agent: "ghost" })).rejects.toThrow(UsageError);
    }
    expect(made).toHaveLength(3);
    expect(made.map((record) => record.disposed)).toEqual([1, 1, 1]);
    // Disposed after the isolates that were starting had started: none is left running.
    expect(made.map((record) => record.registry.startedPlugins())).toEqual([[], [], []]);
  });

  it("a start that succeeds keeps its registry until the session is disposed", async () => {
    const prepared = await prepareSession({ ...place(), model: "openai/gpt-5" });
    expect(made.map((record) => record.disposed)).toEqual([0]);
    expect(made[0]?.registry.startedPlugins()).toContain("@pincer/provider-openai");
    prepared.dispose();
    expect(made.map((record) => record.disposed)).toEqual([1]);
  });
});
