import type { CostEstimate, ModelInfo, Provider, Tool, ToolContext, ToolResult } from "@pincer/kernel";
import type { EnvCapability, ExecCapability, FsCapability } from "./capabilities.js";
import type { CommandExitCode } from "./command-args.js";
import type { SessionDriver } from "./driver.js";
import type { HookDefinitions } from "./hooks.js";
import type { ManifestCommand } from "./manifest.js";
import type { ServiceCapability } from "./services.js";

/** The context a plugin's tool runs with: the kernel's tool context plus its granted capabilities. */
export interface PluginToolContext extends ToolContext {
  fs: FsCapability;
  exec: ExecCapability;
  env: EnvCapability;
  /** Plugin-scoped key/value state that lives as long as the session (e.g. the todo list). */
  state: Map<string, unknown>;
}

/** What a tool's cost estimate runs with: the session's folder and the plugin's granted env (to tell where a job would run). */
export interface CostContext {
  cwd: string;
  env: EnvCapability;
}

export interface ToolDefinition<Args = Record<string, unknown>> extends Omit<Tool<Args>, "execute" | "estimateCost"> {
  /**
   * What this call would cost in US dollars, for tools that spend money (paid hardware,
   * endpoints): shown in the permission question and counted against the run's `--budget`. It
   * runs in the plugin's isolate before the permission check and must answer at once, from the
   * arguments and env alone: one that throws, returns a promise or runs past a second gives no
   * estimate, and the call is asked as any other.
   */
  estimateCost?(args: Args, ctx: CostContext): CostEstimate | undefined;
  execute(args: Args, ctx: PluginToolContext): Promise<ToolResult>;
}

export interface ProviderContext {
  env: EnvCapability;
  /** Files the provider may read (e.g. cassettes), under its granted roots. */
  fs: FsCapability;
  /** Provider settings from the user's config (base URL, headers, quirks). */
  config: Record<string, unknown>;
  fetch: typeof fetch;
}

export interface ProviderDefinition {
  id: string;
  /** Models this provider knows, for the catalogue (context window, prices). */
  models?: ModelInfo[];
  create(ctx: ProviderContext): Provider;
}

// biome-ignore lint/suspicious/noExplicitAny: a plugin holds tools of every argument type.
export type AnyToolDefinition = ToolDefinition<any>;

/** The roles of Pincer's output every theme colours. */
export type ThemeColorRole = "accent" | "success" | "warning" | "error" | "muted";

/** Roles a theme may colour too; left out, each falls back to one of the five above or the terminal's. */
export type ThemeOptionalColorRole =
  | "text"
  | "user"
  | "border"
  | "heading"
  | "code"
  | "link"
  | "diffAdded"
  | "diffRemoved"
  | "selection";

/** Token kinds of the code highlighter in fenced blocks. */
export type SyntaxRole = "keyword" | "string" | "number" | "comment" | "function" | "type" | "constant" | "punctuation";

/** The marks Pincer prints; each one or two printable characters. */
export type ThemeSymbol = "success" | "failure" | "pending" | "prompt" | "bullet" | "collapsed" | "expanded";

/**
 * What a theme's optional formatting code receives to draw the status line. Plain data: the
 * function runs inside the theme plugin's sandbox and returns text (escape sequences are dropped).
 */
export interface StatusLineInfo {
  model: string;
  sessionId: string;
  cwd: string;
  /** Tokens of context the next request will carry, and the model's window when known. */
  contextTokens: number;
  contextWindow?: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  busy: boolean;
  permissionMode: string;
}

/**
 * A theme is data: a colour per role, a syntax palette and the symbols Pincer prints, plus
 * optional formatting code. A colour is `#rrggbb`, or one of the 16 ANSI names (`red`,
 * `blueBright`, `gray`…) for terminals without 24-bit colour.
 */
export interface ThemeDefinition {
  id: string;
  /** One line for `pincer theme list`. */
  description?: string;
  /** The terminal background the theme is made for. */
  appearance?: "dark" | "light";
  colors: Record<ThemeColorRole, string> & Partial<Record<ThemeOptionalColorRole, string>>;
  syntax?: Partial<Record<SyntaxRole, string>>;
  symbols?: Partial<Record<ThemeSymbol, string>>;
  /** Optional code, run in the theme's sandbox: return the whole status line as plain text. */
  format?: { statusLine?(info: StatusLineInfo): string };
}

/** The 16 ANSI colour names a theme may use instead of `#rrggbb`. */
export const ANSI_COLOR_NAMES = [
  "black",
  "red",
  "green",
  "yellow",
  "blue",
  "magenta",
  "cyan",
  "white",
  "gray",
  "redBright",
  "greenBright",
  "yellowBright",
  "blueBright",
  "magentaBright",
  "cyanBright",
  "whiteBright",
] as const;

/**
 * What a slash command's code runs with: the session as plain data, and the plugin's granted
 * capabilities (`fetch` is global, through the net grant, as for tools). Commands it spawns are
 * checked by the permission engine like a tool's.
 */
export interface CommandContext {
  cwd: string;
  /**
   * The plugin's own folder (what `\${plugin}` means in its fs grant) and the machine's temporary
   * folder (`\${tmp}`): files it ships, and scratch space, readable or writable only as granted.
   */
  pluginDir: string;
  tmpDir: string;
  /**
   * The command's arguments as words: on the command line (`pincer <name> …`) the shell's words
   * after the name, less Pincer's own session flags (`--model`, `--cwd`, `--budget`…); typed as
   * `/name args`, `args` split as a shell would. Read them with parseCommandArgs.
   */
  argv: string[];
  /** The session the command was typed in; empty when it runs from the command line (`pincer <name>`). */
  sessionId: string;
  /** The session's model, `provider/model` (from the command line: `--model`, else the configured one; empty when none is). */
  model: string;
  /**
   * The dollar cap the user gave (`--budget`): sessions the command drives approve costed calls
   * within it (and refuse the first it cannot cover). Absent: no budget, costed calls are asked.
   */
  budgetUsd?: number;
  /** Aborted when the user cancels the command. */
  signal: AbortSignal;
  fs: FsCapability;
  exec: ExecCapability;
  env: EnvCapability;
  /**
   * Drive sessions: start or resume one, prompt it, fork it, keep a ledger in it (see
   * SessionDriver). Absent where the front end running the command offers no sessions.
   */
  sessions?: SessionDriver;
  /**
   * Services Pincer starts for the command (a local Hugging Face Hub…), each one the manifest
   * declares under `capabilities.services` and the user granted. Absent where the front end offers none.
   */
  services?: ServiceCapability;
  /**
   * Tell the user how far the command has got (shown by the front end as it runs: on the command
   * line, on stderr). A long command that drives turns is not stopped by the per-call wall clock
   * while its turns make progress.
   */
  progress(message: string): void;
}

/**
 * What a command gives back: a string is shown to the user; `text` is shown to the user and
 * `prompt` is sent to the model as the user's next prompt (a prompt template). Escape sequences
 * and control characters other than newline and tab are removed from both, and each is capped.
 * `exitCode` is how the command ended (default 0; see COMMAND_EXIT): `pincer <name>` exits with
 * it, and a front end shows a non-zero one as a failure. A command that throws ends with 1 (2 for
 * a CommandUsageError), its message shown as the failure.
 */
export type CommandResult = string | { text?: string; prompt?: string; exitCode?: CommandExitCode };

/**
 * A slash command (`/name args`) the plugin contributes. Its name, description and usage hint
 * are repeated in the manifest (`contributes.commands`), so listing commands starts no plugin;
 * `run` executes in the plugin's sandbox, under its limits, when the user types the command.
 */
export interface CommandDefinition extends ManifestCommand {
  /**
   * `args` is everything typed after the name, trimmed (empty when nothing was); `ctx.argv` has
   * the same as words. On the command line (`pincer <name> …`) `args` is the words joined by spaces.
   */
  run(args: string, ctx: CommandContext): CommandResult | Promise<CommandResult>;
}

export interface PluginDefinition {
  tools?: AnyToolDefinition[];
  providers?: ProviderDefinition[];
  themes?: ThemeDefinition[];
  commands?: CommandDefinition[];
  /** Hooks into every session the plugin is loaded in; list them in the manifest's `contributes.hooks`. */
  hooks?: HookDefinitions;
}

/** Identity helpers: they exist for type inference and to give authors one obvious import. */
// biome-ignore lint/suspicious/noExplicitAny: argument types are inferred per tool.
export function defineTool<Args = any>(definition: ToolDefinition<Args>): ToolDefinition<Args> {
  return definition;
}

export function defineProvider(definition: ProviderDefinition): ProviderDefinition {
  return definition;
}

export function defineTheme(definition: ThemeDefinition): ThemeDefinition {
  return definition;
}

export function defineCommand(definition: CommandDefinition): CommandDefinition {
  return definition;
}

export function definePlugin(definition: PluginDefinition): PluginDefinition {
  return definition;
}
