import { isCommandExitCode, type ManifestCommand, splitCommandLine } from "@pincer/sdk";
import { CommandFailure } from "./command-failure.js";
import { CommandDriver } from "./drivers/command-driver.js";
import type { PluginSandbox } from "./sandbox/plugin-sandbox.js";
import type { RawCommandOutput, SandboxCommandContext } from "./sandbox/sandbox-types.js";
import { CommandServices } from "./services/command-services.js";
import { sanitizeThemeText, stripEscapeSequences } from "./theme.js";

/**
 * The terminal UI's own slash commands. A plugin's command by one of these names is skipped
 * (with a warning): a plugin cannot take over `/help` or `/permissions`.
 */
export const BUILTIN_COMMAND_NAMES: readonly string[] = [
  "help",
  "model",
  "thinking",
  "resume",
  "fork",
  "compact",
  "cost",
  "plugins",
  "theme",
  "permissions",
  "clear",
  "exit",
];

/** A slash command a plugin contributes, as its manifest describes it (sanitized), and the plugin. */
export interface PluginCommand {
  name: string;
  description: string;
  /** A usage hint shown after the name, like `[days]`. */
  args?: string;
  plugin: string;
}

/**
 * What running a command gives the UI: `text` to show the user, `prompt` to send the model as the
 * user's next prompt, `exitCode` how it ended (0 done, 1 failed, 2 usage, 3 finished with problems,
 * 130 interrupted; absent: 0).
 */
export { CommandFailure };

export interface CommandOutput {
  text?: string;
  prompt?: string;
  exitCode?: number;
}

/** The most a command's `text`, or its `prompt`, may be (UTF-8 bytes); the rest is cut with a note. */
export const MAX_COMMAND_TEXT_BYTES = 64 * 1024;
/** The most of a failing command's error message that is shown. */
const MAX_COMMAND_ERROR_BYTES = 4 * 1024;
/** The most of one progress note of a command that is shown. */
const MAX_PROGRESS_BYTES = 4 * 1024;
const MAX_DESCRIPTION = 200;
const MAX_ARGS_HINT = 60;

/** C0 and C1 controls but newline and tab, lone surrogates, and the bidirectional controls that can disguise text. */
const UNSAFE_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cs}/gu;

/**
 * Multi-line text from a plugin made safe for a terminal and a prompt: escape sequences removed,
 * control characters removed except newline and tab (`\r\n`, a lone `\r`, U+2028 and U+2029
 * become newlines), and capped at `maxBytes` of UTF-8 with a note saying so.
 */
export function sanitizeCommandText(value: string, maxBytes = MAX_COMMAND_TEXT_BYTES): string {
  const plain = stripEscapeSequences(value)
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(UNSAFE_CHARACTERS, "");
  if (Buffer.byteLength(plain, "utf8") <= maxBytes) return plain;
  const note = `\n[… cut at ${Math.round(maxBytes / 1024)} KB]`;
  // A character cut in half decodes as U+FFFD at the end: dropped.
  const kept = Buffer.from(plain, "utf8")
    .subarray(0, maxBytes - Buffer.byteLength(note))
    .toString("utf8")
    .replace(/\uFFFD$/, "");
  return `${kept}${note}`;
}

/** A command's raw strings, sanitized and capped; a field the command left out stays out. */
export function sanitizeCommandOutput(raw: RawCommandOutput): CommandOutput {
  const output: CommandOutput = {};
  if (typeof raw.text === "string") output.text = sanitizeCommandText(raw.text);
  if (typeof raw.prompt === "string") output.prompt = sanitizeCommandText(raw.prompt);
  if (isCommandExitCode(raw.exitCode) && raw.exitCode !== 0) output.exitCode = raw.exitCode;
  return output;
}

/** An error from a command's code, its message made safe to show (the plugin wrote part of it). */
export function commandError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CommandFailure) {
    return new CommandFailure(
      sanitizeCommandText(message, MAX_COMMAND_ERROR_BYTES),
      error.exitCode,
      sanitizeCommandText(error.reason, MAX_COMMAND_ERROR_BYTES),
    );
  }
  return new Error(sanitizeCommandText(message, MAX_COMMAND_ERROR_BYTES));
}

/**
 * Every plugin's commands, in plugin order: a name that a built-in command or an earlier plugin
 * (built-ins come first) already has is skipped, with the reason.
 */
export function resolveCommands(
  plugins: ReadonlyArray<{ plugin: string; commands: readonly ManifestCommand[] }>,
  reserved: readonly string[] = BUILTIN_COMMAND_NAMES,
): { commands: PluginCommand[]; skipped: Array<{ plugin: string; name: string; reason: string }> } {
  const commands: PluginCommand[] = [];
  const skipped: Array<{ plugin: string; name: string; reason: string }> = [];
  const builtin = new Set(reserved);
  for (const { plugin, commands: listed } of plugins) {
    for (const entry of listed) {
      const { name } = entry;
      const taken = commands.find((command) => command.name === name);
      if (builtin.has(name)) {
        skipped.push({ plugin, name, reason: `/${name} is a built-in command` });
      } else if (taken) {
        skipped.push({
          plugin,
          name,
          reason:
            taken.plugin === plugin
              ? `its manifest lists /${name} twice`
              : `plugin ${taken.plugin} already provides /${name}`,
        });
      } else {
        const description = sanitizeThemeText(entry.description, MAX_DESCRIPTION) ?? "";
        const args = sanitizeThemeText(entry.args, MAX_ARGS_HINT);
        commands.push({ name, description, ...(args ? { args } : {}), plugin });
      }
    }
  }
  return { commands, skipped };
}

/** What the plugin running a command was granted beyond its sandbox: services and its sessions' allow rules. */
export interface CommandGrants {
  services: readonly string[];
  sessionAllow: readonly string[];
  /** The folders the plugin may write: a session it starts may work in one of them (DriveOptions.cwd). */
  writeRoots?: readonly string[];
  /** Lays a started service's variables over the plugin's environment; the function undoes it. */
  overlayEnv(values: Record<string, string>): () => void;
}

/**
 * Runs a plugin's command in its sandbox (started if need be) and answers with its sanitized
 * output. Cancelling through ctx.signal answers at once; the command's own code is told through
 * its ctx.signal and runs on until it stops or its limits stop it.
 */
export async function runSandboxedCommand(
  sandbox: PluginSandbox,
  command: PluginCommand,
  args: string,
  ctx: SandboxCommandContext,
  grants?: CommandGrants,
): Promise<CommandOutput> {
  const name = command.name;
  const cancelled = () => new Error(`Command /${name} (plugin ${command.plugin}) was cancelled.`);
  if (ctx.signal?.aborted) throw cancelled();
  let defined: string[];
  try {
    defined = (await sandbox.definitions()).commands;
  } catch (error) {
    throw commandError(`Command /${name}: plugin ${command.plugin} could not start: ${(error as Error).message}`);
  }
  if (!Array.isArray(defined) || !defined.includes(name)) {
    throw new Error(`Plugin ${command.plugin} lists command /${name} but does not define it.`);
  }
  const text = typeof args === "string" ? args : "";
  let argv = ctx.argv;
  if (!argv) {
    try {
      argv = splitCommandLine(text);
    } catch {
      // An unclosed quote: the words as typed, split at spaces (the command sees `args` whole too).
      argv = text.split(/\s+/).filter(Boolean);
    }
  }
  // The sessions it drives and the services it started are its own: let go when it returns, however it ends.
  const services =
    ctx.services && grants
      ? new CommandServices(ctx.services, command.plugin, grants.services, grants.overlayEnv)
      : undefined;
  const driver =
    ctx.sessions || services
      ? new CommandDriver(ctx.sessions, command.plugin, ctx.signal ?? new AbortController().signal, {
          allow: grants?.sessionAllow ?? [],
          writeRoots: grants?.writeRoots ?? [],
          ...(services ? { services, grantedEnv: () => sandbox.grantedEnvJson() } : {}),
        })
      : undefined;
  const { onProgress } = ctx;
  const { services: _host, ...context } = ctx;
  const running = sandbox.runCommand(name, text, {
    ...context,
    argv,
    ...(services && ctx.services ? { services: ctx.services } : {}),
    ...(driver ? { driver: (progressed: () => void) => driver.ops(progressed) } : {}),
    // The plugin wrote it: shown as text, never as escape sequences.
    ...(onProgress ? { onProgress: (text: string) => onProgress(sanitizeCommandText(text, MAX_PROGRESS_BYTES)) } : {}),
  });
  const finished = running.then(
    async () => {
      driver?.close();
      await services?.close();
    },
    async () => {
      driver?.close();
      await services?.close();
    },
  );
  const { signal } = ctx;
  try {
    // A command-line run reports what it did even when interrupted: its answer is awaited, and the
    // services it started stop before the answer is given.
    if (!signal || ctx.awaitAfterCancel) {
      const output = sanitizeCommandOutput(await running);
      await finished;
      return output;
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(cancelled());
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    running.catch(() => {});
    try {
      return sanitizeCommandOutput(await Promise.race([running, aborted]));
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  } catch (error) {
    throw commandError(error);
  }
}
