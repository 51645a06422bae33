// @pincer/runtime: the composition root. prepareSession turns settings, plugins, memory files,
// skills, subagents, MCP servers and hooks into a ready kernel and session; the CLI and every
// embedder start sessions through it.
export { checkAgentExists } from "./agents/check-agent.js";
export { type AgentContext, gatherAgentContext } from "./agents/context.js";
export { agentTools, resolveSessionAgent, type SessionAgent } from "./agents/session-agent.js";
export { createSkillTool, type SkillArgs } from "./agents/skill-tool.js";
export { createTaskTool, GENERAL_PURPOSE, type TaskArgs, type TaskToolOptions } from "./agents/task-tool.js";
export { type CommandLineOptions, commandLineCommands, runCommandLine } from "./commands/command-line.js";
export { type CommandTurn, type SlashCommands, type SlashExpansion, slashCommands } from "./commands/slash-commands.js";
export {
  configPath,
  osSandboxSettings,
  type PermissionSettings,
  pincerHome,
  projectSettingsPath,
  readSettings,
  runDir,
  type Settings,
  sessionsDir,
  UsageError,
  validateSettings,
  writeSettings,
} from "./home.js";
export { hubJobLauncher } from "./hub-jobs.js";
export {
  DEFAULT_HUB_PORT,
  type HomeHub,
  hubDir,
  hubPort,
  hubServerFile,
  hubTokenFile,
  localHubToken,
  type RunningHub,
  runningLocalHub,
  serveCommand,
  startHomeHub,
  tokenForLocalEndpoint,
  writeHubServerFile,
} from "./local-hub.js";
export { type McpElicitHandler, mcpClientHost, SAMPLING_TOOL } from "./mcp-client-host.js";
export { aliasesOf, MODEL_ALIASES, resolveModelAlias } from "./model-aliases.js";
export {
  BUILT_IN_PROVIDERS,
  checkModelBeforeStart,
  chooseModel,
  configuredDefaultModel,
  missingCredentials,
  missingKeyGuidance,
  noProviderGuidance,
  type ProviderSettings,
} from "./model-choice.js";
export { BUILTIN_PLUGINS, builtinManifests, builtinPlugins, createRegistry } from "./plugins.js";
export { commandServiceHost, SERVICES } from "./services/service-host.js";
export { sessionDriverHost } from "./session-driver.js";
export { importSession } from "./session-import.js";
export { claudePluginServers, sessionMcp } from "./session-mcp.js";
export { readTranscript, redactJsonLines } from "./session-transcript.js";
// Settings: one schema for every file, and what a project's files may set (they only narrow).
export {
  LOCAL_SETTINGS,
  type LocalSettings,
  localSettingsPath,
  readLocalSettings,
  rememberLocalAllowRule,
} from "./settings/local-settings.js";
export {
  DEFAULT_MAX_TURNS,
  type IgnoredSetting,
  ignoredWarnings,
  MODE_ORDER,
  type Narrowed,
  type NarrowOptions,
  narrowProjectSettings,
} from "./settings/narrow.js";
export { type ProjectSettings, readProjectSettings } from "./settings/project-settings.js";
export { settingsProblems } from "./settings/schema-errors.js";
export { type PreparedSession, prepareSession, type SessionOptions, splitList } from "./setup.js";
export { buildSystemPrompt, environmentLines } from "./system-prompt.js";
