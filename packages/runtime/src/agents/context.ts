import { homedir } from "node:os";
import {
  type AgentDefinition,
  agentRoots,
  type ClaudePlugin,
  formatMemory,
  loadAgents,
  loadDeclaredAgents,
  loadMemory,
  loadSkills,
  type MemoryFile,
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
}): AgentContext {
  const where = { cwd: options.cwd, pincerHome: options.home };
  const memory = loadMemory({ ...where, userHome: options.env.HOME || homedir(), warnings: options.warnings });
  const plugins = options.claudePlugins ?? [];
  const skills = loadSkills([...skillRoots(where), ...plugins.flatMap((plugin) => plugin.skillDirs)], options.warnings);
  // A plugin's agents may only narrow permissions, like a project's.
  const pluginAgentRoots = plugins.flatMap((plugin) =>
    plugin.agentDirs.map((dir) => ({ dir, scope: "project" as const })),
  );
  const ownAgents = loadAgents(agentRoots(where), options.warnings);
  const declared = loadDeclaredAgents(options.pluginAgents ?? [], options.warnings);
  const agents = [...ownAgents, ...declared, ...loadAgents(pluginAgentRoots, options.warnings)].filter(
    (agent, index, all) => all.findIndex((other) => other.name === agent.name) === index,
  );
  const memoryText = formatMemory(memory);
  return {
    memory,
    skills,
    agents,
    systemPromptSections: memoryText ? [memoryText] : [],
    tools({ keep, ...taskOptions }) {
      const tools: AnyTool[] = [];
      if (skills.length && keep("skill")) tools.push(createSkillTool(skills));
      if (keep("task")) {
        tools.push(createTaskTool({ ...taskOptions, agents, ...(memoryText ? { memory: memoryText } : {}) }));
      }
      return tools;
    },
  };
}
