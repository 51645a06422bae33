import { join } from "node:path";
import { type CommandOutput, checkOsSandbox, type PluginCommand, sanitizeCommandText } from "@pincer/host";
import { PERMISSION_MODES, type PermissionMode } from "@pincer/kernel";
import { configPath, osSandboxSettings, readSettings, runDir, UsageError } from "../home.js";
import { createRegistry } from "../plugins.js";
import { commandServiceHost } from "../services/service-host.js";
import { sessionDriverHost } from "../session-driver.js";
import { readProjectSettings } from "../settings/project-settings.js";
import { prepareSession, type SessionOptions } from "../setup.js";

/**
 * `pincer <name> [args…]` where a plugin contributes the command `name`: the command runs in its
 * plugin's sandbox with no session of its own around it. What it gets:
 * - `argv`, its words (the front end has taken Pincer's own session flags out);
 * - `sessions` to drive, made from the user's settings and those flags, like any session. Their
 *   permission mode is the flag's, else the one the plugin was granted for them
 *   (`capabilities.sessions.mode`), else the settings'; an agent may only narrow it;
 * - `services` (a local Hub…) its grants name, whose variables its sessions get too; what it
 *   started stops when it returns;
 * - `budgetUsd`, the user's `--budget`.
 * Cancelling (`signal`) aborts its turns; its own answer (a report, an exit code) is still awaited.
 */
export interface CommandLineOptions {
  name: string;
  argv: string[];
  /** The session flags, as for `pincer -p` (cwd, model, mode, rules, budget, --dangerously-run-unconfined…). */
  session: Omit<SessionOptions, "resume" | "continue" | "fork">;
  /** Names the front end keeps for its own commands: a plugin's command by one of them is not run from here. */
  reserved: readonly string[];
  signal: AbortSignal;
  /** The command's ctx.progress notes, sanitized. */
  onProgress(text: string): void;
  /** Warnings from loading plugins and the OS sandbox, each once. */
  onWarning(text: string): void;
}

/** The plugin commands `pincer <name>` may run (any plugin's, but a name the front end keeps); starts no plugin. */
export function commandLineCommands(options: {
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  reserved: readonly string[];
}): PluginCommand[] {
  const registry = createRegistry(
    { home: options.home, cwd: options.cwd, env: options.env, reservedCommands: options.reserved },
    () => {},
  );
  return registry.listCommands();
}

export async function runCommandLine(options: CommandLineOptions): Promise<CommandOutput> {
  const { session: base } = options;
  const user = readSettings(configPath(base.home));
  const warnings: string[] = [];
  const { settings: project } = readProjectSettings(base.cwd, base.home, user, warnings);
  const osSandbox = {
    ...osSandboxSettings(user.sandbox, project.sandbox, warnings),
    ...(base.unconfined ? { os: "off" as const } : {}),
    stateDir: runDir(base.home),
  };
  try {
    const { warning } = checkOsSandbox(osSandbox);
    if (warning) warnings.push(warning);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const registry = createRegistry(
    {
      home: base.home,
      cwd: base.cwd,
      cacheDir: join(base.home, "cache"),
      addDirs: base.addDirs ?? [],
      env: base.env,
      providerConfig: { ...user.providers, ...base.providerConfig },
      ...(user.sandbox ? { sandboxLimits: user.sandbox } : {}),
      osSandbox,
      reservedCommands: options.reserved,
    },
    (plugin, error) => warnings.push(sanitizeCommandText(`Plugin ${plugin}: ${error.message}`, 4096)),
  );
  try {
    const record = registry.commandPlugin(options.name);
    for (const warning of warnings.splice(0)) options.onWarning(warning);
    if (!record) throw new UsageError(`No plugin provides the command ${options.name}.`);
    const mode: PermissionMode =
      pickMode(base.permissionMode) ??
      record.grants.sessionMode ??
      pickMode(project.permissions?.defaultMode ?? user.permissions?.defaultMode) ??
      "default";
    const services = commandServiceHost({ home: base.home, env: base.env, unconfined: base.unconfined === true });
    const sessions = sessionDriverHost(
      { ...base, writer: base.writer ?? `pincer ${options.name}` },
      () => mode,
      prepareSession,
      () => services.env(),
    );
    return await registry.runCommand(options.name, options.argv.join(" "), {
      cwd: base.cwd,
      argv: options.argv,
      sessionId: "",
      model: base.model ?? project.model ?? user.model ?? base.env.PINCER_MODEL ?? "",
      ...(base.budgetUsd !== undefined ? { budgetUsd: base.budgetUsd } : {}),
      signal: options.signal,
      sessions,
      services,
      awaitAfterCancel: true,
      onProgress: options.onProgress,
    });
  } finally {
    for (const warning of warnings) options.onWarning(warning);
    registry.dispose();
  }
}

function pickMode(value: string | undefined): PermissionMode | undefined {
  if (value === undefined) return undefined;
  if ((PERMISSION_MODES as readonly string[]).includes(value)) return value as PermissionMode;
  throw new UsageError(`Unknown permission mode "${value}". Use one of: ${PERMISSION_MODES.join(", ")}.`);
}
