import { randomUUID } from "node:crypto";
import {
  type CostEstimate,
  type EventOf,
  type KernelEvent,
  type PermissionAnswer,
  type PermissionResolver,
  type QueuedPrompt,
  type QueueMode,
  SessionStore,
  type TurnResult,
} from "@pincer/kernel";
import { checkAnswer, type McpElicitationAnswer, type McpElicitationField } from "@pincer/mcp";
import { type PreparedSession, prepareSession, type SessionOptions, sessionsDir } from "@pincer/runtime";
import { type PermissionPreview, permissionPreview } from "../tui/permission-preview.js";
import { serveStopAdvice } from "./stop-advice.js";

/** What a subscriber receives: the kernel's events, plus the server's own. */
export type ServerEvent =
  | KernelEvent
  | {
      type: "permission_request";
      requestId: string;
      toolName: string;
      subject?: unknown;
      reason: string;
      suggestedRule?: string;
      /** What the call will do, as the terminal's question shows it: the command, new content or replaced lines. */
      preview?: PermissionPreview;
      /** What the call would cost, when its tool estimates it: `{ usd, summary, recurring? }`. */
      estimate?: CostEstimate;
    }
  | {
      type: "elicitation_request";
      requestId: string;
      server: string;
      message: string;
      fields: McpElicitationField[];
    }
  | { type: "turn_error"; message: string }
  /** The kernel's turn_end, with what the client can do when the turn stopped short (stop-advice.ts). */
  | (EventOf<"turn_end"> & { advice?: string })
  /** Sent first to a client resuming from an event no longer kept: `missed` events are gone. */
  | { type: "replay_gap"; missed: number; resumesAt: number };

/** The question a client answers at POST /sessions/{id}/permissions/{requestId} (openapi.ts). */
export function permissionEvent(requestId: string, request: Parameters<PermissionResolver>[0]): ServerEvent {
  const preview = permissionPreview(request.args);
  return {
    type: "permission_request",
    requestId,
    toolName: request.toolName,
    ...(request.subject ? { subject: request.subject } : {}),
    reason: request.decision.reason,
    ...(request.suggestedRule ? { suggestedRule: request.suggestedRule } : {}),
    ...(preview ? { preview } : {}),
    ...(request.estimate ? { estimate: request.estimate } : {}),
  };
}

/**
 * The session a `POST /sessions` body resumes, when this server already has it open (`"fork":
 * true` asks for a copy instead, so it is never reused). An id no session matches is left for
 * the open to report.
 */
export function resumedHere(
  body: Record<string, unknown>,
  sessions: ReadonlyMap<string, ServerSession>,
  home: string,
): ServerSession | undefined {
  if (typeof body.resume !== "string" || body.fork === true) return undefined;
  try {
    return sessions.get(new SessionStore(sessionsDir(home)).resolveId(body.resume));
  } catch {
    return undefined;
  }
}

/**
 * Events kept for clients that subscribe late or reconnect: a whole long turn (each streamed
 * token is one event), bounded so a runaway turn cannot hold unbounded memory.
 */
const MAX_KEPT_EVENTS = 50_000;

/** How long a session waits idle before it lets go of its kernel and plugins (reloaded on its next prompt). */
export const DEFAULT_IDLE_RELEASE_MS = 10 * 60_000;

/**
 * One session the server hosts: a kernel, its subscribers, and the permission questions waiting
 * for an answer from a client. Sessions never share state: each has its own kernel, its own tool
 * plugins and its own calls; a provider plugin's isolate serves every session (SharedSandboxes),
 * each model call's events going to the call that asked.
 * A session idle for `idleReleaseMs` releases its kernel, its plugins' isolates and its lock,
 * keeping only what describes it; its next prompt loads it again from its file.
 */
export class ServerSession {
  private readonly subscribers = new Set<(event: ServerEvent, id: number) => void>();
  private readonly pendingPermissions = new Map<string, (answer: PermissionAnswer) => void>();
  /** MCP servers' forms waiting for a client: their fields (to check an answer) and how to finish. */
  private readonly pendingForms = new Map<
    string,
    { fields: McpElicitationField[]; finish: (answer: McpElicitationAnswer) => void }
  >();
  private running: Promise<TurnResult> | undefined;
  /** The last events, so a client that subscribes just after a prompt misses nothing. */
  private readonly recent: Array<{ id: number; event: ServerEvent }> = [];
  /** Every event gets the next number: SSE ids, so a client can ask for what follows one. */
  private lastId = 0;
  private prepared: PreparedSession | undefined;
  private unsubscribe: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** What describes the session while it is released. */
  private info = { id: "", cwd: "", mode: "default", thinking: "off", model: "" };

  private constructor(
    private readonly options: Omit<SessionOptions, "resolver">,
    private readonly idleReleaseMs: number,
  ) {}

  static async open(
    options: Omit<SessionOptions, "resolver">,
    limits: { idleReleaseMs?: number } = {},
  ): Promise<ServerSession> {
    const session = new ServerSession(options, limits.idleReleaseMs ?? DEFAULT_IDLE_RELEASE_MS);
    session.attach(await session.load(options));
    return session;
  }

  get id(): string {
    return this.info.id;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Whether the kernel and plugins are loaded (false once released for being idle). */
  get loaded(): boolean {
    return this.prepared !== undefined;
  }

  describe() {
    return {
      id: this.id,
      cwd: this.info.cwd,
      busy: this.busy,
      mode: this.info.mode,
      thinking: this.prepared?.kernel.thinking ?? this.info.thinking,
      loaded: this.loaded,
    };
  }

  /**
   * Replays the kept events — all of them, or only those after event `after` — then follows
   * live ones. Without `after`, an idle session replays its last turn; a client that prompts
   * next should pass the id POST /prompt returned, or it will see that old turn_end first.
   */
  subscribe(listener: (event: ServerEvent, id: number) => void, after?: number): () => void {
    // Asked to resume from before what is kept (or from a session released since): say how much is
    // gone rather than skip it silently.
    const oldest = this.recent[0]?.id ?? this.lastId + 1;
    if (after !== undefined && after < oldest - 1) {
      listener({ type: "replay_gap", missed: oldest - 1 - after, resumesAt: oldest }, oldest - 1);
    }
    for (const kept of this.recent) if (after === undefined || kept.id > after) listener(kept.event, kept.id);
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /**
   * Starts a turn, or, while one runs, queues the text in the kernel (`steer`: at the turn's next
   * step; `followUp`: after it). Events go to the subscribers; `after` is the id they follow. A
   * released session is loaded again first.
   */
  prompt(text: string, delivery: QueueMode = "steer"): { after: number; queued?: QueuedPrompt } {
    const kernel = this.prepared?.kernel;
    if (kernel?.running) {
      const queued = delivery === "followUp" ? kernel.followUp(text) : kernel.steer(text);
      return { after: this.lastId, queued };
    }
    if (this.running && !kernel) throw new Error("The session is loading again after being idle; retry in a moment.");
    clearTimeout(this.idleTimer);
    this.recent.length = 0;
    const after = this.lastId;
    const running = this.loaded$().then((prepared) => prepared.kernel.prompt(text));
    this.running = running;
    running
      .catch((error: Error) => this.emit({ type: "turn_error", message: error.message }))
      .finally(() => {
        if (this.running !== running) return;
        this.running = undefined;
        this.releaseWhenIdle();
      });
    return { after };
  }

  answer(requestId: string, answer: PermissionAnswer): boolean {
    const pending = this.pendingPermissions.get(requestId);
    if (!pending) return false;
    pending(answer);
    return true;
  }

  /**
   * Answers an MCP server's form: undefined when done, "missing" when no such form is open, or
   * what does not fit (the form stays open for a corrected answer).
   */
  answerForm(requestId: string, answer: McpElicitationAnswer): "missing" | string | undefined {
    const pending = this.pendingForms.get(requestId);
    if (!pending) return "missing";
    if (answer.action === "accept") {
      const problem = checkAnswer(pending.fields, answer.content);
      if (problem) return problem;
    }
    pending.finish(answer);
    return undefined;
  }

  abort(): void {
    this.prepared?.kernel.abort();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.abort();
    await this.running?.catch(() => {});
    this.release();
    this.subscribers.clear();
  }

  /** Lets go of the kernel, the plugins' isolates and the session's lock; the next prompt loads them again. */
  release(): void {
    if (!this.prepared || this.running) return;
    this.unsubscribe?.();
    // Let go of the closure too: it holds the listener, which holds the whole prepared session.
    this.unsubscribe = undefined;
    this.prepared.dispose();
    this.prepared = undefined;
    // What a reconnecting client asks for is gone with them: it is told so (replay_gap).
    this.recent.length = 0;
  }

  private releaseWhenIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.closed || this.idleReleaseMs <= 0) return;
    this.idleTimer = setTimeout(() => this.release(), this.idleReleaseMs);
    this.idleTimer.unref();
  }

  private async loaded$(): Promise<PreparedSession> {
    if (this.prepared) return this.prepared;
    // The session as it was left: its own file, its current model (the level is in the file).
    const { fork: _fork, continue: _continue, ...rest } = this.options;
    const prepared = await this.load({
      ...rest,
      resume: this.info.id,
      ...(this.info.model ? { model: this.info.model } : {}),
    });
    if (this.closed) {
      prepared.dispose();
      throw new Error("The session was closed.");
    }
    this.attach(prepared);
    return prepared;
  }

  private load(options: Omit<SessionOptions, "resolver">): Promise<PreparedSession> {
    // Headless, nobody can answer a prompt in this process: questions go to the clients.
    const resolver: PermissionResolver = (request, signal) =>
      new Promise<PermissionAnswer>((resolve) => {
        const requestId = randomUUID();
        const finish = (answer: PermissionAnswer) => {
          this.pendingPermissions.delete(requestId);
          resolve(answer);
        };
        this.pendingPermissions.set(requestId, finish);
        signal.addEventListener("abort", () => finish({ allow: false, message: "The turn was aborted." }), {
          once: true,
        });
        this.emit(permissionEvent(requestId, request));
      });
    // An MCP server's form goes to the clients as an event; one nobody answers ends with its turn.
    const mcpElicit = (
      request: { server: string; message: string; fields: McpElicitationField[] },
      signal: AbortSignal,
    ) =>
      new Promise<McpElicitationAnswer>((resolve) => {
        const requestId = randomUUID();
        const finish = (answer: McpElicitationAnswer) => {
          this.pendingForms.delete(requestId);
          resolve(answer);
        };
        this.pendingForms.set(requestId, { fields: request.fields, finish });
        signal.addEventListener("abort", () => finish({ action: "cancel" }), { once: true });
        this.emit({
          type: "elicitation_request",
          requestId,
          server: request.server,
          message: request.message,
          fields: request.fields,
        });
      });
    return prepareSession({ writer: "pincer serve", ...options, resolver, mcpElicit });
  }

  private attach(prepared: PreparedSession): void {
    this.prepared = prepared;
    this.unsubscribe = prepared.kernel.subscribe((event) => {
      if (event.type === "model_change") this.info.model = event.model;
      if (event.type === "permission_mode_change") this.info.mode = event.mode;
      const advice = event.type === "turn_end" ? serveStopAdvice(event.result, prepared.session.id) : undefined;
      this.emit(event.type === "turn_end" && advice ? { ...event, advice } : event);
    });
    this.info = {
      id: prepared.session.id,
      cwd: prepared.session.header.cwd,
      mode: prepared.mode,
      thinking: prepared.kernel.thinking,
      model: prepared.kernel.model,
    };
    this.releaseWhenIdle();
  }

  private emit(event: ServerEvent): void {
    const id = ++this.lastId;
    this.recent.push({ id, event });
    if (this.recent.length > MAX_KEPT_EVENTS) this.recent.shift();
    for (const subscriber of this.subscribers) subscriber(event, id);
  }
}
