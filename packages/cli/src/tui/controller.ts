import type { MarkdownCommand } from "@pincer/claude-code";
import {
  describeEstimate,
  estimateTokens,
  type PermissionAnswer,
  type PermissionMode,
  type PermissionResolver,
  parseRule,
  type QueueMode,
  THINKING_LEVELS,
} from "@pincer/kernel";
import type { McpPromptInfo } from "@pincer/mcp";
import type { CommandTurn, PreparedSession, SessionOptions } from "@pincer/runtime";
import {
  configPath,
  projectSettingsPath,
  readSettings,
  rememberLocalAllowRule,
  validateSettings,
  writeSettings,
} from "@pincer/runtime";
import type { StatusLineInfo, ThemeDefinition } from "@pincer/sdk";
import { type PendingForm, terminalForms } from "./form.js";
import { colorEnabled, createPalette, type Palette, TERMINAL_THEME } from "./palette.js";
import { type PermissionPreview, permissionPreview, permissionTitle } from "./permission-preview.js";
import { Transcript } from "./transcript.js";

/** A permission question waiting for the person at the keyboard. */
export interface PendingPermission {
  toolName: string;
  title: string;
  reason: string;
  /** What the call would cost, when its tool estimates it: `estimated $2.00: a10g-small at $1.00/h × up to 2 h`. */
  cost?: string;
  /** The rule "always" writes, e.g. `bash(npm test:*)`; absent when none is narrower than the tool. */
  suggestedRule?: string;
  /** What the call will do: the command, the new content, the replaced lines (permission-preview.ts). */
  preview?: PermissionPreview;
  answer(choice: "once" | "always" | "deny"): void;
}

/** A list to choose from (/model, /resume, /theme): moving the selection may preview it live. */
export interface Picker {
  title: string;
  options: Array<{ label: string; value: string; hint?: string }>;
  index: number;
  preview?(value: string): void;
  pick(value: string): void | Promise<void>;
  cancel?(): void;
}

/** A theme as the host hands it over: data, plus its formatting code when it has some. */
export type HostTheme = ThemeDefinition & {
  formatStatusLine?(info: StatusLineInfo): Promise<string | undefined>;
};

export type InteractiveOptions = Omit<SessionOptions, "resolver"> & { stdout: { isTTY?: boolean } };

/**
 * Everything the interactive terminal does, without Ink: it owns the session, turns kernel
 * events into the transcript, holds permission questions and pickers, and runs slash commands.
 * Components only render its state and call its methods.
 */
export class Controller {
  readonly transcript = new Transcript();
  prepared: PreparedSession | undefined;
  phase: "starting" | "ready" | "failed" = "starting";
  permission: PendingPermission | undefined;
  /** An MCP server's form waiting for the user (form.ts). */
  form: PendingForm | undefined;
  picker: Picker | undefined;
  palette: Palette;
  theme: HostTheme = TERMINAL_THEME;
  /** Bumped when the screen must be redrawn from scratch (/clear, /resume). */
  epoch = 0;
  exitRequested = false;
  /** Wipes the terminal (screen and scrollback) before a new session is drawn; set by the host. */
  clearScreen: (() => void) | undefined;
  markdownCommands: MarkdownCommand[] = [];
  /** MCP servers' prompts, known once the servers have started (at the first prompt). */
  mcpPrompts: McpPromptInfo[] = [];
  /** Set while a plugin's command runs: esc stops it. */
  cancelCommand: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  /** Typed before the session was ready: sent once it is. */
  private waiting: string[] = [];
  private lastContextTokens = 0;
  private readonly shownWarnings = new Set<string>();
  private readonly color: boolean;
  private notifyTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: InteractiveOptions) {
    this.color = colorEnabled(options.stdout, options.env);
    this.palette = createPalette(TERMINAL_THEME, { color: this.color });
    this.transcript.subscribe(() => this.changed());
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes on every update; what React's external-store hook compares. */
  revision = 0;

  changed(): void {
    this.revision++;
    // Streaming sends hundreds of events a second; the screen needs one redraw per frame, so
    // listeners hear about a burst of changes once, a frame later.
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      for (const listener of this.listeners) listener();
    }, FRAME_MS);
  }

  /** Opens the session (plugins, provider, history) while the prompt is already on screen. */
  async start(overrides: Partial<SessionOptions> = {}): Promise<void> {
    this.phase = "starting";
    this.changed();
    try {
      // The plugin host loads after the first frame: the prompt is on screen before it.
      const { prepareSession } = await import("@pincer/runtime");
      const prepared = await prepareSession({
        ...this.options,
        ...overrides,
        resolver: this.resolver,
        mcpElicit: terminalForms((form) => {
          this.form = form;
          this.changed();
        }),
      });
      // The theme first: what attach prints (and every prompt after) is drawn in its colours and symbols.
      await this.applyTheme(readThemeSetting(this.options), { persist: false, registry: prepared.registry });
      this.attach(prepared);
    } catch (error) {
      this.phase = "failed";
      this.transcript.notice("error", `Could not start the session: ${(error as Error).message}`);
    }
    this.changed();
    for (const text of this.waiting.splice(0)) this.submit(text);
  }

  private attach(prepared: PreparedSession): void {
    this.unsubscribe?.();
    this.prepared = prepared;
    this.phase = "ready";
    this.unsubscribe = prepared.kernel.subscribe((event) => {
      if (event.type === "assistant_message") {
        const usage = event.message.usage;
        const used = usage.input + usage.cacheRead + usage.cacheWrite + usage.output;
        // A failed call reports no usage; the context is still what it was, not empty.
        if (used > 0) this.lastContextTokens = used;
      }
      if (event.type === "compaction") this.lastContextTokens = event.tokensAfter;
      this.transcript.apply(event);
      // Queued messages that will not be delivered go back into the box: nothing typed is lost.
      if (event.type === "queue_dropped" && event.reason !== "process_ended") this.giveBack(event.dropped);
      // The servers start with the first prompt; from then on their prompts complete after `/`.
      if (event.type === "turn_end" && this.mcpPrompts.length === 0) {
        prepared
          .mcpPrompts()
          .then((prompts) => {
            this.mcpPrompts = prompts;
            this.changed();
          })
          .catch(() => {});
      }
    });
    this.transcript.usage = prepared.kernel.usage;
    // Markdown commands (.claude/commands, .pincer/commands, ~/.pincer/commands, Claude Code
    // plugins) are read once per session: completion and /help list them without touching disk.
    this.markdownCommands = prepared.slash.list();
    const context = prepared.session.buildContext();
    this.lastContextTokens = estimateTokens(context.messages);
    if (context.messages.length > 0) {
      this.transcript.loadHistory(context.messages);
      this.transcript.notice("info", `Resumed session ${prepared.session.id}.`);
    }
    // Said once per start of pincer: /clear and /resume open the session again, and the host's
    // notices (the OS sandbox's above all) would otherwise repeat on every new screen.
    for (const warning of prepared.warnings) {
      if (this.shownWarnings.has(warning)) continue;
      this.shownWarnings.add(warning);
      this.transcript.notice("warning", warning);
    }
    this.giveBack(prepared.kernel.undeliveredOnResume);
  }

  /** Text for the input box to take back (queued messages that were not sent); `seq` tells a new one apart. */
  restored: { text: string; seq: number } | undefined;

  private giveBack(dropped: ReadonlyArray<{ text: string }>): void {
    if (dropped.length === 0) return;
    this.restored = { text: dropped.map((item) => item.text).join("\n"), seq: (this.restored?.seq ?? 0) + 1 };
    this.transcript.notice(
      "info",
      dropped.length === 1
        ? "Your queued message was not sent; it is back in the input box."
        : `Your ${dropped.length} queued messages were not sent; they are back in the input box.`,
    );
  }

  /** Replaces the session (/resume, /fork, /clear): the old one's plugins stop, its file stays. */
  async reopen(overrides: Partial<SessionOptions>): Promise<void> {
    if (this.prepared?.kernel.running) {
      this.transcript.notice("warning", "A turn is running: interrupt it (esc) first.");
      return;
    }
    this.unsubscribe?.();
    this.prepared?.dispose();
    this.prepared = undefined;
    this.transcript.clear();
    this.clearScreen?.();
    this.epoch++;
    await this.start({ continue: false, resume: undefined, ...overrides });
  }

  /**
   * ctrl+o: every folded block (long tool output, thinking, a long prompt) shown whole, or folded
   * again. Printed items cannot change in place, so the screen is drawn again with them.
   */
  toggleExpanded(): void {
    this.transcript.expanded = !this.transcript.expanded;
    this.redraw();
  }

  /** Wipes the terminal and prints the whole transcript again (after a resize). */
  redraw(): void {
    this.clearScreen?.();
    this.epoch++;
    this.changed();
  }

  /**
   * A prompt or a slash command from the input box. While a turn runs, a prompt is queued:
   * `steer` (enter) reaches the model at its next step, `followUp` (alt+enter) after the turn.
   */
  submit(text: string, mode: QueueMode = "steer"): void {
    if (!text.trim()) return;
    if (text.startsWith("/")) {
      void import("./commands.js").then(({ runSlashCommand }) => runSlashCommand(this, text));
      return;
    }
    this.sendPrompt(text, mode);
  }

  /** Sends text to the model as the user's prompt (what a command's template expands to, too). */
  sendPrompt(text: string, mode: QueueMode = "steer"): void {
    if (!this.prepared) {
      if (this.phase === "failed") this.transcript.notice("error", "There is no session: see the error above.");
      else this.waiting.push(text);
      return;
    }
    const kernel = this.prepared.kernel;
    if (kernel.running) {
      try {
        if (mode === "followUp") kernel.followUp(text);
        else kernel.steer(text);
      } catch (error) {
        this.giveBack([{ text }]);
        this.transcript.notice("warning", (error as Error).message);
      }
      return;
    }
    kernel.prompt(text).catch((error: Error) => this.transcript.notice("error", error.message));
  }

  /** A markdown command's turn (its prompt, tools and model); one at a time, never queued into another. */
  runCommandTurn(turn: CommandTurn): void {
    const prepared = this.prepared;
    if (!prepared) return;
    if (prepared.kernel.running) {
      this.transcript.notice(
        "warning",
        `/${turn.name} runs its own turn: send it again when this one ends (esc stops it).`,
      );
      return;
    }
    prepared.slash.run(turn).catch((error: Error) => this.transcript.notice("error", error.message));
  }

  /** Esc: answers a waiting question with no, closes a picker, or stops the running turn. */
  interrupt(): boolean {
    if (this.permission) {
      this.permission.answer("deny");
      this.prepared?.kernel.abort("interrupted");
      return true;
    }
    if (this.cancelCommand) {
      this.cancelCommand();
      return true;
    }
    if (this.picker) {
      this.picker.cancel?.();
      this.picker = undefined;
      this.changed();
      return true;
    }
    if (this.prepared?.kernel.running) {
      this.prepared.kernel.abort("interrupted");
      return true;
    }
    return false;
  }

  get busy(): boolean {
    return this.transcript.live.busy;
  }

  get mode(): PermissionMode {
    return this.prepared?.kernel.permissionMode ?? "default";
  }

  /** shift+tab: default → acceptEdits → plan → default (bypass is only ever chosen on purpose). */
  cycleMode(): void {
    const order: PermissionMode[] = ["default", "acceptEdits", "plan"];
    const next = order[(order.indexOf(this.mode) + 1) % order.length]!;
    this.prepared?.kernel.setPermissionMode(next);
    this.changed();
  }

  /** tab (when there is no command to complete): off → low → medium → high → off, as /thinking sets it. */
  cycleThinking(): void {
    const kernel = this.prepared?.kernel;
    if (!kernel) return;
    const next = THINKING_LEVELS[(THINKING_LEVELS.indexOf(kernel.thinking) + 1) % THINKING_LEVELS.length]!;
    // Announced by the kernel's thinking_change event (see transcript.ts).
    kernel.setThinking(next);
    this.changed();
  }

  statusInfo(): StatusLineInfo {
    const kernel = this.prepared?.kernel;
    const usage = this.transcript.usage;
    const model = kernel?.model ?? this.options.model ?? "…";
    const window = kernel?.catalog.get(model)?.contextWindow;
    // Shown with the model, so every theme's status line has it without knowing about it.
    const thinking = kernel?.thinking ?? this.options.thinking ?? "off";
    return {
      model: thinking === "off" ? model : `${model} (thinking ${thinking})`,
      sessionId: this.prepared?.session.id ?? "",
      cwd: this.options.cwd,
      contextTokens: this.lastContextTokens,
      ...(window ? { contextWindow: window } : {}),
      inputTokens: usage.input + usage.cacheRead + usage.cacheWrite,
      outputTokens: usage.output,
      costUsd: usage.cost.total,
      busy: this.busy,
      permissionMode: this.mode,
    };
  }

  /** Switches the theme; `persist` writes it to the user's config (what /theme does on enter). */
  async applyTheme(
    id: string,
    options: { persist: boolean; registry?: PreparedSession["registry"] | undefined },
  ): Promise<boolean> {
    const registry = options.registry ?? this.prepared?.registry;
    if (!registry) return false;
    try {
      const theme = (await registry.loadTheme(id)) as HostTheme;
      this.theme = theme;
      this.palette = createPalette(theme, { color: this.color });
      if (options.persist) updateUserSettings(this.options.home, (settings) => ({ ...settings, theme: id }));
      this.changed();
      return true;
    } catch (error) {
      if (options.persist || id !== DEFAULT_THEME)
        this.transcript.notice("warning", `Theme not applied: ${(error as Error).message}`);
      return false;
    }
  }

  exit(): void {
    this.exitRequested = true;
    this.prepared?.kernel.abort("exit");
    this.changed();
  }

  dispose(): void {
    clearTimeout(this.notifyTimer);
    this.unsubscribe?.();
    this.prepared?.dispose();
  }

  /** Questions from the kernel become `permission`; the answer resolves the kernel's promise. */
  private readonly resolver: PermissionResolver = (request, signal) =>
    new Promise<PermissionAnswer>((resolve) => {
      const done = (answer: PermissionAnswer) => {
        if (this.permission === pending) this.permission = undefined;
        this.changed();
        resolve(answer);
      };
      const pending: PendingPermission = {
        toolName: request.toolName,
        title: permissionTitle(request.toolName, request.args),
        ...previewOf(request.args),
        reason: request.decision.reason,
        ...(request.estimate ? { cost: describeEstimate(request.estimate) } : {}),
        ...(request.suggestedRule ? { suggestedRule: request.suggestedRule } : {}),
        answer: (choice) => {
          if (choice === "deny") {
            done({ allow: false, message: "The user said no to this tool call" });
            return;
          }
          if (choice === "always" && request.suggestedRule) {
            // Remembered for this project only, in its git-ignored local settings (settings/local-settings.ts).
            const rule = parseRule(request.suggestedRule, "allow", "local");
            try {
              rememberLocalAllowRule(this.options.cwd, this.options.home, request.suggestedRule);
            } catch (error) {
              this.transcript.notice("warning", `Allowed for this session only: ${(error as Error).message}.`);
            }
            done({ allow: true, remember: rule });
            return;
          }
          done({ allow: true });
        },
      };
      signal.addEventListener("abort", () => done({ allow: false, message: "The turn was interrupted." }), {
        once: true,
      });
      this.permission = pending;
      this.changed();
    });
}

export const DEFAULT_THEME = "dark";

/**
 * Frames a second at most, for Ink (its `maxFps`) and for the controller's notices alike. React
 * commits more often than Ink draws were wasted: each still laid the whole tree out.
 */
export const MAX_FPS = 30;
/** One redraw per this many milliseconds at most while events stream. */
const FRAME_MS = Math.ceil(1000 / MAX_FPS);

function readThemeSetting(options: InteractiveOptions): string {
  return (
    readSettings(projectSettingsPath(options.cwd)).theme ??
    readSettings(configPath(options.home)).theme ??
    DEFAULT_THEME
  );
}

function previewOf(args: Record<string, unknown>): { preview?: PermissionPreview } {
  const preview = permissionPreview(args);
  return preview ? { preview } : {};
}

export function updateUserSettings(
  home: string,
  update: (settings: ReturnType<typeof readSettings>) => ReturnType<typeof readSettings>,
): void {
  const file = configPath(home);
  writeSettings(file, validateSettings(update(readSettings(file)), file));
}
