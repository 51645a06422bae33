import type { KernelEvent, Message, QueuedPrompt, ToolResultMessage, Usage } from "@pincer/kernel";
import { emptyUsage } from "@pincer/kernel";
import { type PlanItem, planFromResult } from "../output/plan.js";
import { terminalAdvice } from "./advice.js";
import { type BoundaryScan, freshScan, stableBoundary } from "./markdown.js";
import { sanitize } from "./styled.js";

/** One finished thing on screen. Finished items never change: they are printed once, above the live area. */
export type Item =
  | { kind: "user"; id: number; text: string }
  | { kind: "markdown"; id: number; text: string }
  | { kind: "thinking"; id: number; text: string }
  | {
      kind: "tool";
      id: number;
      name: string;
      args: Record<string, unknown>;
      result: ToolResultMessage;
      durationMs?: number;
    }
  | { kind: "notice"; id: number; level: "info" | "warning" | "error"; text: string }
  | { kind: "block"; id: number; title: string; lines: string[] };

export interface RunningTool {
  id: string;
  name: string;
  args: Record<string, unknown>;
  output: string;
  startedAt: number;
}

/** What is still moving: the text being streamed, thinking, running tools, the busy state. */
export interface LiveState {
  text: string;
  thinking: string;
  tools: RunningTool[];
  busy: boolean;
  turnStartedAt?: number;
  retry?: string;
  /** What the spinner says; "Working…" when unset. */
  activity?: string;
}

/** Keep at most this much of a running tool's streamed output (the screen shows its tail). */
const MAX_LIVE_OUTPUT = 64 * 1024;

/**
 * The transcript as the TUI shows it, built from kernel events alone. It knows nothing of Ink:
 * components read `items` and `live`, and `version` changes on every update.
 */
export class Transcript {
  items: Item[] = [];
  live: LiveState = { text: "", thinking: "", tools: [], busy: false };
  usage: Usage = emptyUsage();
  /** The plan the model keeps with the `todo` tool, as its last call left it. */
  plan: PlanItem[] = [];
  /** ctrl+o: folded blocks (long tool output, thinking, a long prompt) are shown whole. */
  expanded = false;
  /** Sent while a turn runs and not yet delivered to the model (shown as queued, below the live area). */
  queued: QueuedPrompt[] = [];
  version = 0;
  private nextId = 1;
  /** The model call's error was shown this turn: turn_end carries the same one and must not repeat it. */
  private errorShown = false;
  private readonly listeners = new Set<() => void>();
  /** How far the live text has been read for a place to cut (see flushText); `scanOf` is the live state it read. */
  private scan: BoundaryScan = freshScan();
  private scanOf: LiveState | undefined;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add(item: DistributiveOmit<Item, "id">): void {
    // A new array each time: the screen keeps the array its last commit drew (printed-items.ts),
    // and an item added after that commit must not be printed with it.
    this.items = [...this.items, { ...item, id: this.nextId++ } as Item];
    this.changed();
  }

  notice(level: "info" | "warning" | "error", text: string): void {
    this.add({ kind: "notice", level, text });
  }

  /** A new screen: earlier items stay in the terminal's scrollback, not in this transcript. */
  clear(): void {
    this.items = [];
    this.plan = [];
    this.queued = [];
    this.live = { text: "", thinking: "", tools: [], busy: false };
    this.changed();
  }

  /** Shows the spinner for work outside a turn (compacting); `undefined` stops it. */
  activity(label: string | undefined): void {
    this.live = label
      ? { ...this.live, busy: true, activity: label, turnStartedAt: Date.now() }
      : { ...this.live, busy: false, activity: undefined };
    this.changed();
  }

  apply(event: KernelEvent): void {
    switch (event.type) {
      case "turn_start":
        this.live = { text: "", thinking: "", tools: [], busy: true, turnStartedAt: Date.now() };
        this.errorShown = false;
        // A queued message starting its own turn was shown when it was delivered.
        if (!event.queued) this.add({ kind: "user", text: sanitize(event.prompt) });
        else this.changed();
        return;
      case "prompt_queued":
        this.queued = [...this.queued, event.queued];
        this.changed();
        return;
      case "queue_delivered": {
        const ids = new Set(event.delivered.map((item) => item.id));
        this.queued = this.queued.filter((item) => !ids.has(item.id));
        // Said mid-turn: it goes into the conversation where the model reads it.
        this.flushThinking();
        this.flushText(true);
        for (const item of event.delivered) this.add({ kind: "user", text: sanitize(item.text) });
        return;
      }
      case "queue_dropped": {
        const ids = new Set(event.dropped.map((item) => item.id));
        this.queued = this.queued.filter((item) => !ids.has(item.id));
        this.changed();
        return;
      }
      case "stream":
        this.stream(event.event);
        return;
      case "retry":
        this.live.retry = `Retrying in ${Math.ceil(event.delayMs / 1000)}s (attempt ${event.attempt}): ${event.error}`;
        // The failed attempt's text is dropped by the kernel; the retry streams the answer from its start.
        if (event.discarded) this.live = { ...this.live, text: "", thinking: "" };
        this.changed();
        return;
      case "assistant_message":
        this.flushThinking();
        this.flushText(true);
        this.live.retry = undefined;
        if (event.message.stopReason === "error" && event.message.errorMessage) {
          this.errorShown = true;
          this.notice("error", terminalAdvice(event.message.errorMessage));
        } else this.changed();
        return;
      case "tool_start":
        this.live.tools.push({
          id: event.toolCallId,
          name: event.name,
          args: event.args,
          output: "",
          startedAt: Date.now(),
        });
        this.changed();
        return;
      case "tool_update": {
        const tool = this.live.tools.find((candidate) => candidate.id === event.toolCallId);
        if (tool) {
          tool.output = (tool.output + event.partial).slice(-MAX_LIVE_OUTPUT);
          this.changed();
        }
        return;
      }
      case "tool_end": {
        this.plan = planFromResult(event.name, event.result) ?? this.plan;
        const tool = this.live.tools.find((candidate) => candidate.id === event.toolCallId);
        this.live.tools = this.live.tools.filter((candidate) => candidate.id !== event.toolCallId);
        this.add({
          kind: "tool",
          name: event.name,
          args: tool?.args ?? {},
          result: event.result,
          durationMs: event.durationMs,
        });
        return;
      }
      case "permission":
        if (!event.asked && !event.allowed)
          this.notice("warning", `${event.name} was denied: ${event.decision.reason}`);
        return;
      case "compaction":
        this.notice(
          "info",
          `Compacted the conversation: ${event.tokensBefore.toLocaleString("en-US")} → ${event.tokensAfter.toLocaleString("en-US")} tokens.`,
        );
        return;
      case "loop_guard":
        this.notice("warning", event.message);
        return;
      case "model_change":
        this.notice("info", `Model: ${event.model}`);
        return;
      case "thinking_change":
        this.notice("info", `Thinking: ${event.level}`);
        return;
      case "warning":
        this.notice("warning", event.message);
        return;
      case "subscriber_error":
        this.notice("error", `A listener failed on ${event.eventType}: ${event.error}`);
        return;
      case "usage":
        // The kernel's own total (usage-ledger.ts), a subagent's calls and compactions included.
        this.usage = event.session;
        this.changed();
        return;
      case "turn_end":
        this.flushThinking();
        this.flushText(true);
        this.usage = event.sessionUsage;
        this.live = { text: "", thinking: "", tools: [], busy: false };
        if (event.result.stopReason === "aborted")
          this.notice("warning", "Interrupted. What should Pincer do instead?");
        else if (event.result.stopReason === "max_turns")
          this.notice(
            "warning",
            `Stopped after ${event.result.stop?.code === "max_turns" ? event.result.stop.limit : "the most"} model calls, this session's limit for one message. Send a message to go on.`,
          );
        else if (event.result.error && !(event.result.stopReason === "error" && this.errorShown))
          this.notice("error", terminalAdvice(event.result.error));
        else this.changed();
        return;
      default:
        return;
    }
  }

  /** Turns a stored conversation back into items (on /resume and --continue). */
  loadHistory(messages: readonly Message[]): void {
    this.items = [...this.items];
    const calls = new Map<string, Record<string, unknown>>();
    for (const message of messages) {
      if (message.role === "user") {
        const text =
          typeof message.content === "string"
            ? message.content
            : message.content.map((block) => (block.type === "text" ? block.text : "[image]")).join("\n");
        this.items.push({ kind: "user", id: this.nextId++, text: sanitize(text) });
      } else if (message.role === "assistant") {
        for (const block of message.content) {
          if (block.type === "text" && block.text.trim())
            this.items.push({ kind: "markdown", id: this.nextId++, text: sanitize(block.text) });
          if (block.type === "toolCall") calls.set(block.id, block.arguments);
        }
      } else {
        this.plan = planFromResult(message.toolName, message) ?? this.plan;
        this.items.push({
          kind: "tool",
          id: this.nextId++,
          name: message.toolName,
          args: calls.get(message.toolCallId) ?? {},
          result: message,
        });
      }
    }
    this.changed();
  }

  private stream(event: Extract<KernelEvent, { type: "stream" }>["event"]): void {
    if (event.type === "thinking_delta") {
      this.live.thinking += event.text;
      this.changed();
    } else if (event.type === "text_delta") {
      this.flushThinking();
      this.live.text += event.text;
      this.flushText(false);
      this.changed();
    } else if (event.type === "toolcall_start") {
      this.flushThinking();
      this.flushText(true);
    }
  }

  /** Moves finished blocks of the streaming text into items, so the live area stays small. */
  private flushText(all: boolean): void {
    // The live text only grows at its end until it is cut here or replaced with a new live state.
    if (this.scanOf !== this.live) {
      this.scanOf = this.live;
      this.scan = freshScan();
    }
    const cut = all ? this.live.text.length : stableBoundary(this.live.text, this.scan);
    if (cut === 0) return;
    const done = this.live.text.slice(0, cut).replace(/\n+$/, "");
    this.live.text = this.live.text.slice(cut);
    this.scan = freshScan();
    if (done.trim()) this.add({ kind: "markdown", text: sanitize(done) });
  }

  private flushThinking(): void {
    if (!this.live.thinking.trim()) return;
    const text = sanitize(this.live.thinking.trim());
    this.live.thinking = "";
    this.add({ kind: "thinking", text });
  }

  changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
