/** Characters of deltas joined into one block. */
const BLOCK_CHARS = 1 << 20;

/**
 * A text streamed in deltas, kept as a few mebibyte blocks rather than one delta per piece.
 * Appending deltas with `+=` kept every delta (tens of thousands for a long answer, each its own
 * object, most of them moved through the young generation into the old one) alive until the
 * whole was read. Here the deltas of a block are joined once it holds a mebibyte, so they die
 * young, and each full block is moved out of the JS heap (outsideHeap). The whole text is the
 * blocks joined with `+` (a rope: no copy), and the blocks themselves are there for writers that
 * walk them in order (long-text.ts), so a long answer is never flattened into a second copy.
 * A block never ends between the two halves of a surrogate pair, so each is valid on its own.
 */
export class TextPieces {
  private done = "";
  private blocks: string[] = [];
  private open: string[] = [];
  private openChars = 0;

  append(delta: string): void {
    if (delta === "") return;
    this.open.push(delta);
    this.openChars += delta.length;
    if (this.openChars >= BLOCK_CHARS) this.seal(false);
  }

  get length(): number {
    return this.done.length + this.openChars;
  }

  /** The whole text so far. */
  text(): string {
    this.seal(true);
    return this.done;
  }

  /** The whole text so far as flat blocks, in order (one block, or none, for a short text). */
  pieces(): readonly string[] {
    this.seal(true);
    return [...this.blocks];
  }

  /** Joins the open deltas into a block; `whole` when no more may follow right now (nothing is held back). */
  private seal(whole: boolean): void {
    if (this.open.length === 0) return;
    let block = this.open.length === 1 ? this.open[0]! : this.open.join("");
    this.open = [];
    this.openChars = 0;
    const last = block.charCodeAt(block.length - 1);
    if (!whole && block.length > 1 && last >= 0xd800 && last <= 0xdbff) {
      // A high surrogate waits for its pair in the next block.
      this.open.push(block.slice(-1));
      this.openChars = 1;
      block = block.slice(0, -1);
    }
    if (block.length >= BLOCK_CHARS - 1) block = outsideHeap(block);
    this.blocks.push(block);
    this.done += block;
  }
}

/** What Latin-1 cannot hold: a block with any of it is kept two bytes a character. */
const WIDE = /[\u0100-\uffff]/;

/** Where a block's characters are copied on their way out of the heap: one buffer, reused. */
let scratch: Buffer | undefined;

/**
 * The same text as an external string: its characters in memory of their own, outside V8's heap.
 * A block made in the heap is young, and a long answer's blocks, all surviving, made V8 grow the
 * young generation to its largest (64 MiB committed, most of it garbage between collections) and
 * then copy them into the old one. Node makes a decoded string this long external (its
 * EXTERN_APEX is just under a mebibyte), so the block is written into a scratch buffer and read
 * back: the heap holds a small handle, and the joined block dies young.
 */
function outsideHeap(block: string): string {
  const encoding = WIDE.test(block) ? "utf16le" : "latin1";
  const bytes = encoding === "latin1" ? block.length : 2 * block.length;
  if (!scratch || scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, 2 * BLOCK_CHARS));
  scratch.write(block, 0, encoding);
  return scratch.toString(encoding, 0, bytes);
}
