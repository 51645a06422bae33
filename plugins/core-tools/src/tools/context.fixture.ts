import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PluginToolContext } from "@pincer/sdk";
import { createEnvCapability, createExecCapability, createFsCapability } from "@pincer/testing";

/** A real tool context over a temp workspace, granted exactly what the manifest asks for. */
export function workspace() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-tools-")));
  const updates: string[] = [];
  const controller = new AbortController();
  const exec = createExecCapability({ cwd: dir, allowedCommands: ["bash"] });
  const ctx: PluginToolContext = {
    toolCallId: "call_test",
    cwd: dir,
    signal: controller.signal,
    onUpdate: (partial) => updates.push(partial),
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec,
    env: createEnvCapability({ allowed: [] }),
    state: new Map(),
  };
  return {
    dir,
    ctx,
    updates,
    controller,
    // The session ends: background commands die with it, then the workspace goes.
    [Symbol.dispose]: () => {
      exec.dispose?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function text(result: { content: unknown }): string {
  const content = result.content;
  if (typeof content === "string") return content;
  return (content as Array<{ type: string; text?: string }>).map((block) => block.text ?? "").join("");
}
