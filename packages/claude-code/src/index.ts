// @pincer/claude-code: Claude Code's formats (memory files, markdown commands, agent definitions,
// skills, hook scripts) read and checked without running anything, and mapped onto Pincer's own
// mechanisms. It depends on the kernel and the host only; the runtime composes it into sessions.
export { selectTools } from "./agent-tools.js";
export { claudeHome } from "./claude-home.js";
export {
  closeMatches,
  findMarkdownCommand,
  listMarkdownCommands,
  type MarkdownCommand,
  type MarkdownCommandContext,
  pluginSkillRoots,
} from "./commands/discover.js";
export { expandMarkdownCommand, parseSlash } from "./commands/expand.js";
export {
  CommandExpansionError,
  type CommandHost,
  type FileOutcome,
  injectContext,
  type ShellOutcome,
} from "./commands/inject.js";
export { splitArgs, substituteArguments, type TemplateVariables } from "./commands/substitute.js";
export {
  booleanField,
  type FrontMatter,
  FrontMatterError,
  type FrontMatterValue,
  firstParagraph,
  keepFrontMatterIn,
  listField,
  type NamedDefinition,
  parseFrontMatter,
  readDefinitionFile,
  readNamedDefinition,
  stringField,
  toolListField,
} from "./front-matter.js";
export {
  type ClaudeHooksOptions,
  claudeHookSets,
  type SessionStartSource,
  subjectOf,
} from "./hooks/claude-hooks.js";
export { type HookAnswer, readAnswer } from "./hooks/hook-output.js";
export {
  type BoundHook,
  describeHook,
  type HookOrigin,
  type HookOutcome,
  type HookProcessOptions,
  pluginDataEnv,
  type RunningHook,
  runHookCommand,
} from "./hooks/hook-process.js";
export { conditionHolds, matches, matchesTool } from "./hooks/matchers.js";
export { ClaudeTranscript } from "./hooks/transcript.js";
export { pluginHookBindings } from "./hooks.js";
export {
  formatMemory,
  formatNestedMemory,
  loadMemory,
  MEMORY_FILE_NAMES,
  MEMORY_MAX_BYTES,
  type MemoryFile,
  type MemoryOptions,
  nestedMemory,
  projectRoot,
} from "./memory.js";
export { findImports, MAX_IMPORT_HOPS, stripHtmlComments } from "./memory-imports.js";
export { pincerRule } from "./permission-rules.js";
export { describeClaudePlugin, loadClaudePlugins } from "./plugins/claude-plugin.js";
export { ClaudePluginError } from "./plugins/claude-plugin-files.js";
export {
  CLAUDE_HOOK_EVENTS,
  type ClaudeHookCommand,
  type ClaudeHookEvent,
  parseHooks,
  TOOL_EVENTS,
} from "./plugins/claude-plugin-hooks.js";
export type { ClaudeMcpServer } from "./plugins/claude-plugin-mcp.js";
export {
  CLAUDE_PLUGIN_MANIFEST,
  type ClaudePlugin,
  isClaudePlugin,
  type ReadPluginOptions,
  readClaudePlugin,
} from "./plugins/claude-plugin-read.js";
export {
  type ClaudeSettingsFile,
  type ClaudeSettingsScope,
  claudeSettingsPaths,
  hooksFingerprint,
  readClaudeSettings,
} from "./settings/claude-settings.js";
export {
  approveHooks,
  type HookApproval,
  hookApprovalStatus,
  hookApprovalsPath,
} from "./settings/hook-approvals.js";
export {
  claudePathPattern,
  claudePermissionsToPincer,
  claudeRuleToPincer,
} from "./settings/permission-rules.js";
export {
  type DefinitionScope,
  loadSkills,
  SKILL_DESCRIPTION_MAX,
  type Skill,
  type SkillRoot,
  skillRoots,
} from "./skills.js";
export {
  type AgentDefinition,
  agentRoots,
  findAgent,
  loadAgents,
  loadDeclaredAgents,
  loadPluginAgents,
} from "./subagents.js";
export {
  CLAUDE_TOOL_NAMES,
  claudeToolName,
  fromClaudeInput,
  pincerToolName,
  TOOL_NAME_TABLE,
  type ToolNameMapping,
  toClaudeInput,
} from "./tool-names.js";
