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

/**
 * Redacts inside string values (and keys) rather than the JSON text, so escaping stays valid.
 * Copies only what changes: an array or object none of whose strings holds a secret (nearly every
 * one) is returned as it is, rather than rebuilt for every entry written.
 */
function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const done = redactDeep(item, redact);
      if (!copy && done !== item) copy = value.slice(0, index);
      if (copy) copy[index] = done;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== "object") return value;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return redactDeep(withJson.toJSON(), redact);
  const fields = Object.entries(value);
  let copy: Record<string, unknown> | undefined;
  fields.forEach(([key, item], index) => {
    // A long answer in flat pieces that hold no secret is kept as it is, never flattened (long-text.ts).
    const pieces = typeof item === "string" ? piecesOf(value, key) : undefined;
    if (pieces && redact.findsNothingIn?.(pieces) && redact(key) === key) {
      if (copy) keep(copy, value, key, item);
      return;
    }
    const doneKey = redact(key);
    const done = redactDeep(item, redact);
    if (!copy && (doneKey !== key || done !== item)) {
      // Null prototype, so a "__proto__" key in tool arguments is copied as data.
      copy = Object.create(null) as Record<string, unknown>;
      for (const [earlierKey, earlier] of fields.slice(0, index)) keep(copy, value, earlierKey, earlier);
    }
    if (copy) copy[doneKey] = done;
  });
  return copy ?? value;
}

/** Copies a field that needed no redaction, with the pieces its text was joined from. */
function keep(copy: Record<string, unknown>, from: object, key: string, item: unknown): void {
  copy[key] = item;
  if (typeof item === "string") attachPieces(copy, key, piecesOf(from, key));
}
