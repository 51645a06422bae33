import { randomUUID } from "node:crypto";
import {
  type CostEstimate,
  type KernelEvent,
  type PermissionAnswer,
  type PermissionResolver,
  type QueuedPrompt,
  type QueueMode,
  SessionStore,
  type TurnResult,
} from "@pincer/kernel";
import { sessionsDir } from "../home.js";
import { type PreparedSession, prepareSession, type SessionOptions } from "../setup.js";

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
      /** What the call would cost, when its tool estimates it: `{ usd, summary, recurring? }`. */
      estimate?: CostEstimate;
    }
  | { type: "turn_error"; message: string }
  /** Sent first to a client resuming from an event no longer kept: `missed` events are gone. */
  | { type: "replay_gap"; missed: number; resumesAt: number };

/** The question a client answers at POST /sessions/{id}/permissions/{requestId} (openapi.ts). */
export function permissionEvent(requestId: string, request: Parameters<PermissionResolver>[0]): ServerEvent {
  return {
    type: "permission_request",
    requestId,
    toolName: request.toolName,
    ...(request.subject ? { subject: request.subject } : {}),
    reason: request.decision.reason,
    ...(request.suggestedRule ? { suggestedRule: request.suggestedRule } : {}),
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

/**
 * One session the server hosts: a kernel, its subscribers, and the permission questions waiting
 * for an answer from a client. Sessions never share state: each has its own kernel and plugins.
 */
export class ServerSession {
  private readonly subscribers = new Set<(event: ServerEvent, id: number) => void>();
  private readonly pendingPermissions = new Map<string, (answer: PermissionAnswer) => void>();
  private running: Promise<TurnResult> | undefined;
  /** The last events, so a client that subscribes just after a prompt misses nothing. */
  private readonly recent: Array<{ id: number; event: ServerEvent }> = [];
  /** Every event gets the next number: SSE ids, so a client can ask for what follows one. */
  private lastId = 0;

  private constructor(private readonly prepared: PreparedSession) {
    prepared.kernel.subscribe((event) => this.emit(event));
  }

  static async open(options: Omit<SessionOptions, "resolver">): Promise<ServerSession> {
    let session: ServerSession | undefined;
    // Headless, nobody can answer a prompt in this process: questions go to the clients.
    const resolver: PermissionResolver = (request, signal) =>
      new Promise<PermissionAnswer>((resolve) => {
        const requestId = randomUUID();
        const finish = (answer: PermissionAnswer) => {
          session?.pendingPermissions.delete(requestId);
          resolve(answer);
        };
        session?.pendingPermissions.set(requestId, finish);
        signal.addEventListener("abort", () => finish({ allow: false, message: "The turn was aborted." }), {
          once: true,
        });
        session?.emit(permissionEvent(requestId, request));
      });
    session = new ServerSession(await prepareSession({ writer: "pincer serve", ...options, resolver }));
    return session;
  }

  get id(): string {
    return this.prepared.session.id;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  describe() {
    return {
      id: this.id,
      cwd: this.prepared.session.header.cwd,
      busy: this.busy,
      mode: this.prepared.mode,
      thinking: this.prepared.kernel.thinking,
    };
  }

  /**
   * Replays the kept events — all of them, or only those after event `after` — then follows
   * live ones. Without `after`, an idle session replays its last turn; a client that prompts
   * next should pass the id POST /prompt returned, or it will see that old turn_end first.
   */
  subscribe(listener: (event: ServerEvent, id: number) => void, after?: number): () => void {
    const oldest = this.recent[0]?.id;
    // Asked to resume from before what is kept: say how much is gone rather than skip it silently.
    if (after !== undefined && oldest !== undefined && after < oldest - 1) {
      listener({ type: "replay_gap", missed: oldest - 1 - after, resumesAt: oldest }, oldest - 1);
    }
    for (const kept of this.recent) if (after === undefined || kept.id > after) listener(kept.event, kept.id);
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /**
   * Starts a turn, or, while one runs, queues the text in the kernel (`steer`: at the turn's next
   * step; `followUp`: after it). Events go to the subscribers; `after` is the id they follow.
   */
  prompt(text: string, delivery: QueueMode = "steer"): { after: number; queued?: QueuedPrompt } {
    const kernel = this.prepared.kernel;
    if (kernel.running) {
      const queued = delivery === "followUp" ? kernel.followUp(text) : kernel.steer(text);
      return { after: this.lastId, queued };
    }
    this.recent.length = 0;
    const after = this.lastId;
    this.running = kernel.prompt(text);
    this.running
      .catch((error: Error) => this.emit({ type: "turn_error", message: error.message }))
      .finally(() => {
        this.running = undefined;
      });
    return { after };
  }

  answer(requestId: string, answer: PermissionAnswer): boolean {
    const pending = this.pendingPermissions.get(requestId);
    if (!pending) return false;
    pending(answer);
    return true;
  }

  abort(): void {
    this.prepared.kernel.abort();
  }

  async close(): Promise<void> {
    this.abort();
    await this.running?.catch(() => {});
    this.prepared.dispose();
    this.subscribers.clear();
  }

  private emit(event: ServerEvent): void {
    const id = ++this.lastId;
    this.recent.push({ id, event });
    if (this.recent.length > MAX_KEPT_EVENTS) this.recent.shift();
    for (const subscriber of this.subscribers) subscriber(event, id);
  }
}
