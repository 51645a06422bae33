/**
 * The flat pieces a long string field was built from, beside the object that holds it.
 *
 * A streamed answer is kept as mebibyte blocks (text-pieces.ts), and the message's text is those
 * blocks joined with `+`: a rope, no copy. The first thing that reads such a string as a whole (a
 * regular expression, `slice`, a write into a Buffer) makes V8 flatten it: a second, contiguous
 * copy of a 50 MB answer, while the blocks it came from wait for a full collection. Writers that
 * only need the text in order (the session file, `-p` output) take the pieces from here instead,
 * so the answer is never flattened. The pieces are registered for an object and a field, and only
 * given back while that field still holds the very string they were joined into.
 */
const registry = new WeakMap<object, Map<string, { text: string; pieces: readonly string[] }>>();

/** Records that `holder[key]` is `pieces` joined; nothing when there is only one piece (or none). */
export function attachPieces(holder: object, key: string, pieces: readonly string[] | undefined): void {
  const text = (holder as Record<string, unknown>)[key];
  if (!pieces || pieces.length < 2 || typeof text !== "string") return;
  const fields = registry.get(holder) ?? new Map<string, { text: string; pieces: readonly string[] }>();
  fields.set(key, { text, pieces });
  registry.set(holder, fields);
}

/** The pieces `holder[key]` was joined from, if they were recorded and the field still holds that string. */
export function piecesOf(holder: object, key: string): readonly string[] | undefined {
  const known = registry.get(holder)?.get(key);
  // Identity first (the same string object compares at once); a field set anew no longer matches.
  if (!known || (holder as Record<string, unknown>)[key] !== known.text) return undefined;
  return known.pieces;
}

/** `holder[key]` in flat pieces: its recorded pieces, or the string itself as the one piece. */
export function textPieces(holder: object, key: string): readonly string[] {
  const pieces = piecesOf(holder, key);
  if (pieces) return pieces;
  const text = (holder as Record<string, unknown>)[key];
  return typeof text === "string" ? [text] : [];
}

/**
 * Forgets the pieces of `holder[key]`. Once the writers that walk them are done, the string alone
 * keeps the blocks alive (it is made of them); should something flatten it later, the blocks are
 * then free, where a record here would have kept both copies for as long as the holder lives.
 */
export function detachPieces(holder: object, key: string): void {
  const fields = registry.get(holder);
  fields?.delete(key);
  if (fields?.size === 0) registry.delete(holder);
}
