import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PERMISSION_MODES, type PermissionMode } from "@pincer/kernel";
import { listField, readNamedDefinition, stringField } from "./front-matter.js";

/** A subagent defined in markdown: front matter for its settings, the body for its system prompt. */
export interface AgentDefinition {
  name: string;
  description: string;
  /** The body: the subagent's system prompt. */
  prompt: string;
  /** Tool names it may use; absent: the parent's tools (minus `task`). */
  tools?: string[];
  /** `provider/model`, `inherit`, or a Claude Code alias (`sonnet`…); absent: the parent's. */
  model?: string;
  permissionMode?: PermissionMode;
  /** Most model calls in one of its runs (`maxTurns` in front matter); absent: the session's. */
  maxTurns?: number;
  file: string;
  /** Where it was found: a user's own agents may widen permissions, a project's may only narrow. */
  scope: "user" | "project";
}

/** Project folders first (the nearest wins on a name clash), then the user's. */
export function agentRoots(options: {
  cwd: string;
  pincerHome: string;
}): Array<{ dir: string; scope: "user" | "project" }> {
  return [
    { dir: join(options.cwd, ".pincer", "agents"), scope: "project" },
    { dir: join(options.cwd, ".claude", "agents"), scope: "project" },
    { dir: join(options.pincerHome, "agents"), scope: "user" },
  ];
}

export function loadAgents(
  roots: Array<{ dir: string; scope: "user" | "project" }>,
  warnings: string[],
): AgentDefinition[] {
  const agents = new Map<string, AgentDefinition>();
  for (const root of roots) {
    let names: string[];
    try {
      names = readdirSync(root.dir)
        .filter((name) => name.endsWith(".md"))
        .sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const agent = readAgent(join(root.dir, name), root.scope, warnings);
      if (agent && !agents.has(agent.name)) agents.set(agent.name, agent);
    }
  }
  return [...agents.values()];
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

function readAgent(file: string, scope: "user" | "project", warnings: string[]): AgentDefinition | undefined {
  const { definition: parsed, skip } = readNamedDefinition(file, "agent", warnings);
  if (!parsed) return undefined;
  const { name, description } = parsed;
  const mode = stringField(parsed.data, "permissionMode");
  if (mode && !(PERMISSION_MODES as readonly string[]).includes(mode)) {
    return skip(`unknown permissionMode "${mode}" (use one of: ${PERMISSION_MODES.join(", ")})`);
  }
  const tools = listField(parsed.data, "tools");
  const model = stringField(parsed.data, "model");
  const turns = stringField(parsed.data, "maxTurns");
  if (turns !== undefined && !/^[1-9]\d*$/.test(turns)) return skip(`maxTurns "${turns}" is not a positive integer`);
  return {
    name,
    description,
    prompt: parsed.body.trim(),
    ...(tools ? { tools } : {}),
    ...(model ? { model } : {}),
    ...(mode ? { permissionMode: mode as PermissionMode } : {}),
    ...(turns ? { maxTurns: Number(turns) } : {}),
    file,
    scope,
  };
}
