import { attachPieces, piecesOf } from "../long-text.js";
import type { Redactor } from "../redact.js";
import type { SessionEntry } from "./types.js";

/**
 * An entry as the session file holds it when the session redacts: every string of it redacted
 * except the envelope, which stays as written (a pattern that happened to match an id would cut
 * the tree apart).
 */
export function redactedEntry(entry: SessionEntry, redact: Redactor): Record<string, unknown> {
  const payload: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(entry)) {
    payload[key] = ENVELOPE_FIELDS.has(key) ? item : redactDeep(item, redact);
  }
  return payload;
}

/** Entry fields that hold structure, not conversation; never redacted. */
const ENVELOPE_FIELDS = new Set([
  "type",
  "id",
  "parentId",
  "timestamp",
  "firstKeptEntryId",
  "tokensBefore",
  "customType",
]);

/** Redacts inside string values (and keys) rather than the JSON text, so escaping stays valid. */
function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value === null || typeof value !== "object") return value;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return redactDeep(withJson.toJSON(), redact);
  // Null prototype, so a "__proto__" key in tool arguments is copied as data.
  const copy: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) {
    // A long answer in flat pieces that hold no secret is kept as it is, never flattened (long-text.ts).
    const pieces = typeof item === "string" ? piecesOf(value, key) : undefined;
    if (pieces && redact.findsNothingIn?.(pieces) && redact(key) === key) {
      copy[key] = item;
      attachPieces(copy, key, pieces);
    } else copy[redact(key)] = redactDeep(item, redact);
  }
  return copy;
}
