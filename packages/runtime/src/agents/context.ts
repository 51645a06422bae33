import { homedir } from "node:os";
import {
  type AgentDefinition,
  agentRoots,
  type ClaudePlugin,
  formatMemory,
  loadAgents,
  loadDeclaredAgents,
  loadMemory,
  loadPluginAgents,
  loadSkills,
  type MemoryFile,
  pluginSkillRoots,
  type Skill,
  skillRoots,
} from "@pincer/claude-code";
import type { AnyTool } from "@pincer/kernel";
import { createSkillTool } from "./skill-tool.js";
import { createTaskTool, type TaskToolOptions } from "./task-tool.js";

/** What a session takes from the files people already have: AGENTS.md, skills, agents. */
export interface AgentContext {
  memory: MemoryFile[];
  skills: Skill[];
  agents: AgentDefinition[];
  /** Sections for the main system prompt (the memory, when there is any). */
  systemPromptSections: string[];
  /** The `skill` tool (only when there are skills) and the `task` tool, minus any the filter drops. */
  tools(options: Omit<TaskToolOptions, "agents" | "memory"> & { keep: (name: string) => boolean }): AnyTool[];
}

/** Reads everything at session start; a file that cannot be used becomes a warning, never a failure. */
export function gatherAgentContext(options: {
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  warnings: string[];
  /** Installed Claude Code plugins: their skills and agents come last (project and user ones win). */
  claudePlugins?: ClaudePlugin[];
  /** Agents Pincer plugins declare (PluginRegistry.agentFiles): after the project's and user's, before Claude Code plugins'. */
  pluginAgents?: Array<{ plugin: string; name: string; file: string }>;
  /** Whether the session may read a file (its read rules): a memory file's imports it may not are skipped. */
  readAllowed?: (path: string) => boolean;
}): AgentContext {
  const where = { cwd: options.cwd, pincerHome: options.home, env: options.env };
  const memory = loadMemory({
    ...where,
    userHome: options.env.HOME || homedir(),
    warnings: options.warnings,
    ...(options.readAllowed ? { readAllowed: options.readAllowed } : {}),
  });
  const plugins = options.claudePlugins ?? [];
  const skills = loadSkills([...skillRoots(where), ...pluginSkillRoots(plugins)], options.warnings);
  // A Claude Code plugin's agents are `<plugin>:<agent>` and may only narrow permissions, like a project's.
  const ownAgents = loadAgents(agentRoots(where), options.warnings);
  const declared = loadDeclaredAgents(options.pluginAgents ?? [], options.warnings);
  const pluginAgents = plugins.flatMap((plugin) => loadPluginAgents(plugin, options.warnings));
  const agents = [...ownAgents, ...declared, ...pluginAgents].filter(
    (agent, index, all) => all.findIndex((other) => other.name === agent.name) === index,
  );
  // `disable-model-invocation`: the user runs it as /name; the model is not told of it.
  const modelSkills = skills.filter((skill) => skill.modelInvocable);
  const memoryText = formatMemory(memory);
  return {
    memory,
    skills,
    agents,
    systemPromptSections: memoryText ? [memoryText] : [],
    tools({ keep, ...taskOptions }) {
      const tools: AnyTool[] = [];
      if (modelSkills.length && keep("skill")) tools.push(createSkillTool(modelSkills));
      if (keep("task")) {
        tools.push(createTaskTool({ ...taskOptions, agents, ...(memoryText ? { memory: memoryText } : {}) }));
      }
      return tools;
    },
  };
}
