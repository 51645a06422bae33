import type { Message, ModelRequest } from "@pincer/kernel";

/**
 * How a model request crosses into a provider's isolate without its whole context every time.
 *
 * A session's messages do not change once appended, and each model call sends the previous call's
 * messages again plus a few. Sent whole, every call stringified the context here, parsed it again in
 * the isolate and left it there as garbage for the isolate's collector: a cost per call that grew
 * with the context (an ML intern's 300-call run spent more of its harness time on that than on
 * anything else). So each message object gets an id, is serialized once, and crosses once: the
 * isolate keeps the messages of each conversation's (thread's, named by its first message) last
 * KEPT_REQUESTS requests (frozen, as a provider must not change what it is given), and a request
 * names its messages by id, bringing only those the isolate does not hold for its thread. The host mirrors what the isolate holds; should they ever disagree (the isolate
 * restarted, calls taken out of order), the isolate answers `resend` and the request goes again whole.
 */

/** Requests whose messages the isolate keeps per conversation: a model call's and one beside it (a summary, a subagent's). */
export const KEPT_REQUESTS = 2;
/**
 * Conversations whose messages the isolate keeps at once, the least recently used let go first.
 * One provider isolate serves every session of `pincer serve` (SharedSandboxes): with one window
 * for all of them, fifty sessions taking turns each found the others' messages there and sent their
 * whole context again on every call.
 */
export const KEPT_THREADS = 64;
/** And at most about this much of their messages' JSON (what the isolate holds, parsed). */
export const KEPT_BYTES = 32 * 1024 * 1024;

const ids = new WeakMap<Message, number>();
/**
 * Each sent message's JSON length, for the bytes the isolate holds. Not the JSON itself: kept for
 * as long as the message (the session keeps every message), that was a second copy of the whole
 * conversation in the host's heap, half of what an ML intern's run added to it per iteration. A
 * message is serialized when it crosses, once unless the isolate asks for the request again whole.
 */
const lengths = new WeakMap<Message, number>();
let lastId = 0;

function idOf(message: Message): number {
  let id = ids.get(message);
  if (id === undefined) {
    id = ++lastId;
    ids.set(message, id);
  }
  return id;
}

function jsonOf(message: Message): string {
  const text = JSON.stringify(message);
  lengths.set(message, text.length);
  return text;
}

function lengthOf(message: Message): number {
  return lengths.get(message) ?? jsonOf(message).length;
}

/**
 * The parts of a request that stay the same call after call (an ML intern's 53 tool schemas and its
 * prompt are 56 KB of every request): the isolate keeps them from a conversation's last request, and
 * a request that has the very same ones says so instead of bringing them again.
 */
const SAME_PARTS = ["tools", "systemPrompt"] as const;
type SamePart = (typeof SAME_PARTS)[number];

/** What the isolate holds for one conversation, named by its first message (0: none). */
interface Thread {
  /** The ids of its last KEPT_REQUESTS requests, oldest first. */
  recent: number[][];
  /** The JSON bytes of its last request's messages. */
  bytes: number;
  /** Its last request's SAME_PARTS, as the isolate holds them. */
  parts: Pick<ModelRequest, SamePart>;
}

/** The host's half, one per isolate host: what the isolate holds, as this side sent it. */
export class RequestWire {
  private isolate: object | undefined;
  /** By thread id, least recently used first. */
  private threads = new Map<number, Thread>();
  private heldBytes = 0;
  /** Threads let go of here, for the isolate to let go of with the next request. */
  private dropped: number[] = [];

  constructor(
    private readonly kept: { threads: number; bytes: number } = { threads: KEPT_THREADS, bytes: KEPT_BYTES },
  ) {}

  /**
   * `request` as the isolate's half reads it (REQUEST_WIRE_INSIDE). `isolate` identifies the running
   * isolate (a restarted one holds nothing); `whole` sends every message, after a `resend`.
   */
  encode(request: ModelRequest, isolate: object, whole = false): string {
    if (isolate !== this.isolate) {
      this.isolate = isolate;
      this.threads.clear();
      this.heldBytes = 0;
      this.dropped = [];
    }
    if (request.oneOff) return this.encodeOneOff(request);
    const first = request.messages[0];
    const threadId = first === undefined ? 0 : idOf(first);
    const thread = this.threads.get(threadId);
    if (thread) this.forget(threadId, thread);
    this.dropSuperseded(threadId, request.messages[1]);
    // After a `resend` the isolate lets go of the thread too: both halves start it again.
    if (thread && whole) this.dropped.push(threadId);
    const held = new Set(thread && !whole ? thread.recent.flat() : []);
    const order: number[] = [];
    const added: string[] = [];
    let bytes = 0;
    for (const message of request.messages) {
      const id = idOf(message);
      order.push(id);
      if (held.has(id)) {
        bytes += lengthOf(message);
        continue;
      }
      const json = jsonOf(message);
      bytes += json.length;
      held.add(id);
      added.push(`[${id},${json}]`);
    }
    // Most recently used last; the least recently used others go past the bounds.
    this.threads.set(threadId, {
      recent: [...(thread && !whole ? thread.recent : []), order].slice(-KEPT_REQUESTS),
      bytes,
      parts: { tools: request.tools, systemPrompt: request.systemPrompt },
    });
    this.heldBytes += bytes;
    for (const [oldest, kept] of this.threads) {
      if (oldest === threadId || (this.threads.size <= this.kept.threads && this.heldBytes <= this.kept.bytes)) break;
      this.forget(oldest, kept);
      this.dropped.push(oldest);
    }
    // Identity for the tools (the kernel hands the same frozen array while they do not change),
    // equality for the prompt (a string: the same one is compared by reference first).
    const same = thread && !whole ? SAME_PARTS.filter((part) => thread.parts[part] === request[part]) : [];
    return this.wireLine(request, `"thread":${threadId},"same":${JSON.stringify(same)}`, order, added, same);
  }

  /**
   * A one-off request (a compaction's summary: the whole transcript as one new message) crosses
   * whole and the isolate keeps none of it. Kept as a conversation of its own, each compaction left
   * its transcript in the provider's isolate until KEPT_THREADS others or KEPT_BYTES had come: an
   * ML intern's run compacts every ~35 calls, and the isolate's live heap grew ~1 MiB per 100.
   */
  private encodeOneOff(request: ModelRequest): string {
    const order: number[] = [];
    const added: string[] = [];
    for (const message of request.messages) {
      const id = idOf(message);
      order.push(id);
      added.push(`[${id},${jsonOf(message)}]`);
    }
    return this.wireLine(request, `"thread":0,"keep":false`, order, added);
  }

  /** The line REQUEST_WIRE_INSIDE parses; it carries the threads let go of since the last one. */
  private wireLine(
    request: ModelRequest,
    thread: string,
    order: number[],
    added: string[],
    same: readonly SamePart[] = [],
  ): string {
    const drop = this.dropped;
    this.dropped = [];
    const rest: Partial<ModelRequest> = { ...request };
    delete rest.messages;
    for (const part of same) delete rest[part];
    return `{${thread},"drop":[${drop.join(",")}],"ids":[${order.join(",")}],"added":[${added.join(",")}],"request":${JSON.stringify(rest)}}`;
  }

  /**
   * A compacted conversation goes on as another (its summary first, then the old one's last
   * messages), and the old one is not asked for again: its messages are let go of now, not once
   * KEPT_THREADS others or KEPT_BYTES have come (an ML intern's run compacts every ~35 calls; the
   * provider's isolate kept each old conversation). Should it be asked for after all, it
   * crosses whole once.
   */
  private dropSuperseded(threadId: number, second: Message | undefined): void {
    const secondId = second === undefined ? undefined : ids.get(second);
    if (secondId === undefined) return;
    for (const [other, kept] of this.threads) {
      if (other === threadId || !kept.recent.at(-1)?.includes(secondId)) continue;
      this.forget(other, kept);
      this.dropped.push(other);
    }
  }

  private forget(threadId: number, thread: Thread): void {
    this.threads.delete(threadId);
    this.heldBytes -= thread.bytes;
  }
}

/**
 * The isolate's half, evaluated in the prelude's scope (`parse` is the prelude's own JSON.parse):
 * `requestFromWire(json)` is the ModelRequest, or null when a message it names is not held (the
 * host then sends the request whole). A message is held while a kept request of any thread names it.
 */
export const REQUEST_WIRE_INSIDE = `
  /** id -> [message, how many kept requests name it] */
  const heldMessages = new Map();
  /** thread -> the ids of its last ${KEPT_REQUESTS} requests */
  const wireThreads = new Map();
  /** thread -> its last request's parts that stay the same (tools, systemPrompt), frozen */
  const wireParts = new Map();
  const freeze = Object.freeze;
  const isFrozen = Object.isFrozen;
  const deepFreeze = (value) => {
    const stack = [value];
    while (stack.length > 0) {
      const current = stack.pop();
      if (current === null || typeof current !== "object" || isFrozen(current)) continue;
      freeze(current);
      for (const key in current) stack.push(current[key]);
    }
    return value;
  };
  const releaseIds = (ids) => {
    for (const id of ids) {
      const held = heldMessages.get(id);
      if (held !== undefined && --held[1] <= 0) heldMessages.delete(id);
    }
  };
  const requestFromWire = (json) => {
    const wire = parse(json);
    for (const thread of wire.drop) {
      const recent = wireThreads.get(thread);
      wireThreads.delete(thread);
      wireParts.delete(thread);
      if (recent !== undefined) for (const ids of recent) releaseIds(ids);
    }
    // What the host sends is what the id means from now on (a snapshot's warm-up may have left the
    // same ids behind, meaning other messages).
    for (const [id, message] of wire.added) {
      const held = heldMessages.get(id);
      if (held === undefined) heldMessages.set(id, [deepFreeze(message), 0]);
      else held[0] = deepFreeze(message);
    }
    const messages = [];
    for (const id of wire.ids) {
      const held = heldMessages.get(id);
      if (held === undefined) break;
      messages.push(held[0]);
    }
    const request = wire.request;
    const kept = wireParts.get(wire.thread);
    let complete = messages.length === wire.ids.length;
    for (const part of wire.same ?? []) {
      if (kept === undefined) complete = false;
      else request[part] = kept[part];
    }
    if (complete && wire.keep !== false) {
      for (const id of wire.ids) heldMessages.get(id)[1]++;
      const recent = wireThreads.get(wire.thread) ?? [];
      recent.push(wire.ids);
      if (recent.length > ${KEPT_REQUESTS}) releaseIds(recent.shift());
      wireThreads.set(wire.thread, recent);
      // Frozen as the messages are: the same objects go to the provider at the next calls.
      wireParts.set(wire.thread, { tools: deepFreeze(request.tools), systemPrompt: request.systemPrompt });
    }
    // What came but no kept request names (all of it, when a message was missing) is not kept.
    for (const [id] of wire.added) if (heldMessages.get(id)?.[1] === 0) heldMessages.delete(id);
    return complete ? { ...request, messages } : null;
  };
`;
