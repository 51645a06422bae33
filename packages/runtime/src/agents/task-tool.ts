import { randomBytes } from "node:crypto";
import type { AgentDefinition } from "@pincer/claude-code";
import { findAgent, selectTools } from "@pincer/claude-code";
import {
  createKernel,
  type FrontEndAdvice,
  type Kernel,
  type ModelInfo,
  type PermissionMode,
  type PermissionResolver,
  type Provider,
  parseModelRef,
  type Redactor,
  type Tool,
  type ToolResult,
} from "@pincer/kernel";
import { resolveModelAlias } from "../model-aliases.js";
import { environmentLines } from "../system-prompt.js";

export interface TaskArgs {
  agent?: string;
  description: string;
  prompt: string;
}

export interface TaskToolOptions {
  agents: AgentDefinition[];
  /** The parent kernel; known only once it is built, so asked for at call time. */
  parent: () => Kernel;
  /** A provider by id, for the subagent's model (the registry's loadProvider). */
  loadProvider: (id: string) => Promise<{ provider: Provider; models: ModelInfo[] }>;
  /** The parent's resolver: a question a subagent's tool call raises reaches the same user. */
  resolver?: PermissionResolver;
  /** Project memory, added under every subagent's own prompt. */
  memory?: string;
  maxTurns?: number;
  /** The session's redactor: a subagent's tool output is scrubbed before its model sees it, too. */
  redact?: Redactor;
  /** The front end's words for refusals: a subagent's refused call reads as its parent's would. */
  advice?: FrontEndAdvice;
  /**
   * The session's Claude Code hooks for a subagent's kernel (session-hooks.ts), known once the
   * session's hooks are attached: they see its tool calls, and SubagentStop its end. Returns
   * what stops them.
   */
  subagentHooks?: () => ((child: Kernel, agent: { id: string; type: string }) => () => void) | undefined;
}

export const GENERAL_PURPOSE = "general-purpose";

const GENERAL_PROMPT = [
  "You are a subagent of Pincer, a coding agent: the main agent handed you one task.",
  "Work on it with the tools, in small verified steps, and do not ask the user questions: they cannot see you.",
  "Your final reply is all the main agent receives, so make it a complete, concise report: what you found or changed, with file paths, and anything left undone.",
].join("\n");

/** From the most careful to the most permissive: a project's agent may only move left of the parent. */
const MODE_RANK: Record<PermissionMode, number> = { plan: 0, default: 1, acceptEdits: 2, bypassPermissions: 3 };

/**
 * `task { agent?, description, prompt }`: runs a subagent to its end in a fresh kernel with an
 * in-memory session (its transcript is not kept; its final text is the tool result, its usage and
 * cost are in the result's details and join the parent's usage as each answer arrives). Kind
 * `read`: starting it never asks, while every tool call inside it is judged by the parent's mode,
 * rules and resolver as usual, and spends from the parent's ledger: one total and one --budget
 * for the whole run, the subagent's model cost included.
 */
export function createTaskTool(options: TaskToolOptions): Tool<TaskArgs> {
  const names = [GENERAL_PURPOSE, ...options.agents.map((agent) => agent.name)];
  const providers = new Map<string, Promise<{ provider: Provider; models: ModelInfo[] }>>();
  const listed = [
    `- ${GENERAL_PURPOSE}: research and multi-step work, with all your tools (the default)`,
    ...options.agents.map((agent) => `- ${agent.name}: ${summary(agent.description)}`),
  ];
  return {
    name: "task",
    kind: "read",
    description: [
      "Hand a self-contained task to a subagent: it works in its own context and returns only its final report. For broad searches or independent work whose details you need not keep. It does not see this conversation: put all it needs in `prompt`.",
      "",
      "Agents:",
      ...listed,
    ].join("\n"),
    parameters: {
      type: "object",
      properties: {
        agent: { type: "string" },
        description: { type: "string", description: "A 3-5 word label" },
        prompt: { type: "string" },
      },
      required: ["description", "prompt"],
      additionalProperties: false,
    },
    async execute(args, ctx): Promise<ToolResult> {
      const name = args.agent?.trim() || GENERAL_PURPOSE;
      // A plugin's agent answers to its scoped name (`<plugin>:<agent>`), or its own when only one plugin has it.
      const agent = findAgent(options.agents, name);
      if (!agent && name !== GENERAL_PURPOSE) {
        return {
          isError: true,
          content: `No agent named "${name}". Agents: ${names.join(", ")}.`,
        };
      }
      const parent = options.parent();
      const notes: string[] = [];
      const tools = pickTools(parent, agent, notes);
      const model = pickModel(parent.model, agent, notes);
      let loaded: { provider: Provider; models: ModelInfo[] };
      try {
        const id = parseModelRef(model).provider;
        if (!providers.has(id)) providers.set(id, options.loadProvider(id));
        loaded = await providers.get(id)!;
      } catch (error) {
        providers.delete(parseModelRef(model).provider);
        return { isError: true, content: `Agent ${name} could not start: ${(error as Error).message}` };
      }
      const child = createKernel({
        model,
        // The parent's level; a subagent's model that does not reason gets none (see reasoningFor).
        thinking: parent.thinking,
        cwd: parent.cwd,
        systemPrompt: [
          agent?.prompt || GENERAL_PROMPT,
          "",
          ...environmentLines(parent.cwd),
          ...(options.memory ? ["", options.memory] : []),
        ].join("\n"),
        tools,
        providers: [loaded.provider],
        models: loaded.models,
        permissions: {
          mode: pickMode(parent.permissions.mode, agent, notes),
          rules: [...parent.permissions.rules],
          ...(options.resolver ? { resolver: options.resolver } : {}),
        },
        spending: parent.spending,
        ...(options.redact ? { redact: options.redact } : {}),
        ...(options.advice ? { advice: options.advice } : {}),
        // The agent's own budget (maxTurns in its front matter) wins over the session's.
        ...(agent?.maxTurns || options.maxTurns ? { maxTurns: agent?.maxTurns ?? options.maxTurns } : {}),
      });
      // Progress for UIs: which tool the subagent is running (the model never sees this).
      child.on("tool_start", (event) => ctx.onUpdate(`${name} → ${event.name}`));
      child.on("assistant_message", (event) => ctx.addUsage?.(event.message.usage));
      const detachHooks = options.subagentHooks?.()?.(child, { id: randomBytes(8).toString("hex"), type: name });
      let result: Awaited<ReturnType<Kernel["prompt"]>>;
      try {
        result = await child.prompt(args.prompt, { signal: ctx.signal });
      } finally {
        detachHooks?.();
      }
      const details = {
        agent: name,
        description: args.description,
        model,
        stopReason: result.stopReason,
        steps: result.steps,
        usage: result.usage,
        costUsd: result.usage.cost.total,
        ...(notes.length ? { notes } : {}),
      };
      if (result.stopReason === "end_turn") {
        return { content: result.text || "(The subagent finished without a final message.)", details };
      }
      const why = result.error ?? `it stopped (${result.stopReason})`;
      return {
        isError: true,
        content: `Agent ${name} did not finish: ${why}.${result.text ? `\n\nIts last message:\n${result.text}` : ""}`,
        details,
      };
    },
  };
}

function pickTools(parent: Kernel, agent: AgentDefinition | undefined, notes: string[]) {
  const denied = agent?.disallowedTools;
  const available = parent
    .listTools()
    .filter((tool) => tool.name !== "task" && !(denied && selectTools([tool], denied, []).length > 0));
  if (!agent?.tools) return available;
  const missing: string[] = [];
  const picked = selectTools(available, agent.tools, missing);
  for (const name of missing) notes.push(`tool "${name}" is not available here`);
  return picked;
}

function pickModel(parentModel: string, agent: AgentDefinition | undefined, notes: string[]): string {
  // Claude Code's agent files name a family (`model: sonnet`): the alias stands for its current model.
  const wanted = agent?.model === undefined ? undefined : resolveModelAlias(agent.model);
  if (!wanted || wanted === "inherit") return parentModel;
  if (!wanted.includes("/")) {
    notes.push(`model "${wanted}" is not of the form provider/model; used the parent's (${parentModel})`);
    return parentModel;
  }
  return wanted;
}

function pickMode(parentMode: PermissionMode, agent: AgentDefinition | undefined, notes: string[]): PermissionMode {
  const wanted = agent?.permissionMode;
  if (!wanted) return parentMode;
  // A cloned repository's agent must not grant itself more than the user gave the session.
  if (agent.scope === "project" && MODE_RANK[wanted] > MODE_RANK[parentMode]) {
    notes.push(
      `permissionMode "${wanted}" from a project agent ignored: it may only narrow the session's "${parentMode}"`,
    );
    return parentMode;
  }
  return wanted;
}

/**
 * An agent's description as the task tool lists it: every agent's line is paid on every request,
 * so a long one is cut at a word before 100 characters (the agent's own prompt keeps all of it).
 * The cut is marked "...", not "…": one character past Latin-1 anywhere in a request makes the
 * whole body a two-byte string, twice the bytes to copy out of the provider's isolate and a slow
 * UTF-8 encoding at every model call.
 */
function summary(description: string): string {
  const flat = description.replace(/\s+/g, " ").trim();
  if (flat.length <= 100) return flat;
  const cut = flat.slice(0, 100);
  return `${cut.slice(0, cut.lastIndexOf(" ")).replace(/[\s,;:-]+$/, "")}...`;
}
