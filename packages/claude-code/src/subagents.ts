import { existsSync } from "node:fs";
import { join } from "node:path";
import { PERMISSION_MODES, type PermissionMode } from "@pincer/kernel";
import { claudeHome } from "./claude-home.js";
import { listField, readNamedDefinition, stringField } from "./front-matter.js";
import { markdownTree } from "./plugins/markdown-tree.js";

/** A subagent defined in markdown: front matter for its settings, the body for its system prompt. */
export interface AgentDefinition {
  /** Its name, or `<plugin>:<name>` for a plugin's (`<plugin>:<subfolder>:<name>` from a subfolder). */
  name: string;
  description: string;
  /** The body: the subagent's system prompt. */
  prompt: string;
  /** Tool names it may use; absent: the parent's tools (minus `task`). */
  tools?: string[];
  /** Tool names it may not use (`disallowedTools`), taken out of what it would get. */
  disallowedTools?: string[];
  /** `provider/model`, `inherit`, or a Claude Code alias (`sonnet`…); absent: the parent's. */
  model?: string;
  permissionMode?: PermissionMode;
  /** Most model calls in one of its runs (`maxTurns` in front matter); absent: the session's. */
  maxTurns?: number;
  file: string;
  /** Where it was found: a user's own agents may widen permissions, a project's or plugin's may only narrow. */
  scope: "user" | "project";
  /** The Claude Code plugin it came from. */
  plugin?: string;
}

/**
 * Claude Code's order of precedence on a name clash: the project's folders, then the user's
 * (`PINCER_HOME/agents`, `~/.claude/agents`). Plugins' agents come last and are namespaced.
 */
export function agentRoots(options: {
  cwd: string;
  pincerHome: string;
  env?: NodeJS.ProcessEnv;
}): Array<{ dir: string; scope: "user" | "project" }> {
  return [
    { dir: join(options.cwd, ".pincer", "agents"), scope: "project" },
    { dir: join(options.cwd, ".claude", "agents"), scope: "project" },
    { dir: join(options.pincerHome, "agents"), scope: "user" },
    ...(options.env ? [{ dir: join(claudeHome(options.env), "agents"), scope: "user" as const }] : []),
  ];
}

/** Agents in the folders (their subfolders too, as Claude Code scans them); the first of a name wins. */
export function loadAgents(
  roots: Array<{ dir: string; scope: "user" | "project" }>,
  warnings: string[],
): AgentDefinition[] {
  const agents = new Map<string, AgentDefinition>();
  for (const root of roots) {
    for (const { file } of markdownTree(root.dir)) {
      const agent = readAgent(file, root.scope, warnings);
      if (agent && !agents.has(agent.name)) agents.set(agent.name, agent);
    }
  }
  return [...agents.values()];
}

/**
 * A Claude Code plugin's agents, named `<plugin>:<name>` (a subfolder of `agents/` joins the name,
 * `<plugin>:review:security`), so two plugins' agents of one name never shadow each other. As in
 * Claude Code, a plugin's agent cannot set its permission mode, hooks or MCP servers; they are
 * left out with a warning.
 */
export function loadPluginAgents(
  plugin: { name: string; root: string; agentFiles: string[] },
  warnings: string[],
): AgentDefinition[] {
  const agents: AgentDefinition[] = [];
  const agentsDir = join(plugin.root, "agents");
  for (const file of plugin.agentFiles) {
    const agent = readAgent(file, "project", warnings, plugin.name);
    if (!agent) continue;
    const folders = file.startsWith(`${agentsDir}/`)
      ? file
          .slice(agentsDir.length + 1)
          .split("/")
          .slice(0, -1)
      : [];
    agents.push({ ...agent, name: [plugin.name, ...folders, agent.name].join(":"), plugin: plugin.name });
  }
  return agents;
}

/**
 * The agent `name` means: an exact name first, then a plugin's agent whose own name (after the
 * `<plugin>:` prefix) is `name` when only one plugin has it, as Claude Code resolves `--agent`.
 */
export function findAgent<A extends { name: string; plugin?: string }>(
  agents: readonly A[],
  name: string,
): A | undefined {
  const exact = agents.find((agent) => agent.name === name);
  if (exact) return exact;
  const short = agents.filter((agent) => agent.plugin && agent.name.split(":").at(-1) === name);
  return short.length === 1 ? short[0] : undefined;
}

/**
 * The agents Pincer plugins declare (`contributes.agents`), one file each. A plugin's agents are
 * scoped like a project's: they may only narrow permissions. A declared file that is missing or
 * names another agent is a warning, and the agent is left out.
 */
export function loadDeclaredAgents(
  declared: Array<{ plugin: string; name: string; file: string }>,
  warnings: string[],
): AgentDefinition[] {
  const agents: AgentDefinition[] = [];
  for (const { plugin, name, file } of declared) {
    if (!existsSync(file)) {
      warnings.push(`Plugin ${plugin} declares agent ${name}, but ${file} does not exist; reinstall the plugin.`);
      continue;
    }
    const agent = readAgent(file, "project", warnings);
    if (agent && agent.name !== name) {
      warnings.push(
        `Skipped agent ${file}: plugin ${plugin} declares it as "${name}" but the file names "${agent.name}".`,
      );
    } else if (agent) agents.push(agent);
  }
  return agents;
}

function readAgent(
  file: string,
  scope: "user" | "project",
  warnings: string[],
  claudePlugin?: string,
): AgentDefinition | undefined {
  const { definition: parsed, skip } = readNamedDefinition(file, "agent", warnings);
  if (!parsed) return undefined;
  const { name, description } = parsed;
  if (name.includes(":")) return skip(`its name "${name}" has a ":", which is kept for plugins' agents`);
  let mode = stringField(parsed.data, "permissionMode");
  if (claudePlugin) {
    const dropped = ["permissionMode", "hooks", "mcpServers"].filter((key) => parsed.data[key] !== undefined);
    if (dropped.length) {
      warnings.push(
        `Agent ${name} of plugin ${claudePlugin}: ${dropped.join(", ")} ignored (a plugin's agent may not set them, as in Claude Code).`,
      );
    }
    mode = undefined;
  }
  if (mode && !(PERMISSION_MODES as readonly string[]).includes(mode)) {
    return skip(`unknown permissionMode "${mode}" (use one of: ${PERMISSION_MODES.join(", ")})`);
  }
  const tools = listField(parsed.data, "tools");
  const disallowedTools = listField(parsed.data, "disallowedTools");
  const model = stringField(parsed.data, "model");
  const turns = stringField(parsed.data, "maxTurns");
  if (turns !== undefined && !/^[1-9]\d*$/.test(turns)) return skip(`maxTurns "${turns}" is not a positive integer`);
  return {
    name,
    description,
    prompt: parsed.body.trim(),
    ...(tools ? { tools } : {}),
    ...(disallowedTools?.length ? { disallowedTools } : {}),
    ...(model ? { model } : {}),
    ...(mode ? { permissionMode: mode as PermissionMode } : {}),
    ...(turns ? { maxTurns: Number(turns) } : {}),
    file,
    scope,
  };
}
