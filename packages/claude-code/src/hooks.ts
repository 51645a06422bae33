import type { BoundHook } from "./hooks/hook-process.js";
import type { ClaudePlugin } from "./plugins/claude-plugin-read.js";

/**
 * Claude Code hook commands, from the places Claude Code reads them, bound to where they came
 * from: an installed plugin's `hooks/hooks.json` (accepted at install) here; settings files'
 * `hooks` in settings/claude-settings.ts. hooks/claude-hooks.ts turns them into kernel hooks.
 */
export function pluginHookBindings(plugins: readonly ClaudePlugin[]): BoundHook[] {
  return plugins.flatMap((plugin) =>
    plugin.hooks.map((hook) => ({
      ...hook,
      origin: {
        kind: "plugin" as const,
        name: plugin.name,
        root: plugin.root,
        ...(plugin.dataDir ? { dataDir: plugin.dataDir } : {}),
      },
    })),
  );
}
