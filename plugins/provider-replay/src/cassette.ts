import type { ProviderEvent } from "@pincer/sdk";

export const CASSETTE_VERSION = 1;

export interface CassetteHeader {
  type: "cassette";
  version: number;
  description?: string;
}

/** One recorded model call: what was sent (for checking) and the events that came back. */
export interface CassetteCall {
  type: "call";
  request?: { lastMessage?: string };
  /** Checks that keep a replay honest: the real tools must produce what the recording saw. */
  expect?: { lastToolResultIncludes?: string };
  /** Values this call takes from the last tool result (regex → its first group), used as `{{name}}` by later calls. */
  capture?: Record<string, string>;
  events: ProviderEvent[];
}

export interface Cassette {
  header: CassetteHeader;
  calls: CassetteCall[];
}

const EVENT_TYPES = new Set([
  "text_delta",
  "thinking_delta",
  "toolcall_start",
  "toolcall_delta",
  "toolcall_end",
  "usage",
  "stop",
  "error",
]);

/** Parses a JSONL cassette; errors name the line and what is wrong with it. */
export function parseCassette(text: string, name = "cassette"): Cassette {
  const lines = text.split("\n").filter((line) => line.trim());
  if (lines.length === 0)
    throw new Error(`${name} is empty; a cassette starts with a {"type":"cassette","version":1} line.`);
  const parse = (line: string, number: number) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${name} line ${number}: not valid JSON (${(error as Error).message}).`);
    }
  };
  const header = parse(lines[0]!, 1);
  if (header.type !== "cassette") throw new Error(`${name} line 1: expected the {"type":"cassette",...} header.`);
  if (typeof header.version !== "number" || header.version > CASSETTE_VERSION) {
    throw new Error(
      `${name}: cassette version ${String(header.version)} is not supported (this Pincer reads version ${CASSETTE_VERSION}).`,
    );
  }
  const calls = lines.slice(1).map((line, index) => {
    const call = parse(line, index + 2);
    if (call.type !== "call" || !Array.isArray(call.events))
      throw new Error(`${name} line ${index + 2}: expected {"type":"call","events":[...]}.`);
    const capture = call.capture ?? {};
    if (typeof capture !== "object" || capture === null || Array.isArray(capture))
      throw new Error(`${name} line ${index + 2}: capture must be an object of name → regular expression.`);
    for (const [key, pattern] of Object.entries(capture)) {
      if (!/^\w+$/.test(key) || typeof pattern !== "string" || !isRegExp(pattern))
        throw new Error(
          `${name} line ${index + 2}: capture ${JSON.stringify(key)} needs a word for its name and a valid regular expression.`,
        );
    }
    for (const event of call.events as Array<{ type?: string }>) {
      if (!event || !EVENT_TYPES.has(event.type ?? ""))
        throw new Error(`${name} line ${index + 2}: unknown event ${JSON.stringify(event)}.`);
    }
    return call as unknown as CassetteCall;
  });
  return { header: header as unknown as CassetteHeader, calls };
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export function serializeCassetteHeader(description?: string): string {
  return JSON.stringify({ type: "cassette", version: CASSETTE_VERSION, ...(description ? { description } : {}) });
}

export function serializeCassetteCall(call: CassetteCall): string {
  return JSON.stringify(call);
}
