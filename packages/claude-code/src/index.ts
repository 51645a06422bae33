// @pincer/claude-code: Claude Code's formats (memory files, markdown commands, agent definitions,
// skills, hook scripts) read and checked without running anything, and mapped onto Pincer's own
// mechanisms. It depends on the kernel and the host only; the runtime composes it into sessions.
export { selectTools } from "./agent-tools.js";
export {
  type FrontMatter,
  FrontMatterError,
  type FrontMatterValue,
  listField,
  type NamedDefinition,
  parseFrontMatter,
  readNamedDefinition,
  stringField,
} from "./front-matter.js";
export {
  CLAUDE_TOOL_NAMES,
  claudeCodeHookSets,
  createPluginHooks,
  type HookOutcome,
  type HookRunnerOptions,
  matches,
  runHookCommand,
} from "./hooks.js";
export {
  expandMarkdownCommand,
  expandSlashPrompt,
  findMarkdownCommand,
  listMarkdownCommands,
  type MarkdownCommand,
  type MarkdownCommandContext,
  splitArgs,
} from "./markdown-commands.js";
export { formatMemory, loadMemory, MEMORY_FILE_NAMES, MEMORY_MAX_BYTES, type MemoryFile } from "./memory.js";
export { pincerRule } from "./permission-rules.js";
export { describeClaudePlugin, loadClaudePlugins } from "./plugins/claude-plugin.js";
export { ClaudePluginError } from "./plugins/claude-plugin-files.js";
export { CLAUDE_HOOK_EVENTS, type ClaudeHookCommand, type ClaudeHookEvent } from "./plugins/claude-plugin-hooks.js";
export type { ClaudeMcpServer } from "./plugins/claude-plugin-mcp.js";
export {
  CLAUDE_PLUGIN_MANIFEST,
  type ClaudePlugin,
  isClaudePlugin,
  readClaudePlugin,
} from "./plugins/claude-plugin-read.js";
export { loadSkills, SKILL_DESCRIPTION_MAX, type Skill, skillRoots } from "./skills.js";
export { type AgentDefinition, agentRoots, loadAgents, loadDeclaredAgents } from "./subagents.js";
