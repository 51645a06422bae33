import type { HookSource, Hooks, KernelEvent, ToolCall, Usage } from "@pincer/kernel";
import type { DecisionHookName, HookToolCall } from "@pincer/sdk";
import type { HookCallContext, PluginSandbox } from "../sandbox/plugin-sandbox.js";
import { type PluginVerdicts, pluginVerdict } from "./hook-verdicts.js";
import type { DeclaredHooks } from "./manifest-hooks.js";
import { cut, resultText } from "./observed-events.js";
import { ObserverPump } from "./observer-pump.js";

/** A plugin that declared hooks, and its sandbox (started on the first hook actually called). */
export interface HookedPlugin {
  name: string;
  declared: DeclaredHooks;
  sandbox(): PluginSandbox;
}

export interface SandboxedHooksOptions {
  plugins: readonly HookedPlugin[];
  cwd: string;
  sessionId(): string;
  /** The session's events, for plugins that observe some (the kernel's bus). */
  subscribe(listener: (event: KernelEvent) => void): () => void;
  sessionUsage(): Usage;
  /** Told once per plugin when its observer fails or falls behind. */
  warn(message: string): void;
}

/** The kernel hooks of every plugin that declared some, one source per plugin, and the observers to stop. */
export interface SandboxedHooks {
  sets: Array<{ hooks: Hooks; source: HookSource }>;
  /** Resolves once every observer has been handed what waited for it. */
  idle(): Promise<void>;
  /** Stops delivering observed events (what is still queued is dropped). */
  close(): void;
}

/**
 * Plugins' hooks as kernel hooks: each call goes into the plugin's isolate with plain data, under
 * the hook limits (see PluginSandbox.runHook), and its answer is checked (hook-verdicts.ts) before
 * the kernel sees it. Failures are thrown for the kernel's dispatcher, which reports each once and
 * goes on (a guard refuses the call). A plugin is started only when one of its hooks is called,
 * and a tool hook limited to some tools is not called for the others.
 */
export function sandboxedHooks(options: SandboxedHooksOptions): SandboxedHooks {
  const sets: SandboxedHooks["sets"] = [];
  const pumps: ObserverPump[] = [];
  const context = (): HookCallContext => ({ cwd: options.cwd, sessionId: options.sessionId() });
  for (const plugin of options.plugins) {
    const { decisions, observed } = plugin.declared;
    const ask = async <N extends DecisionHookName>(name: N, args: unknown[]): Promise<PluginVerdicts[N] | undefined> =>
      pluginVerdict(name, await plugin.sandbox().runHook(name, args, context())) as PluginVerdicts[N] | undefined;
    const forTool = (name: DecisionHookName, call: ToolCall) => {
      const declared = decisions.get(name);
      return !!declared && (!declared.tools || declared.tools.has(call.name));
    };
    const hooks: Hooks = {};
    const before = decisions.get("beforeToolCall");
    if (before) {
      hooks.beforeToolCall = async (call) => {
        if (!forTool("beforeToolCall", call)) return undefined;
        const verdict = await ask("beforeToolCall", [hookCall(call)]);
        // A rewrite runs what the plugin says with the tool's power: only where the user saw it at install.
        if (verdict?.args && !before.rewrite) {
          throw new Error(`it rewrote the call's input, which its manifest does not declare ("rewrite": true)`);
        }
        return verdict;
      };
    }
    if (decisions.has("afterToolCall")) {
      hooks.afterToolCall = (call, result) =>
        forTool("afterToolCall", call)
          ? ask("afterToolCall", [hookCall(call), { text: resultText(result), isError: result.isError }])
          : undefined;
    }
    if (decisions.has("promptSubmit")) hooks.promptSubmit = (prompt) => ask("promptSubmit", [cut(prompt)]);
    if (decisions.has("stop")) {
      hooks.stop = (turn) => ask("stop", [{ stopReason: turn.stopReason, steps: turn.steps, text: cut(turn.text) }]);
    }
    if (decisions.has("sessionStart")) hooks.sessionStart = ({ resumed }) => ask("sessionStart", [{ resumed }]);
    if (decisions.has("beforeCompaction")) hooks.beforeCompaction = (info) => ask("beforeCompaction", [info]);
    if (decisions.has("afterCompaction")) {
      hooks.afterCompaction = async (done) => {
        await ask("afterCompaction", [{ ...done, summary: cut(done.summary) }]);
      };
    }
    if (decisions.size > 0) {
      sets.push({
        hooks,
        source: { name: `plugin ${plugin.name}`, ...(decisions.get("beforeToolCall")?.guard ? { guard: true } : {}) },
      });
    }
    if (observed.size > 0) {
      pumps.push(
        new ObserverPump({
          plugin: plugin.name,
          wanted: observed,
          subscribe: options.subscribe,
          sessionUsage: options.sessionUsage,
          deliver: (events) => plugin.sandbox().observe(events, context()),
          warn: options.warn,
        }),
      );
    }
  }
  return {
    sets,
    idle: async () => {
      await Promise.all(pumps.map((pump) => pump.idle()));
    },
    close: () => {
      for (const pump of pumps) pump.close();
    },
  };
}

function hookCall(call: ToolCall): HookToolCall {
  return { id: call.id, name: call.name, arguments: call.arguments };
}
