import { textPieces } from "./long-text.js";
import { randomBytes } from "./random.js";

/** Strings longer than this are written in slices of this size. */
const SLICE_CHARS = 1 << 20;

/**
 * `JSON.stringify(value)` as a sequence of pieces, none much longer than a mebibyte: a long string
 * (a model's 50 MB answer, a big tool result) is escaped a slice at a time instead of into one
 * more copy of itself. Joined, the pieces are exactly JSON.stringify's output; written one by one,
 * a large entry or output line costs a slice of memory, not another copy of the whole. A long
 * string whose flat pieces are on record (long-text.ts) is read from them, and never flattened.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  // Most values hold no long string: JSON.stringify's own fast path then (a replacer function is
  // called for every value, ~3× the cost of an ordinary session entry's line).
  if (!mayHoldLongText(value, 0)) {
    yield JSON.stringify(value);
    return;
  }
  const long: Array<readonly string[]> = [];
  // Drawn at the first long string only: most values have none, and random bytes per call were a
  // call into the system's random source for every session entry.
  let marker: string | undefined;
  const skeleton = JSON.stringify(value, function (this: unknown, key: string, item: unknown) {
    if (typeof item !== "string" || item.length <= SLICE_CHARS) return item;
    marker ??= `@@pincer-long-${randomBytes(6).toString("hex")}-`;
    // `this` is the object (or array) that holds the string.
    long.push(this !== null && typeof this === "object" ? textPieces(this, key) : [item]);
    return `${marker}${long.length - 1}@@`;
  });
  if (marker === undefined) {
    yield skeleton;
    return;
  }
  const pattern = new RegExp(`"${marker}(\\d+)@@"`, "g");
  let at = 0;
  for (const match of skeleton.matchAll(pattern)) {
    yield skeleton.slice(at, match.index);
    yield* escapedInSlices(long[Number(match[1])]!);
    at = match.index + match[0].length;
  }
  yield skeleton.slice(at);
}

/**
 * Whether JSON.stringify could meet a string longer than a slice in `value`: a value it sees only
 * through toJSON, or nested deeper than a session entry ever is (a cycle too, which JSON.stringify
 * then reports), counts as yes. It reads what JSON.stringify reads: own enumerable keys, array items.
 */
function mayHoldLongText(value: unknown, depth: number): boolean {
  if (typeof value === "string") return value.length > SLICE_CHARS;
  if (value === null || typeof value !== "object") return false;
  if (depth > MAX_WALK_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === "function") return true;
  if (Array.isArray(value)) {
    for (const item of value) if (mayHoldLongText(item, depth + 1)) return true;
    return false;
  }
  for (const key of Object.keys(value)) {
    if (mayHoldLongText((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

const MAX_WALK_DEPTH = 64;

/** What JSON.stringify would escape in a string: quotes, backslashes, control characters, surrogates (lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes.
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Characters escaped at a time where a slice needs escaping: the escaped copy stays an ordinary
 * young object that the next scavenge frees, where a mebibyte copy went to the large-object space
 * and piled up until a full collection.
 */
const ESCAPE_CHARS = 1 << 15;

/**
 * A string, given as its flat pieces, as JSON (quotes included), a slice at a time; a slice never
 * splits a surrogate pair (nor does a piece: see text-pieces.ts).
 */
function* escapedInSlices(pieces: readonly string[]): Generator<string> {
  yield '"';
  for (const piece of pieces) {
    for (const slice of slices(piece, SLICE_CHARS)) {
      // Prose often needs no escaping: then the slice (a view into the text, not a copy) is its own JSON.
      if (!NEEDS_ESCAPING.test(slice)) yield slice;
      else for (const part of slices(slice, ESCAPE_CHARS)) yield JSON.stringify(part).slice(1, -1);
    }
  }
  yield '"';
}

/** `text` in slices of about `chars` characters, never cutting a surrogate pair in two. */
function* slices(text: string, chars: number): Generator<string> {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + chars);
    const last = text.charCodeAt(end - 1);
    // A high surrogate at the cut would be escaped alone (\udXXX): keep it with its pair.
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    yield text.slice(start, end);
    start = end;
  }
}
