import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { ConsentRefusedError, type ConsentRequest, PluginInstaller } from "../install/installer.js";
import { readLockfile } from "../install/lockfile.js";
import { pluginPackage } from "../install/tarball.fixture.js";
import { declaredHooks, describeHookId, hookIds } from "./manifest-hooks.js";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function setup(answers: boolean[]) {
  const home = temp("pincer-hook-consent-home-");
  const work = temp("pincer-hook-consent-cwd-");
  const asked: ConsentRequest[] = [];
  const installer = new PluginInstaller({
    home,
    cwd: work,
    env: {},
    pincerVersion: "0.1.0",
    builtins: [],
    consent: async (request) => {
      asked.push(request);
      return answers.shift() ?? true;
    },
  });
  const tarball = (name: string, hooks: unknown[], version = "1.0.0") => {
    const file = join(work, name);
    writeFileSync(file, pluginPackage({ version, hooks }));
    return file;
  };
  return { home, installer, asked, tarball };
}

const manifest = (hooks: unknown[]): PluginManifest =>
  ({
    name: "p",
    version: "1.0.0",
    engines: { pincer: "^0.1.0" },
    main: "x.js",
    contributes: { hooks },
  }) as PluginManifest;

describe("hooks are consented to at install, like capabilities", () => {
  it("a plugin with hooks and no capabilities is asked about, in words; refused, nothing is installed", async () => {
    const { home, installer, asked, tarball } = setup([false]);
    const file = tarball("v1.tgz", [
      { event: "beforeToolCall", tools: ["bash"], rewrite: true },
      "promptSubmit",
      "turn_end",
    ]);
    await expect(installer.install(file)).rejects.toBeInstanceOf(ConsentRefusedError);
    expect(asked[0]?.capabilities).toEqual([]);
    expect(asked[0]?.hooks).toEqual([
      "hook into every session: see each call of bash before it runs, and refuse it or have you approve it; rewrite its input: what runs is then what the plugin says",
      "hook into every session: be told of each turn's answer as the session goes",
      "hook into every session: read your prompts, and refuse them or add to them",
    ]);
    expect(readLockfile(home).plugins).toEqual({});
  });

  it("an update that adds a hook, or a rewrite, asks again; the same hooks do not", async () => {
    const { home, installer, asked, tarball } = setup([true, true, true]);
    await installer.install(tarball("v1.tgz", [{ event: "beforeToolCall", tools: ["bash"] }]));
    expect(readLockfile(home).plugins["@acme/echo"]?.hooks).toEqual(["beforeToolCall(bash)"]);
    await installer.install(tarball("v2.tgz", [{ event: "beforeToolCall", tools: ["bash"] }], "1.0.1"));
    expect(asked).toHaveLength(1);
    await installer.install(tarball("v3.tgz", [{ event: "beforeToolCall", tools: ["bash"], rewrite: true }], "1.0.2"));
    expect(asked).toHaveLength(2);
    expect(asked[1]?.updateFrom).toBe("1.0.1");
    expect(asked[1]?.hooks?.[0]).toContain("rewrite its input");
  });
});

describe("contributes.hooks beyond the schema", () => {
  it.each([
    [["beforeToolCall", { event: "beforeToolCall", guard: true }], "lists beforeToolCall twice"],
    [[{ event: "promptSubmit", tools: ["bash"] }], '"tools" applies to beforeToolCall and afterToolCall'],
    [[{ event: "afterToolCall", guard: true }], '"guard" applies to beforeToolCall only'],
    [[{ event: "stop", rewrite: true }], '"rewrite" applies to beforeToolCall only'],
  ])("%j is refused", (hooks, message) => {
    expect(() => declaredHooks(manifest(hooks))).toThrow(message);
  });

  it("names each hook once, sorted, and describes an unknown id without trusting it", () => {
    expect(hookIds(manifest(["tool_end", { event: "afterToolCall", tools: ["write", "edit"] }]))).toEqual([
      "afterToolCall(edit,write)",
      "observe(tool_end)",
    ]);
    expect(describeHookId("somethingElse")).toBe("hook into every session (somethingElse)");
  });
});
