import type { CommandOutput } from "@pincer/host";
import type { PreparedSession } from "@pincer/runtime";

/**
 * `pincer -p "/name args"` where a plugin contributes the command /name: it runs in the plugin's
 * sandbox as it would in the terminal, with the session's sessions to drive (ctx.sessions) and its
 * progress shown through `progress`. Resolves to what the command gave back (its `prompt`, if any,
 * is for the model), or undefined when the text names no plugin command (it is then an ordinary
 * prompt). Rejects with the command's failure.
 */
export async function runHeadlessCommand(
  prepared: PreparedSession,
  text: string,
  options: { cwd: string; signal: AbortSignal; progress(line: string): void },
): Promise<CommandOutput | undefined> {
  const match = /^\/([a-z][a-z0-9-]*)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  const name = match[1] as string;
  if (!prepared.registry.listCommands().some((command) => command.name === name)) return undefined;
  return prepared.registry.runCommand(name, match[2]?.trim() ?? "", {
    cwd: options.cwd,
    sessionId: prepared.session.id,
    model: prepared.kernel.model,
    signal: options.signal,
    sessions: prepared.driver,
    onProgress: options.progress,
  });
}
