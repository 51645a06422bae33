export type * from "@pincer/kernel";
export type {
  BackgroundOutput,
  DirEntry,
  EnvCapability,
  ExecCapability,
  ExecOptions,
  ExecResult,
  FileStat,
  FsCapability,
} from "./capabilities.js";
export {
  COMMAND_EXIT,
  type CommandArgsSpec,
  type CommandExitCode,
  type CommandOption,
  CommandUsageError,
  formatCommandOptions,
  isCommandExitCode,
  type ParsedCommandArgs,
  parseCommandArgs,
  splitCommandLine,
} from "./command-args.js";
export {
  ANSI_COLOR_NAMES,
  type AnyToolDefinition,
  type CommandContext,
  type CommandDefinition,
  type CommandResult,
  type CostContext,
  defineCommand,
  definePlugin,
  defineProvider,
  defineTheme,
  defineTool,
  type PluginDefinition,
  type PluginToolContext,
  type ProviderContext,
  type ProviderDefinition,
  type StatusLineInfo,
  type SyntaxRole,
  type ThemeColorRole,
  type ThemeDefinition,
  type ThemeOptionalColorRole,
  type ThemeSymbol,
  type ToolDefinition,
} from "./define.js";
export type {
  DrivenEvent,
  DrivenSession,
  DrivenTurn,
  DriveOptions,
  InlineAgent,
  SessionDriver,
  SessionLedger,
} from "./driver.js";
export {
  DECISION_HOOKS,
  type DecisionHookName,
  defineHooks,
  type HookContext,
  type HookDefinitions,
  type HookEventName,
  type HookToolCall,
  type HookToolResult,
  type HookTurn,
  type ManifestHook,
  OBSERVED_EVENTS,
  type ObservedEvent,
  type ObservedEventType,
  type UsageSummary,
} from "./hooks.js";
export {
  type ManifestCommand,
  manifestSchema,
  type PluginCapabilities,
  type PluginManifest,
} from "./manifest.js";
export { connectionErrorEvent, networkRefusal, parseRetryAfter } from "./provider-errors.js";
export type { ServiceCapability, ServiceInfo } from "./services.js";
export { endedEarly, isTransientStreamError, notAnEventStream } from "./stream-checks.js";
export {
  isThemeColor,
  isThemeSymbol,
  SYNTAX_ROLES,
  THEME_COLOR_ROLES,
  THEME_OPTIONAL_COLOR_ROLES,
  THEME_SYMBOLS,
} from "./theme-values.js";
