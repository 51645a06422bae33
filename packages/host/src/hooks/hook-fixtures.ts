import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnyTool, createKernel, type Kernel, type Provider, type ProviderEvent } from "@pincer/kernel";
import { PluginRegistry } from "../registry.js";
import type { SandboxLimits } from "../sandbox/sandbox-types.js";
import { type SandboxedHooks, sandboxedHooks } from "./plugin-hooks.js";

/** Test fixtures for plugin hooks: plugins written to disk, a scripted model, a kernel wired like a session. */

export function tempDir(prefix: string, cleanups: Array<() => void>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A plugin whose manifest lists `hooks` and whose bundle defines `source` (the hooks object's body). */
export function hookPlugin(
  cleanups: Array<() => void>,
  name: string,
  hooks: unknown[],
  source: string,
  extra: Record<string, unknown> = {},
): string {
  const dir = tempDir(`pincer-hook-${name}-`, cleanups);
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name,
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { hooks },
      ...extra,
    }),
  );
  writeFileSync(join(dir, "dist/plugin.js"), `globalThis.__pincerPlugin = { default: { hooks: { ${source} } } };`);
  return dir;
}

/** A bash-like tool that records what it ran. */
export function recordingTool(ran: string[]): AnyTool {
  return {
    name: "bash",
    description: "Run a command",
    kind: "execute",
    parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    async execute(args: { command: string }) {
      ran.push(args.command);
      return { content: `ran ${args.command}` };
    },
  };
}

/** A model that calls bash with each command in turn, then answers "done". */
export function bashModel(...commands: string[]): Provider {
  let step = 0;
  return {
    id: "test",
    async *stream() {
      const command = commands[step++];
      const events: ProviderEvent[] =
        command === undefined
          ? [{ type: "text_delta", text: "done" }]
          : [
              { type: "toolcall_start", index: 0, id: `call_${step}`, name: "bash" },
              { type: "toolcall_delta", index: 0, argumentsDelta: JSON.stringify({ command }) },
              { type: "toolcall_end", index: 0 },
            ];
      yield* events;
      yield { type: "usage", usage: { input: 10, output: 5 } };
      yield { type: "stop", reason: command === undefined ? "stop" : "toolUse" };
    },
  };
}

/** A kernel with the plugins' hooks wired as a session wires them; warnings collected. */
export function hookedKernel(
  cleanups: Array<() => void>,
  plugins: string[],
  options: { commands: string[]; limits?: Partial<SandboxLimits>; mode?: "default" | "bypassPermissions" },
): { kernel: Kernel; registry: PluginRegistry; ran: string[]; warnings: string[]; hooks: SandboxedHooks } {
  const warnings: string[] = [];
  const cwd = tempDir("pincer-hook-cwd-", cleanups);
  const registry = new PluginRegistry({
    cwd,
    env: {},
    onPluginError: (plugin, error) => warnings.push(`${plugin}: ${error.message}`),
    ...(options.limits ? { sandboxLimits: options.limits } : {}),
  });
  cleanups.push(() => registry.dispose());
  for (const dir of plugins) registry.add(dir);
  const ran: string[] = [];
  const kernel = createKernel({
    model: "test/m",
    cwd,
    providers: [bashModel(...options.commands)],
    tools: [recordingTool(ran)],
    permissions: { mode: options.mode ?? "bypassPermissions" },
  });
  kernel.on("warning", (event) => warnings.push(event.message));
  const hooks = sandboxedHooks({
    plugins: registry.hookedPlugins(),
    cwd,
    sessionId: () => kernel.session.id,
    subscribe: (listener) => kernel.subscribe(listener),
    sessionUsage: () => kernel.usage,
    warn: (message) => warnings.push(message),
  });
  for (const { hooks: set, source } of hooks.sets) kernel.addHooks(set, source);
  cleanups.push(() => hooks.close());
  return { kernel, registry, ran, warnings, hooks };
}

/** The text of the session's tool results, for assertions. */
export function toolResultText(kernel: Kernel): string {
  return JSON.stringify(kernel.session.buildContext().messages.filter((message) => message.role === "toolResult"));
}
