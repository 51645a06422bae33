import type { EventBus, TurnStopReason } from "./events.js";
import { randomBytes } from "./random.js";
import type { Session } from "./session/session.js";

/**
 * How a message sent while a turn runs reaches the model: `steer` at the turn's next step (after
 * the running tool, before the next model call), `followUp` once the turn is over, as a new turn.
 */
export type QueueMode = "steer" | "followUp";

export interface QueuedPrompt {
  id: string;
  mode: QueueMode;
  text: string;
}

/**
 * Why queued messages were not delivered: the turn ended otherwise than well (its stop reason),
 * a prompt hook blocked the message, or the process that queued them stopped before delivering.
 */
export type QueueDropReason = Exclude<TurnStopReason, "end_turn"> | "process_ended";

/** Most messages waiting at once; more is a client gone wrong, refused rather than held. */
export const MAX_QUEUED_PROMPTS = 32;

/** The `customType` of the session entries that record the queue (queued, delivered, dropped). */
export const QUEUE_ENTRY = "prompt_queue";

type QueueRecord =
  | { action: "queued"; id: string; mode: QueueMode; text: string }
  | { action: "delivered"; ids: string[] }
  | { action: "dropped"; ids: string[]; reason: QueueDropReason };

/**
 * What the user sent while a turn ran, waiting for the loop to take it. Every change is an event
 * on the bus and an entry in the session, so front ends show the queue and a resumed session
 * knows what was said, delivered or not. The queue is the kernel's: the terminal, `pincer serve`
 * and ACP all queue through it.
 */
export class PromptQueue {
  private items: QueuedPrompt[] = [];

  constructor(
    private readonly session: Session,
    private readonly bus: EventBus,
  ) {}

  get pending(): readonly QueuedPrompt[] {
    return this.items;
  }

  add(text: string, mode: QueueMode): QueuedPrompt {
    if (this.items.length >= MAX_QUEUED_PROMPTS) {
      throw new Error(`${MAX_QUEUED_PROMPTS} messages are already queued; wait until some are delivered.`);
    }
    const queued: QueuedPrompt = { id: randomBytes(6).toString("hex"), mode, text };
    this.items.push(queued);
    this.record({ action: "queued", ...queued });
    this.bus.emit({ type: "prompt_queued", queued });
    return queued;
  }

  /** The steering messages, in order, now taken out of the queue (the caller delivers them). */
  takeSteering(): QueuedPrompt[] {
    const taken = this.items.filter((item) => item.mode === "steer");
    if (taken.length > 0) this.items = this.items.filter((item) => item.mode !== "steer");
    return taken;
  }

  get hasSteering(): boolean {
    return this.items.some((item) => item.mode === "steer");
  }

  /** What starts the next turn once one is over: a steering message left over first, else the oldest follow-up. */
  takeNext(): QueuedPrompt | undefined {
    if (this.items.length === 0) return undefined;
    const steer = this.items.findIndex((item) => item.mode === "steer");
    return this.items.splice(Math.max(steer, 0), 1)[0];
  }

  /** Records that these reached the model, and says so. */
  delivered(items: QueuedPrompt[]): void {
    if (items.length === 0) return;
    this.record({ action: "delivered", ids: items.map((item) => item.id) });
    this.bus.emit({ type: "queue_delivered", delivered: items });
  }

  /** Takes everything out undelivered (or only `items`), records why, and says so: front ends give the text back. */
  drop(reason: QueueDropReason, items: QueuedPrompt[] = this.items.splice(0)): QueuedPrompt[] {
    if (items.length === 0) return items;
    this.record({ action: "dropped", ids: items.map((item) => item.id), reason });
    this.bus.emit({ type: "queue_dropped", dropped: items, reason });
    return items;
  }

  /**
   * Messages the previous process queued on this session and never delivered (it was killed
   * mid-turn): recorded as dropped now, and returned so the caller can give them back.
   */
  recover(): QueuedPrompt[] {
    const undelivered = undeliveredOnPath(this.session);
    if (undelivered.length > 0)
      this.record({ action: "dropped", ids: undelivered.map((item) => item.id), reason: "process_ended" });
    return undelivered;
  }

  private record(data: QueueRecord): void {
    this.session.append({ type: "custom", customType: QUEUE_ENTRY, data });
  }
}

/** Messages queued on this session's path and never delivered or dropped. */
function undeliveredOnPath(session: Session): QueuedPrompt[] {
  const open = new Map<string, QueuedPrompt>();
  // Custom entries are never let go of (Session.letGoBefore): no need to read the file.
  for (const entry of session.pathInMemory()) {
    if (entry.type !== "custom" || entry.customType !== QUEUE_ENTRY) continue;
    const record = entry.data as Partial<QueueRecord> | null;
    if (record?.action === "queued") {
      const { id, mode, text } = record as Extract<QueueRecord, { action: "queued" }>;
      if (typeof id === "string" && typeof text === "string" && (mode === "steer" || mode === "followUp"))
        open.set(id, { id, mode, text });
    } else if (record?.action === "delivered" || record?.action === "dropped") {
      for (const id of Array.isArray(record.ids) ? record.ids : []) open.delete(String(id));
    }
  }
  return [...open.values()];
}
