import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommandOutput, PluginRegistry, readManifest, type SessionDriverHost } from "@pincer/host";
import { bundleForSandbox } from "@pincer/host/install";
import type { AnyTool, ModelRequest, ProviderEvent, ToolResult } from "@pincer/kernel";
import type { DecisionHookName, PluginCapabilities, PluginManifest, ThemeDefinition } from "@pincer/sdk";
import {
  type HookedTestSession,
  hookedTestSession,
  runPluginHook,
  type ScriptedSessions,
  type ScriptStep,
  scriptedSessions,
} from "./plugin-sessions.js";

export interface LoadPluginOptions {
  /** The session folder the plugin works in (`${workspace}`); default: a fresh temp folder. */
  cwd?: string;
  /** The environment the plugin's `env` grant reads from; default: empty. */
  env?: NodeJS.ProcessEnv;
  /** What to grant; default: everything the manifest declares, as a user who said yes. */
  grants?: PluginCapabilities;
  /** Provider settings, as `providers.<id>` in config.json. */
  providerConfig?: Record<string, Record<string, unknown>>;
  /**
   * The agent the session runs as, for a manifest's `activation.agents`; default: the first agent
   * named there, so a plugin's own tests see its tools.
   */
  agent?: string;
  /**
   * Load it as Pincer loads the plugins it ships: its tools' declared kinds stand and it may use
   * reserved tool names. For Pincer's own plugins only; any other plugin's tools are gated at
   * least as strictly as its grants allow, as in a session.
   */
  shipsWithPincer?: boolean;
}

export interface LoadedPlugin {
  manifest: PluginManifest;
  cwd: string;
  tools(): Promise<AnyTool[]>;
  /** Runs one tool call in the plugin's isolate; progress lines land in `updates`. */
  runTool(name: string, args: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<ToolResult>;
  /** Runs one model call of a provider the plugin contributes and collects its events. */
  streamProvider(id: string, request: ModelRequest, options?: { signal?: AbortSignal }): Promise<ProviderEvent[]>;
  /** A theme the plugin contributes, as the host reads it. */
  theme(id: string): Promise<ThemeDefinition>;
  /**
   * One of the plugin's hooks, called as a session calls it (its verdict checked; undefined for
   * none); rejects as the session would report it (it threw, ran past its limits, answered nonsense).
   */
  runHook(name: DecisionHookName, ...args: unknown[]): Promise<Record<string, unknown> | undefined>;
  /** A session with the plugin's hooks, a scripted model and a bash that only records what reached it. */
  session(options: { model: ScriptStep[] }): Promise<HookedTestSession>;
  /** Sessions for a command to drive (pass as `sessions` to runCommand): real kernels, a scripted model. */
  sessions(options: { model: ScriptStep[] }): ScriptedSessions;
  /** Runs one of the plugin's slash commands; its ctx.progress lines land in `progress`. */
  runCommand(
    name: string,
    args?: string,
    options?: { sessions?: SessionDriverHost; signal?: AbortSignal },
  ): Promise<CommandOutput>;
  updates: string[];
  progress: string[];
  dispose(): void;
}

/**
 * A plugin exactly as Pincer runs it, for its own tests: its main bundled for the sandbox,
 * started in an isolate, with only the granted capabilities. What passes here passes in a session.
 */
export async function loadPlugin(dir: string | URL, options: LoadPluginOptions = {}): Promise<LoadedPlugin> {
  const root = resolve(typeof dir === "string" ? dir : fileURLToPath(dir));
  const manifest = readManifest(root);
  const scratch = mkdtempSync(join(tmpdir(), "pincer-plugin-test-"));
  const bundleFile = join(scratch, "bundle.js");
  // The source when there is one (a built-in's main is already its sandbox bundle), else main.
  const source = ["src/index.ts", "src/index.js"].map((file) => join(root, file)).find((file) => existsSync(file));
  writeFileSync(bundleFile, await bundleForSandbox(source ?? join(root, manifest.main), manifest.name));
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "pincer-workspace-"));
  // A workspace the harness makes is the harness's to remove (dispose); one it is given is not.
  const madeCwd = options.cwd === undefined;
  const agent = options.agent ?? manifest.activation?.agents?.[0];
  const registry = new PluginRegistry({
    cwd,
    env: options.env ?? {},
    ...(agent ? { agent } : {}),
    ...(options.providerConfig ? { providerConfig: options.providerConfig } : {}),
  });
  registry.add(root, {
    bundleFile,
    ...(options.grants ? { capabilities: options.grants } : {}),
    ...(options.shipsWithPincer ? { shipsWithPincer: true } : {}),
  });
  let tools: Promise<AnyTool[]> | undefined;
  const updates: string[] = [];
  const progress: string[] = [];
  const closers: Array<() => void> = [];
  let calls = 0;
  const loaded: LoadedPlugin = {
    manifest,
    cwd,
    updates,
    tools: () => {
      tools ??= registry.loadTools();
      return tools;
    },
    async runTool(name, args, callOptions = {}) {
      const tool = (await loaded.tools()).find((candidate) => candidate.name === name);
      if (!tool) throw new Error(`${manifest.name} has no tool named ${name}.`);
      return tool.execute(args, {
        toolCallId: `test-call-${++calls}`,
        cwd,
        signal: callOptions.signal ?? new AbortController().signal,
        onUpdate: (partial) => updates.push(partial),
      });
    },
    async streamProvider(id, request, callOptions = {}) {
      const { provider } = await registry.loadProvider(id);
      const events: ProviderEvent[] = [];
      for await (const event of provider.stream(request, callOptions.signal ?? new AbortController().signal)) {
        events.push(event);
      }
      return events;
    },
    theme: (id) => registry.loadTheme(id),
    runHook: (name, ...args) => runPluginHook(registry, cwd, name, args),
    session: async ({ model }) => hookedTestSession(registry, cwd, model, (close) => closers.push(close)),
    sessions: ({ model }) => scriptedSessions(cwd, model),
    runCommand: (name, args = "", callOptions = {}) =>
      registry.runCommand(name, args, {
        cwd,
        sessionId: "test-session",
        model: "script/model",
        ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        ...(callOptions.sessions ? { sessions: callOptions.sessions } : {}),
        onProgress: (line) => progress.push(line),
      }),
    progress,
    dispose() {
      for (const close of closers.splice(0)) close();
      registry.dispose();
      rmSync(scratch, { recursive: true, force: true });
      if (madeCwd) rmSync(cwd, { recursive: true, force: true });
    },
  };
  return loaded;
}
