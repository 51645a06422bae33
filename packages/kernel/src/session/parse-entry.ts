// Reading one line of a session file: the header, or an entry checked for its type's fields.
import type { SessionEntry, SessionHeader } from "./types.js";

type Json = Record<string, unknown>;

/** A field an entry must have, and the type it must have (`object`: an object or array, not null). */
type Field = readonly [name: string, type: string];

// As lists, not records: a resume checks ten thousand entries, and walking a record's entries
// made an array of arrays for every one of them.
const ENVELOPE: readonly Field[] = [
  ["id", "string"],
  ["timestamp", "string"],
];
const ENTRY_FIELDS: Record<SessionEntry["type"], readonly Field[]> = {
  message: [["message", "object"]],
  compaction: [
    ["summary", "string"],
    ["firstKeptEntryId", "string"],
    ["tokensBefore", "number"],
  ],
  model_change: [["model", "string"]],
  thinking_change: [["level", "string"]],
  permission_mode_change: [["mode", "string"]],
  custom: [["customType", "string"]],
};
const HEADER_FIELDS: readonly Field[] = [
  ["version", "number"],
  ["id", "string"],
  ["cwd", "string"],
  ["createdAt", "string"],
];

/** The header, or why the line is not one. */
export function parseHeaderLine(line: string): SessionHeader | string {
  const value = parseJsonObject(line);
  if (typeof value === "string") return value;
  if (value.type !== "session") return 'the first line is not a header with type "session"';
  const missing = missingFields(value, HEADER_FIELDS);
  if (missing) return `header ${missing}`;
  return value as unknown as SessionHeader;
}

/** The entry, or why the line is not a complete one. */
export function parseEntryLine(line: string): SessionEntry | string {
  const value = parseJsonObject(line);
  if (typeof value === "string") return value;
  const type = value.type;
  if (typeof type !== "string" || !Object.hasOwn(ENTRY_FIELDS, type)) {
    return `unknown entry type ${JSON.stringify(type)}`;
  }
  const missing = missingFields(value, ENVELOPE) ?? missingFields(value, ENTRY_FIELDS[type as SessionEntry["type"]]);
  if (missing) return `${type} entry ${missing}`;
  if (value.parentId !== null && typeof value.parentId !== "string") return `${type} entry has no parentId`;
  if (type === "message" && typeof (value.message as Json | null)?.role !== "string") {
    return "message entry has a message without a role";
  }
  return value as unknown as SessionEntry;
}

function parseJsonObject(line: string): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not valid JSON";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  return value as Json;
}

function missingFields(value: Json, fields: readonly Field[]): string | undefined {
  for (const [name, type] of fields) {
    const actual = value[name];
    const ok = type === "object" ? actual !== null && typeof actual === "object" : typeof actual === type;
    if (!ok) return `is missing ${type} field "${name}"`;
  }
  return undefined;
}
