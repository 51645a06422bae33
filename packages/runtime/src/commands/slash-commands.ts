import {
  claudeRuleToPincer,
  closeMatches,
  expandMarkdownCommand,
  findMarkdownCommand,
  type MarkdownCommand,
  parseSlash,
  pincerToolName,
} from "@pincer/claude-code";
import { claudePluginDataDir } from "@pincer/host";
import { type Kernel, type PermissionRule, rulesFromConfig, type TurnResult } from "@pincer/kernel";
import type { Settings } from "../home.js";
import { resolveModelAlias } from "../model-aliases.js";
import { narrowProjectSettings } from "../settings/narrow.js";
import { commandHost } from "./command-host.js";

/** What a markdown command's turn runs with; undone when the turn ends. */
export interface CommandTurn {
  /** The command, as typed without its arguments (`frontend:component`). */
  name: string;
  prompt: string;
  /** The tools the turn may use (`allowed-tools`, less `disallowed-tools`); undefined: every tool. */
  tools?: (name: string) => boolean;
  /** The model the turn runs on (`model`); the session's comes back after. */
  model?: string;
  /** Allow rules for this turn only: a user's own command's `allowed-tools`. */
  rules: PermissionRule[];
  /** What was not applied and why, for the user. */
  notes: string[];
}

export type SlashExpansion =
  | { kind: "none" }
  | { kind: "turn"; turn: CommandTurn }
  | { kind: "unknown"; name: string; message: string };

export interface SlashCommandsOptions {
  kernel: () => Kernel;
  commands: MarkdownCommand[];
  cwd: string;
  addDirs: string[];
  home: string;
  user: Settings;
  sessionId: () => string;
  switchModel(ref: string): Promise<void>;
}

/**
 * The session's markdown commands and skills as `/name args` (Claude Code's custom commands):
 * `expand` turns typed text into the prompt and the turn's settings — its `!` lines run through
 * the permission engine and the OS sandbox and its `@file` mentions are read where the session
 * may read (command-host.ts) before anything is sent — and an unknown name into an error listing
 * the close matches, never a prompt. `run` runs the turn with its tools, model and grants, and
 * puts the session's back after.
 */
export function slashCommands(options: SlashCommandsOptions) {
  return {
    list: () => options.commands,

    /**
     * `known`: names other front-end commands answer to (built-in ones, plugins', MCP prompts'),
     * which are neither markdown commands nor unknown.
     */
    async expand(text: string, context: { signal: AbortSignal; known?: readonly string[] }): Promise<SlashExpansion> {
      const slash = parseSlash(text);
      if (!slash) return { kind: "none" };
      const command = findMarkdownCommand(options.commands, slash.name);
      if (!command) {
        if (context.known?.includes(slash.name) || slash.name.startsWith("mcp__")) return { kind: "none" };
        const names = [...options.commands.map((item) => item.name), ...(context.known ?? [])];
        const close = closeMatches(names, slash.name);
        const hint = close.length ? ` Did you mean ${close.map((name) => `/${name}`).join(", ")}?` : "";
        return {
          kind: "unknown",
          name: slash.name,
          message: `Unknown command /${slash.name}.${hint} Nothing was sent to the model.`,
        };
      }
      const notes: string[] = [];
      const rules = grants(command, options, notes);
      // The grants hold while its `!` lines run too: that is what Claude Code's allowed-tools is for.
      const kernel = options.kernel();
      for (const rule of rules) kernel.permissions.addRule(rule);
      let prompt: string;
      try {
        prompt = await expandMarkdownCommand(command, slash.args, {
          vars: {
            sessionId: options.sessionId(),
            projectDir: options.cwd,
            ...(command.plugin ? { pluginData: claudePluginDataDir(options.home, command.plugin.name) } : {}),
          },
          host: commandHost({ kernel, cwd: options.cwd, addDirs: options.addDirs, command }),
          signal: context.signal,
        });
      } finally {
        for (const rule of rules) kernel.permissions.removeRule(rule);
      }
      return { kind: "turn", turn: commandTurn(command, prompt, rules, notes, options) };
    },

    /** Runs the command's turn with its tools, model and grants; the session's come back after. */
    async run(turn: CommandTurn, context: { signal?: AbortSignal } = {}): Promise<TurnResult> {
      const kernel = options.kernel();
      const previousModel = kernel.model;
      if (turn.model && turn.model !== previousModel) await options.switchModel(turn.model);
      for (const rule of turn.rules) kernel.permissions.addRule(rule);
      try {
        return await kernel.prompt(turn.prompt, {
          ...(context.signal ? { signal: context.signal } : {}),
          ...(turn.tools ? { tools: turn.tools } : {}),
        });
      } finally {
        for (const rule of turn.rules) kernel.permissions.removeRule(rule);
        if (kernel.model !== previousModel) await options.switchModel(previousModel);
      }
    },
  };
}

export type SlashCommands = ReturnType<typeof slashCommands>;

function commandTurn(
  command: MarkdownCommand,
  prompt: string,
  rules: PermissionRule[],
  notes: string[],
  options: SlashCommandsOptions,
): CommandTurn {
  const allowed = command.allowedTools?.map(toolPart);
  const denied = command.disallowedTools?.map(toolPart);
  const tools =
    allowed || denied
      ? (name: string) =>
          (!allowed || allowed.some((pattern) => toolMatches(pattern, name))) &&
          !denied?.some((pattern) => toolMatches(pattern, name))
      : undefined;
  return {
    name: command.name,
    prompt,
    ...(tools ? { tools } : {}),
    ...pickModel(command, options, notes),
    rules,
    notes,
  };
}

/**
 * `allowed-tools` also approves its rules for the turn, as Claude Code documents, but only for
 * the user's own commands: a repository's or a plugin's may restrict a turn, never widen it.
 */
function grants(command: MarkdownCommand, options: SlashCommandsOptions, notes: string[]): PermissionRule[] {
  if (!command.allowedTools?.length) return [];
  if (command.scope !== "user") return [];
  const texts: string[] = [];
  for (const entry of command.allowedTools) {
    const mapped = claudeRuleToPincer(entry, "allow", { anchor: options.cwd });
    if (mapped.warning) notes.push(`/${command.name}: ${mapped.warning}`);
    texts.push(...mapped.rules);
  }
  try {
    return rulesFromConfig({ allow: texts }, "session");
  } catch (error) {
    notes.push(`/${command.name}: its allowed-tools were not granted: ${(error as Error).message}`);
    return [];
  }
}

/**
 * The command's `model` for its turn: an alias or `provider/model` (a bare `claude-…` id is
 * Anthropic's). A repository's command may pick only a model the user configured, as project
 * settings may (settings/narrow.ts).
 */
function pickModel(command: MarkdownCommand, options: SlashCommandsOptions, notes: string[]): { model?: string } {
  if (!command.model) return {};
  let ref = resolveModelAlias(command.model);
  if (!ref.includes("/") && /^claude-/i.test(ref)) ref = `anthropic/${ref}`;
  if (!ref.includes("/")) {
    notes.push(
      `/${command.name}: model "${command.model}" is not of the form provider/model; the session's model is used`,
    );
    return {};
  }
  if (command.scope === "project" && !narrowProjectSettings(options.user, { model: ref }).settings.model) {
    notes.push(
      `/${command.name}: model "${command.model}" is not one you configured, and a project's command may only pick those; the session's model is used`,
    );
    return {};
  }
  return { model: ref };
}

/** `Bash(git add *)` → `bash`; `mcp__github` → `mcp__github__*`. */
function toolPart(entry: string): string {
  const open = entry.indexOf("(");
  const tool = (open < 0 ? entry : entry.slice(0, open)).trim();
  if (tool.startsWith("mcp__") && !tool.slice(5).includes("__")) return `${tool}__*`;
  return pincerToolName(tool);
}

function toolMatches(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern.toLowerCase() === name.toLowerCase();
  const source = pattern
    .split("*")
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(name);
}
