import type { Message, ModelRequest } from "@pincer/kernel";

/**
 * How a model request crosses into a provider's isolate without its whole context every time.
 *
 * A session's messages do not change once appended, and each model call sends the previous call's
 * messages again plus a few. Sent whole, every call stringified the context here, parsed it again in
 * the isolate and left it there as garbage for the isolate's collector: a cost per call that grew
 * with the context (an ML intern's 300-call run spent more of its harness time on that than on
 * anything else). So each message object gets an id, is serialized once, and crosses once: the
 * isolate keeps the messages of the last KEPT_REQUESTS requests (frozen, as a provider must not
 * change what it is given), and a request names its messages by id, bringing only those the isolate
 * does not hold. The host mirrors what the isolate holds; should they ever disagree (the isolate
 * restarted, calls taken out of order), the isolate answers `resend` and the request goes again whole.
 */

/** Requests whose messages the isolate keeps: a model call's and one beside it (a summary, a subagent's). */
export const KEPT_REQUESTS = 2;

const ids = new WeakMap<Message, number>();
const texts = new WeakMap<Message, string>();
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
  let text = texts.get(message);
  if (text === undefined) {
    text = JSON.stringify(message);
    texts.set(message, text);
  }
  return text;
}

/** The host's half, one per isolate host: what the isolate holds, as this side sent it. */
export class RequestWire {
  private isolate: object | undefined;
  /** The ids of the last KEPT_REQUESTS requests sent to `isolate`, oldest first. */
  private recent: number[][] = [];

  /**
   * `request` as the isolate's half reads it (REQUEST_WIRE_INSIDE). `isolate` identifies the running
   * isolate (a restarted one holds nothing); `whole` sends every message, after a `resend`.
   */
  encode(request: ModelRequest, isolate: object, whole = false): string {
    if (isolate !== this.isolate || whole) {
      this.isolate = isolate;
      this.recent = [];
    }
    const held = new Set(this.recent.flat());
    const order: number[] = [];
    const added: string[] = [];
    for (const message of request.messages) {
      const id = idOf(message);
      order.push(id);
      if (!held.has(id)) {
        held.add(id);
        added.push(`[${id},${jsonOf(message)}]`);
      }
    }
    this.recent = [...this.recent, order].slice(-KEPT_REQUESTS);
    const { messages: _messages, ...rest } = request;
    return `{"ids":[${order.join(",")}],"added":[${added.join(",")}],"request":${JSON.stringify(rest)}}`;
  }
}

/**
 * The isolate's half, evaluated in the prelude's scope (`parse` is the prelude's own JSON.parse):
 * `requestFromWire(json)` is the ModelRequest, or null when a message it names is not held (the
 * host then sends the request whole).
 */
export const REQUEST_WIRE_INSIDE = `
  const heldMessages = new Map();
  let recentIds = [];
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
  const requestFromWire = (json) => {
    const wire = parse(json);
    for (const [id, message] of wire.added) heldMessages.set(id, deepFreeze(message));
    const messages = [];
    for (const id of wire.ids) {
      const message = heldMessages.get(id);
      if (message === undefined) return null;
      messages.push(message);
    }
    recentIds = [...recentIds, wire.ids].slice(-${KEPT_REQUESTS});
    const keep = new Set(recentIds.flat());
    for (const id of [...heldMessages.keys()]) if (!keep.has(id)) heldMessages.delete(id);
    return { ...wire.request, messages };
  };
`;
