import {
  type DrivenSessionHost,
  type PluginRegistry,
  pluginVerdict,
  type SandboxedHooks,
  type SessionDriverHost,
  sandboxedHooks,
} from "@pincer/host";
import {
  type AnyTool,
  createKernel,
  type Kernel,
  messageText,
  type NewSessionEntry,
  type Provider,
  type ProviderEvent,
  Session,
  type TurnResult,
} from "@pincer/kernel";
import type { DecisionHookName } from "@pincer/sdk";

/** One reply of a scripted model: an answer, or a bash call (the session's bash only records it). */
export type ScriptStep = { text: string } | { bash: string };

/** A model that plays `steps` in order, one per model call, and says so when it runs out. */
export function scriptedModel(steps: readonly ScriptStep[]): Provider {
  let next = 0;
  return {
    id: "script",
    async *stream() {
      const step = steps[next++];
      if (!step) {
        yield { type: "error", message: `the script has no step ${next}`, retryable: false };
        return;
      }
      const events: ProviderEvent[] =
        "text" in step
          ? [{ type: "text_delta", text: step.text }]
          : [
              { type: "toolcall_start", index: 0, id: `call_${next}`, name: "bash" },
              { type: "toolcall_delta", index: 0, argumentsDelta: JSON.stringify({ command: step.bash }) },
              { type: "toolcall_end", index: 0 },
            ];
      yield* events;
      yield { type: "usage", usage: { input: 10, output: 5 } };
      yield { type: "stop", reason: "text" in step ? "stop" : "toolUse" };
    },
  };
}

/** A bash tool that runs nothing: it records the commands that reached it (past hooks and permissions). */
function recordingBash(ran: string[]): AnyTool {
  return {
    name: "bash",
    description: "Run a shell command",
    kind: "execute",
    parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    async execute(args: { command: string }) {
      ran.push(args.command);
      return { content: `(ran ${args.command})` };
    },
  };
}

/** A session with a plugin's hooks, as a test sees it. */
export interface HookedTestSession {
  prompt(text: string): Promise<TurnResult>;
  /** Commands that reached bash. */
  ran: string[];
  /** The text of every tool result, in order. */
  readonly toolResults: string[];
  /** Warnings the session gave (a hook that failed, an observer that fell behind). */
  warnings: string[];
  kernel: Kernel;
  /** Waits until the plugin's observers have been handed every event so far. */
  idle(): Promise<void>;
}

/** A kernel with the registry's plugin hooks, a scripted model and a recording bash, in bypass mode. */
export function hookedTestSession(
  registry: PluginRegistry,
  cwd: string,
  steps: readonly ScriptStep[],
  onClose: (close: () => void) => void,
): HookedTestSession {
  const ran: string[] = [];
  const warnings: string[] = [];
  const kernel = createKernel({
    model: "script/model",
    cwd,
    providers: [scriptedModel(steps)],
    tools: [recordingBash(ran)],
    permissions: { mode: "bypassPermissions" },
  });
  kernel.on("warning", (event) => warnings.push(event.message));
  const hooks: SandboxedHooks = sandboxedHooks({
    plugins: registry.hookedPlugins(),
    cwd,
    sessionId: () => kernel.session.id,
    subscribe: (listener) => kernel.subscribe(listener),
    sessionUsage: () => kernel.usage,
    warn: (message) => warnings.push(message),
  });
  for (const { hooks: set, source } of hooks.sets) kernel.addHooks(set, source);
  onClose(() => hooks.close());
  return {
    prompt: (text) => kernel.prompt(text),
    ran,
    warnings,
    kernel,
    idle: () => hooks.idle(),
    get toolResults() {
      return kernel.session
        .buildContext()
        .messages.flatMap((message) => (message.role === "toolResult" ? [messageText(message)] : []));
    },
  };
}

/** Sessions for a command to drive in a test: real kernels, in memory, answered by one scripted model. */
export interface ScriptedSessions extends SessionDriverHost {
  /** Every prompt the command sent, in order, across its sessions. */
  prompts(): string[];
  /** Every ledger entry the command appended, in order. */
  ledger(): unknown[];
}

export function scriptedSessions(cwd: string, steps: readonly ScriptStep[]): ScriptedSessions {
  const model = scriptedModel(steps);
  const prompts: string[] = [];
  const ledger: unknown[] = [];
  const open = (kernel: Kernel): DrivenSessionHost => ({
    id: kernel.session.id,
    async prompt(text, onEvent, signal) {
      prompts.push(text);
      const unsubscribe = kernel.subscribe(onEvent);
      try {
        return await kernel.prompt(text, { signal });
      } finally {
        unsubscribe();
      }
    },
    fork: async () => {
      // A copy of the path so far, as a stored session's fork is.
      const copy = Session.inMemory({ cwd });
      for (const { id: _id, parentId: _parent, timestamp: _at, ...entry } of kernel.session.pathToLeaf()) {
        copy.append(entry as NewSessionEntry);
      }
      return open(createKernel({ model: "script/model", cwd, providers: [model], session: copy }));
    },
    readCustom: (type) =>
      kernel.session
        .pathToLeaf()
        .flatMap((entry) => (entry.type === "custom" && entry.customType === type ? [entry.data] : [])),
    appendCustom: (type, data) => {
      ledger.push(data);
      kernel.session.append({ type: "custom", customType: type, data });
    },
    close: () => {},
  });
  const fresh = () => open(createKernel({ model: "script/model", cwd, providers: [model] }));
  return {
    start: async () => fresh(),
    resume: async (id) => {
      throw new Error(`no session ${id} in this test`);
    },
    prompts: () => [...prompts],
    ledger: () => [...ledger],
  };
}

/** One hook of a plugin, answered as a session would take it (its verdict checked), or undefined. */
export async function runPluginHook(
  registry: PluginRegistry,
  cwd: string,
  name: DecisionHookName,
  args: unknown[],
): Promise<Record<string, unknown> | undefined> {
  const plugin = registry.hookedPlugins()[0];
  if (!plugin) throw new Error("the plugin's manifest lists no hooks (contributes.hooks)");
  if (!plugin.declared.decisions.has(name)) throw new Error(`the plugin's manifest does not list ${name}`);
  const answer = await plugin.sandbox().runHook(name, args, { cwd, sessionId: "test-session" });
  return pluginVerdict(name, answer) as Record<string, unknown> | undefined;
}
