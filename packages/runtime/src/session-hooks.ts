import { type ClaudePlugin, claudeCodeHookSets } from "@pincer/claude-code";
import { type OsSandboxSettings, type PluginRegistry, sandboxedHooks } from "@pincer/host";
import type { Kernel } from "@pincer/kernel";

/**
 * Every hook a session runs, through one mechanism: the kernel's dispatcher (kernel
 * hook-dispatch.ts), each source named, each failure contained and reported once. Two kinds of
 * source feed it: plugins that declare hooks (run in their sandboxes, under the hook limits; see
 * @pincer/host hooks/) and Claude Code plugins' hooks.json commands (run in the OS sandbox; see
 * @pincer/claude-code hooks.ts), one adapter onto the same dispatcher. A plugin that declares no
 * hooks is never started for them. Returns what stops the observers when the session ends.
 */
export function attachSessionHooks(options: {
  kernel: Kernel;
  registry: PluginRegistry;
  claudePlugins: ClaudePlugin[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  osSandbox: OsSandboxSettings;
}): () => void {
  const { kernel } = options;
  const warn = (message: string) => kernel.bus.emit({ type: "warning", message });
  const plugins = sandboxedHooks({
    plugins: options.registry.hookedPlugins(),
    cwd: options.cwd,
    sessionId: () => kernel.session.id,
    subscribe: (listener) => kernel.subscribe(listener),
    sessionUsage: () => kernel.usage,
    warn,
  });
  for (const { hooks, source } of plugins.sets) kernel.addHooks(hooks, source);
  const claude = claudeCodeHookSets({
    plugins: options.claudePlugins,
    cwd: options.cwd,
    env: options.env,
    sessionId: () => kernel.session.id,
    osSandbox: options.osSandbox,
    warn,
  });
  for (const { hooks, source } of claude) kernel.addHooks(hooks, source);
  return () => plugins.close();
}
