import { displayLine } from "@pincer/host";
import {
  formatRule,
  isThinkingLevel,
  type Kernel,
  PERMISSION_MODES,
  type PermissionMode,
  SessionStore,
  THINKING_LEVELS,
  type ThinkingLevel,
} from "@pincer/kernel";
import { promptUsage } from "@pincer/mcp";
import { sessionsDir } from "@pincer/runtime";
import type { Controller } from "./controller.js";
import { modelCommand } from "./model-command.js";

/** A slash command: what `/help` lists and the input box completes. */
export interface SlashCommand {
  name: string;
  args?: string;
  description: string;
  run(controller: Controller, args: string): void | Promise<void>;
}

export const SLASH_COMMANDS: SlashCommand[] = [
  { name: "help", description: "Show commands and keys", run: help },
  {
    name: "model",
    args: "[provider/model]",
    description: "Show or switch the model (the conversation goes on)",
    run: modelCommand,
  },
  {
    name: "thinking",
    args: "[level]",
    description: "Show or set how hard the model thinks: off, low, medium, high",
    run: thinking,
  },
  { name: "resume", args: "[session id]", description: "Open an earlier session of this directory", run: resume },
  { name: "fork", description: "Continue in a copy of this session (the original stays as it is)", run: fork },
  { name: "compact", description: "Summarise older turns to free context", run: compact },
  { name: "cost", description: "Tokens and cost of this session, by kind", run: cost },
  { name: "plugins", description: "Plugins, what they contribute and may use", run: plugins },
  { name: "theme", args: "[id]", description: "Pick a theme (previews live; enter keeps it)", run: theme },
  { name: "permissions", args: "[mode <mode>]", description: "Show the permission mode and rules", run: permissions },
  { name: "clear", description: "Start a new session on a clear screen", run: clear },
  { name: "exit", description: "Quit Pincer", run: (controller) => controller.exit() },
];

/** What completion and /help list: a name, its arguments, one line on what it does. */
export interface CommandSummary {
  name: string;
  args?: string;
  description: string;
  plugin?: string;
}

/** The built-in commands, then those plugins contribute (read from manifests: no plugin starts). */
export function allCommands(controller: Controller): CommandSummary[] {
  const builtIn: CommandSummary[] = [...SLASH_COMMANDS, ...(controller.prepared?.registry.listCommands() ?? [])];
  const taken = new Set(builtIn.map((command) => command.name));
  const markdown = controller.markdownCommands
    .filter((command) => !taken.has(command.name))
    .map((command) => ({
      name: command.name,
      description: command.description ?? "(a prompt template)",
      ...(command.argumentHint ? { args: command.argumentHint } : {}),
      ...(command.plugin ? { plugin: command.plugin.name } : {}),
    }));
  const prompts = controller.mcpPrompts.map((prompt) => ({
    name: prompt.command,
    description: prompt.description ?? `a prompt of the MCP server ${prompt.server}`,
    ...(prompt.arguments.length ? { args: promptUsage(prompt) } : {}),
  }));
  return [...builtIn, ...markdown, ...prompts];
}

/** Commands whose names start with what was typed after `/`, for completion. */
export function matchCommands(input: string, commands: CommandSummary[] = SLASH_COMMANDS): CommandSummary[] {
  const typed = input.slice(1).split(/\s/)[0] ?? "";
  return commands.filter((command) => command.name.startsWith(typed.toLowerCase()));
}

export async function runSlashCommand(controller: Controller, text: string): Promise<void> {
  // The arguments are passed as typed (spacing and new lines kept); only the name is split off.
  const [, head = "", args = ""] = /^\/(\S*)\s*([\s\S]*)$/.exec(text.trim()) ?? [];
  const name = head.toLowerCase();
  const command = SLASH_COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (command) await command.run(controller, args);
    else if (controller.prepared?.registry.listCommands().some((candidate) => candidate.name === name))
      await runPluginCommand(controller, name, args);
    else if (name.startsWith("mcp__") && (await controller.prepared?.expandMcpPrompt(text)) !== undefined) {
      controller.sendPrompt((await controller.prepared!.expandMcpPrompt(text))!);
    } else await runMarkdownCommand(controller, text);
  } catch (error) {
    controller.transcript.notice("error", `/${name}: ${(error as Error).message}`);
  }
  controller.changed();
}

/**
 * A markdown command or skill: its `!` lines run (asking where the rules say to) and its `@files`
 * are read before anything is sent; then its turn runs with its tools and model. An unknown name
 * is a notice listing the close matches; nothing reaches the model.
 */
async function runMarkdownCommand(controller: Controller, text: string): Promise<void> {
  const prepared = controller.prepared;
  if (!prepared) {
    controller.transcript.notice("warning", "The session is still starting; try the command again in a moment.");
    return;
  }
  const cancel = new AbortController();
  controller.cancelCommand = () => cancel.abort();
  let slash: Awaited<ReturnType<typeof prepared.slash.expand>>;
  try {
    slash = await prepared.slash.expand(text, {
      signal: cancel.signal,
      known: [...SLASH_COMMANDS.map((item) => item.name), ...controller.mcpPrompts.map((prompt) => prompt.command)],
    });
  } finally {
    controller.cancelCommand = undefined;
  }
  if (slash.kind === "unknown") controller.transcript.notice("warning", `${slash.message} Type /help for the list.`);
  else if (slash.kind === "turn") {
    for (const note of slash.turn.notes) controller.transcript.notice("warning", note);
    controller.runCommandTurn(slash.turn);
  } else controller.sendPrompt(text);
}

/**
 * A plugin's command runs in that plugin's sandbox, under its grants and limits; esc cancels it.
 * It may show text, hand the model a prompt, or both.
 */
async function runPluginCommand(controller: Controller, name: string, args: string): Promise<void> {
  const prepared = controller.prepared!;
  const cancel = new AbortController();
  controller.cancelCommand = () => cancel.abort();
  try {
    const output = await prepared.registry.runCommand(name, args, {
      cwd: controller.options.cwd,
      sessionId: prepared.session.id,
      model: prepared.kernel.model,
      signal: cancel.signal,
      // It may drive sessions of its own (never in a wider mode than this one's) and say how far it got.
      sessions: prepared.driver,
      onProgress: (line) => {
        controller.transcript.notice("info", `/${name}: ${line.trimEnd()}`);
        controller.changed();
      },
    });
    if (output.text) controller.transcript.add({ kind: "block", title: `/${name}`, lines: output.text.split("\n") });
    if (output.prompt) controller.submit(output.prompt);
    if (!output.text && !output.prompt) controller.transcript.notice("info", `/${name} done.`);
  } finally {
    controller.cancelCommand = undefined;
  }
}

function help(controller: Controller): void {
  const commands = allCommands(controller);
  const width = Math.max(...commands.map((command) => `/${command.name} ${command.args ?? ""}`.length));
  controller.transcript.add({
    kind: "block",
    title: "Commands",
    lines: [
      ...commands.map(
        (command) =>
          `${`/${command.name} ${command.args ?? ""}`.padEnd(width)}  ${command.description}${command.plugin ? ` (${command.plugin})` : ""}`,
      ),
      "",
      "Keys: enter send · alt+enter or ctrl+j new line · ↑/↓ history · esc interrupt",
      "      while it works: enter steers it at its next step, alt+enter queues for after the turn",
      "      tab thinking level · shift+tab permission mode · ctrl+o show folded output whole",
      "      ctrl+c clear input, twice to quit",
    ],
  });
}

const THINKING_HINTS: Record<ThinkingLevel, string> = {
  off: "no reasoning asked for",
  low: "quick",
  medium: "balanced",
  high: "thorough, slower and dearer",
};

function thinking(controller: Controller, args: string): void {
  const kernel = controller.prepared?.kernel;
  if (!kernel) throw new Error("the session is still starting.");
  const wanted = args.trim().toLowerCase();
  if (wanted) {
    if (!isThinkingLevel(wanted)) throw new Error(`name a level: ${THINKING_LEVELS.join(", ")}.`);
    setThinking(controller, wanted);
    return;
  }
  const current = kernel.thinking;
  controller.picker = {
    title: `Thinking (now ${current}). ${thinksNote(kernel) ?? "Type /thinking <level> to set it directly."}`,
    options: THINKING_LEVELS.map((level) => ({
      label: level,
      value: level,
      hint: level === current ? `current · ${THINKING_HINTS[level]}` : THINKING_HINTS[level],
    })),
    index: THINKING_LEVELS.indexOf(current),
    pick: (value) => {
      controller.picker = undefined;
      setThinking(controller, value as ThinkingLevel);
    },
  };
}

function setThinking(controller: Controller, level: ThinkingLevel): void {
  const kernel = controller.prepared!.kernel;
  // A change is announced by the kernel's thinking_change event (see transcript.ts).
  if (level === kernel.thinking) controller.transcript.notice("info", `Thinking: ${level} (unchanged)`);
  else kernel.setThinking(level);
  const note = level === "off" ? undefined : thinksNote(kernel);
  if (note) controller.transcript.notice("warning", note);
}

/** Said when the catalogue knows the model and it does not reason: a level then changes nothing. */
function thinksNote(kernel: Kernel): string | undefined {
  const info = kernel.catalog.get(kernel.model);
  if (!info || info.reasoning === true) return undefined;
  return `${kernel.model} does not think (pincer models), so no level is sent to it until you switch model.`;
}

async function resume(controller: Controller, args: string): Promise<void> {
  if (args) {
    await controller.reopen({ resume: args });
    return;
  }
  const store = new SessionStore(sessionsDir(controller.options.home));
  const current = controller.prepared?.session.id;
  // Sessions nobody prompted in (opened and closed) have no title and nothing to resume.
  const sessions = store
    .list({ cwd: controller.options.cwd })
    .filter((info) => info.id !== current && info.title.trim() !== "");
  if (sessions.length === 0) {
    controller.transcript.notice("info", "No other session in this directory yet.");
    return;
  }
  controller.picker = {
    title: "Resume a session",
    options: sessions.slice(0, 20).map((info) => ({
      label: `${info.updatedAt.slice(0, 16).replace("T", " ")}  ${info.title.slice(0, 60)}`,
      value: info.id,
      hint: `${info.entryCount} entries`,
    })),
    index: 0,
    pick: async (value) => {
      controller.picker = undefined;
      await controller.reopen({ resume: value });
    },
  };
}

async function fork(controller: Controller): Promise<void> {
  const session = controller.prepared?.session;
  if (!session?.leafId) throw new Error("this session is empty; there is nothing to fork.");
  const store = new SessionStore(sessionsDir(controller.options.home));
  const copy = store.fork(session.id, session.leafId);
  const from = session.id;
  await controller.reopen({ resume: copy.id });
  controller.transcript.notice("info", `Forked ${from} into ${copy.id}; you are now in the copy.`);
}

async function compact(controller: Controller): Promise<void> {
  const kernel = controller.prepared?.kernel;
  if (!kernel) throw new Error("the session is still starting.");
  controller.transcript.activity("Compacting the conversation…");
  try {
    const done = await kernel.compact();
    if (!done) controller.transcript.notice("info", "Nothing to compact yet: the conversation is short.");
  } finally {
    controller.transcript.activity(undefined);
  }
}

function cost(controller: Controller): void {
  const usage = controller.transcript.usage;
  const money = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;
  const row = (label: string, tokens: number, price: number) =>
    `${label.padEnd(12)} ${tokens.toLocaleString("en-US").padStart(12)} tokens  ${money(price).padStart(10)}`;
  controller.transcript.add({
    kind: "block",
    title: `Cost of this session (${controller.prepared?.kernel.model ?? ""})`,
    lines: [
      row("input", usage.input, usage.cost.input),
      row("output", usage.output, usage.cost.output),
      row("cache read", usage.cacheRead, usage.cost.cacheRead),
      row("cache write", usage.cacheWrite, usage.cost.cacheWrite),
      `${"total".padEnd(12)} ${"".padStart(19)}  ${money(usage.cost.total).padStart(10)}`,
    ],
  });
}

function plugins(controller: Controller): void {
  const registry = controller.prepared?.registry;
  if (!registry) throw new Error("the session is still starting.");
  const lines = registry.list().map((record) => {
    const { manifest } = record;
    const contributes = Object.entries(manifest.contributes)
      .filter(([, entries]) => Array.isArray(entries) && entries.length > 0)
      .map(
        ([kind, entries]) =>
          `${kind}: ${entries.map((entry) => (typeof entry === "string" ? entry : "name" in entry ? `/${entry.name}` : entry.event)).join(", ")}`,
      )
      .join("; ");
    const caps = Object.entries(record.grants)
      .filter(([, values]) => values.length > 0)
      .map(([kind, values]) => `${kind} ${values.join(" ")}`);
    // Plain text: a manifest's strings never drive the terminal (see displayLine).
    return displayLine(
      `${manifest.name}@${manifest.version}  ${contributes}${caps.length ? `  [granted: ${caps.join("; ")}]` : ""}`,
      4000,
    );
  });
  controller.transcript.add({ kind: "block", title: "Plugins", lines });
}

async function theme(controller: Controller, args: string): Promise<void> {
  const registry = controller.prepared?.registry;
  if (!registry) throw new Error("the session is still starting.");
  if (args) {
    if (await controller.applyTheme(args, { persist: true })) controller.transcript.notice("info", `Theme: ${args}`);
    return;
  }
  const ids = registry.themeIds();
  if (ids.length === 0) throw new Error("no theme plugin is installed.");
  const original = controller.theme.id;
  controller.picker = {
    title: "Theme (↑/↓ previews, enter keeps, esc goes back)",
    options: ids.map((id) => ({ label: id, value: id, ...(id === original ? { hint: "current" } : {}) })),
    index: Math.max(0, ids.indexOf(original)),
    preview: (value) => void controller.applyTheme(value, { persist: false }),
    pick: async (value) => {
      controller.picker = undefined;
      if (await controller.applyTheme(value, { persist: true }))
        controller.transcript.notice("info", `Theme: ${value}`);
    },
    cancel: () => void controller.applyTheme(original, { persist: false }),
  };
}

function permissions(controller: Controller, args: string): void {
  const engine = controller.prepared?.kernel.permissions;
  if (!engine) throw new Error("the session is still starting.");
  const [action, value] = args.split(/\s+/);
  if (action === "mode") {
    if (!value || !(PERMISSION_MODES as readonly string[]).includes(value))
      throw new Error(`name a mode: ${PERMISSION_MODES.join(", ")}.`);
    controller.prepared!.kernel.setPermissionMode(value as PermissionMode);
    controller.transcript.notice("info", `Permission mode: ${value}`);
    return;
  }
  const rules = engine.rules.map(
    (rule) => `${rule.action.padEnd(5)}  ${formatRule(rule).padEnd(32)}  (${rule.source})`,
  );
  controller.transcript.add({
    kind: "block",
    title: `Permissions: mode ${engine.mode}`,
    lines: rules.length ? rules : ["No rules yet: every tool that changes something asks first."],
  });
}

async function clear(controller: Controller): Promise<void> {
  await controller.reopen({ startSource: "clear" });
}
