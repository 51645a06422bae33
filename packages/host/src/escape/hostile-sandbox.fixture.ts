import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderEvent, ToolResult } from "@pincer/kernel";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { resolveOsSandbox } from "../capabilities/os-sandbox.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "../sandbox/plugin-sandbox.js";
import type { SandboxLimits } from "../sandbox/sandbox-types.js";

/** With bubblewrap around spawned commands (where this machine has it), or as on a machine without it. */
export type Confinement = "bwrap" | "none";

export interface HostileOptions {
  /** Programs the plugin may spawn. */
  spawn?: string[];
  confinement?: Confinement;
  limits?: Partial<SandboxLimits>;
  /** Hosts the plugin may reach. */
  net?: string[];
}

/**
 * A hostile plugin in the real sandbox: `tools` is the source of a tools array (each tool's
 * `execute(args, ctx)` is the attack), `providers` of a providers array. The plugin may read and
 * write `workspace` only; `outside` is a folder next to it that must stay untouched.
 */
export function hostileSandbox(
  cleanup: Array<() => void>,
  source: { tools?: string; providers?: string },
  options: HostileOptions = {},
) {
  const workspace = realpathSync(mkdtempSync(join(tmpdir(), "pincer-escape-ws-")));
  const outside = realpathSync(mkdtempSync(join(tmpdir(), "pincer-escape-outside-")));
  const spawn = options.spawn ?? [];
  const osSandbox =
    spawn.length > 0
      ? resolveOsSandbox(
          options.confinement === "none" ? { os: "auto", bwrapPath: "/nonexistent/bwrap" } : { os: "auto" },
          { writeRoots: [workspace], readRoots: [workspace], env: process.env },
        )
      : undefined;
  /** What the sandbox logged (it says there when it stops the plugin between calls). */
  const logs: string[] = [];
  const box = new PluginSandbox({
    pluginName: "@evil/hostile",
    log: (line) => logs.push(line),
    code: `globalThis.__pincerPlugin = { default: { tools: [${source.tools ?? ""}], providers: [${source.providers ?? ""}] } };`,
    fs: createFsCapability({ cwd: workspace, readRoots: [workspace], writeRoots: [workspace] }),
    exec: createExecCapability({ cwd: workspace, allowedCommands: spawn, ...(osSandbox ? { osSandbox } : {}) }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest(options.net ?? []),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  cleanup.push(() => {
    box.dispose();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  let calls = 0;
  const run = (name: string, args: Record<string, unknown> = {}): Promise<ToolResult> =>
    box.run(name, args, {
      toolCallId: `call_${++calls}`,
      cwd: workspace,
      signal: new AbortController().signal,
      onUpdate: () => {},
    });
  const stream = async (id: string, systemPrompt = ""): Promise<ProviderEvent[]> => {
    const events: ProviderEvent[] = [];
    const request = { model: "m", systemPrompt, messages: [], tools: [] };
    for await (const event of box.stream(id, request, {}, new AbortController().signal)) events.push(event);
    return events;
  };
  return { box, workspace, outside, run, stream, logs, confined: osSandbox !== undefined };
}

/** Polls `check` until it holds (a busy machine is slow: up to 30 s), else fails naming `what`. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A tool's source: `body` is its execute's body, with `args` and `ctx` in scope. */
export function tool(name: string, body: string): string {
  return `{ name: ${JSON.stringify(name)}, description: "t", kind: "read", parameters: { type: "object" },
    async execute(args, ctx) { ${body} } }`;
}

export const text = (result: ToolResult): string =>
  typeof result.content === "string" ? result.content : JSON.stringify(result.content);
