/** Characters of a block (a mebibyte: above Node's EXTERN_APEX, so a block is an external string). */
const BLOCK_CHARS = 1 << 20;

/** Characters of deltas kept as strings before the text is gathered into a block buffer instead. */
const SHORT_CHARS = 1 << 16;

/** What Latin-1 cannot hold: a text with any of it is gathered two bytes a character from then on. */
const WIDE = /[\u0100-\uffff]/;

/**
 * A text streamed in deltas, kept as a few mebibyte blocks rather than one delta per piece.
 *
 * Appending deltas with `+=` kept every delta (tens of thousands for a long answer) alive until
 * the whole was read, and blocks joined in the heap all survived, which made V8 grow the young
 * generation to its largest (64 MiB committed, mostly garbage between scavenges) and copy them
 * into the old one. A short text is kept as its deltas; once it passes 64 K characters, each
 * delta is written into the block's buffer as it arrives (Latin-1 while every character fits,
 * UTF-16 from the first one that does not) and dies at once, and a full block is read back as an
 * external string: its characters live outside V8's heap, which holds a small handle.
 *
 * The whole text is the blocks joined with `+` (a rope: no copy), and the blocks themselves are
 * there for writers that walk them in order (long-text.ts), so a long answer is never flattened
 * into a second copy. A block never ends between the two halves of a surrogate pair.
 */
export class TextPieces {
  private done = "";
  private blocks: string[] = [];
  /** A short text's deltas, not yet in a block. */
  private open: string[] = [];
  private openChars = 0;
  /** A long text's current block, as code units; `wide` once a character needed two bytes. */
  private buffer: Buffer | undefined;
  private used = 0;
  private wide = false;

  append(delta: string): void {
    if (delta === "") return;
    if (!this.buffer) {
      this.open.push(delta);
      this.openChars += delta.length;
      if (this.openChars < SHORT_CHARS) return;
      this.buffer = Buffer.allocUnsafe(2 * BLOCK_CHARS);
      const deltas = this.open;
      this.open = [];
      this.openChars = 0;
      for (const held of deltas) this.write(held);
      return;
    }
    this.write(delta);
  }

  get length(): number {
    return this.done.length + this.openChars + (this.wide ? this.used / 2 : this.used);
  }

  /** The whole text so far. */
  text(): string {
    this.sealAll();
    return this.done;
  }

  /** The whole text so far as flat blocks, in order (one block, or none, for a short text). */
  pieces(): readonly string[] {
    this.sealAll();
    return [...this.blocks];
  }

  /** Everything gathered becomes a block, and the buffer goes (a delta after this starts afresh). */
  private sealAll(): void {
    this.seal(true);
    this.buffer = undefined;
    this.wide = false;
  }

  /** A delta into the block buffer, sealing each block that fills up on the way. */
  private write(delta: string): void {
    const buffer = this.buffer!;
    if (!this.wide && WIDE.test(delta)) {
      // From here on two bytes a character: the Latin-1 gathered so far is a block of its own.
      this.seal(true);
      this.wide = true;
    }
    const unit = this.wide ? 2 : 1;
    for (let at = 0; at < delta.length; ) {
      const room = (buffer.length - this.used) / unit;
      const part = at === 0 && delta.length <= room ? delta : delta.slice(at, at + room);
      this.used += buffer.write(part, this.used, this.wide ? "utf16le" : "latin1");
      at += part.length;
      if (this.used === buffer.length || (!this.wide && this.used >= BLOCK_CHARS)) this.seal(false);
    }
  }

  /** Makes what is gathered a block; `whole` when no more may follow right now (nothing is held back). */
  private seal(whole: boolean): void {
    if (this.open.length > 0) {
      this.push(this.open.length === 1 ? this.open[0]! : this.open.join(""));
      this.open = [];
      this.openChars = 0;
    }
    const buffer = this.buffer;
    if (!buffer || this.used === 0) return;
    let held = 0;
    if (this.wide && !whole) {
      const last = buffer.readUInt16LE(this.used - 2);
      // A high surrogate waits for its pair in the next block.
      if (last >= 0xd800 && last <= 0xdbff && this.used > 2) held = 2;
    }
    // Node decodes a string this long as an external one (EXTERN_APEX is just under a mebibyte).
    this.push(buffer.toString(this.wide ? "utf16le" : "latin1", 0, this.used - held));
    if (held) buffer.copy(buffer, 0, this.used - held, this.used);
    this.used = held;
  }

  private push(block: string): void {
    this.blocks.push(block);
    this.done += block;
  }
}
