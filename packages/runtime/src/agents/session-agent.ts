import type { AgentDefinition } from "@pincer/claude-code";
import { findAgent, selectTools } from "@pincer/claude-code";
import type { PermissionMode } from "@pincer/kernel";
import { UsageError } from "../home.js";

/** From the most careful to the most permissive: a project's or plugin's agent may only move left. */
const MODE_RANK: Record<PermissionMode, number> = { plan: 0, default: 1, acceptEdits: 2, bypassPermissions: 3 };

/**
 * `pincer --agent <name>`: the whole session runs as that agent. Its prompt joins the system
 * prompt, its tool list limits the session's tools, its permission mode applies unless a flag
 * sets one, and its maxTurns applies unless a flag does.
 */
export interface SessionAgent {
  agent: AgentDefinition;
  mode: PermissionMode;
  /** Whether a tool (a plugin's, an MCP server's, the task tool) belongs to the agent's list. */
  keeps(name: string): boolean;
  /** The section added after Pincer's base prompt. */
  systemPromptSection: string;
}

export function resolveSessionAgent(options: {
  name: string;
  agents: readonly AgentDefinition[];
  /** The mode from settings (or the default). */
  settingsMode: PermissionMode;
  /** --permission-mode, which beats the agent's. */
  flagMode: PermissionMode | undefined;
  warnings: string[];
}): SessionAgent {
  const agent = findAgent(options.agents, options.name);
  if (!agent) {
    const names = options.agents.map((candidate) => candidate.name);
    throw new UsageError(
      names.length
        ? `Unknown agent "${options.name}". Available agents: ${names.join(", ")}.`
        : `Unknown agent "${options.name}": no agents are defined. Add one as .pincer/agents/${options.name}.md, or install a plugin that contributes it.`,
    );
  }
  return {
    agent,
    mode: options.flagMode ?? agentMode(agent, options.settingsMode, options.warnings),
    keeps: (name) =>
      (!agent.tools || selectTools([{ name }], agent.tools, []).length > 0) &&
      !(agent.disallowedTools && selectTools([{ name }], agent.disallowedTools, []).length > 0),
    systemPromptSection: agent.prompt,
  };
}

/** The session's tools the agent's list keeps; names it lists that no tool has become warnings. */
export function agentTools<T extends { name: string }>(tools: T[], session: SessionAgent, warnings: string[]): T[] {
  if (session.agent.disallowedTools) tools = tools.filter((tool) => session.keeps(tool.name));
  if (!session.agent.tools) return tools;
  const missing: string[] = [];
  const kept = selectTools(tools, session.agent.tools, missing);
  if (missing.length) {
    warnings.push(
      `Agent ${session.agent.name}: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not available here (the plugin is not installed, or not active without its credentials).`,
    );
  }
  return kept;
}

function agentMode(agent: AgentDefinition, settingsMode: PermissionMode, warnings: string[]): PermissionMode {
  const wanted = agent.permissionMode;
  if (!wanted) return settingsMode;
  // An agent from a cloned repository or a plugin must not grant itself more than the user did.
  if (agent.scope === "project" && MODE_RANK[wanted] > MODE_RANK[settingsMode]) {
    warnings.push(
      `Agent ${agent.name} asks for permission mode "${wanted}"; it may only narrow "${settingsMode}", so the session stays in "${settingsMode}". Pass --permission-mode ${wanted} to allow it.`,
    );
    return settingsMode;
  }
  return wanted;
}
