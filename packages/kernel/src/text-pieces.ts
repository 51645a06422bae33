/** Characters of deltas joined into one block. */
const BLOCK_CHARS = 1 << 20;

/**
 * A text streamed in deltas, kept as a few mebibyte blocks rather than one delta per piece.
 * Appending deltas with `+=` kept every delta (tens of thousands for a long answer, each its own
 * object, most of them moved through the young generation into the old one) alive until the
 * whole was read. Here the deltas of a block are joined once it holds a mebibyte, so they die
 * young, and the answer lives in large blocks with little waste around them.
 */
export class TextPieces {
  private done = "";
  private open: string[] = [];
  private openChars = 0;

  append(delta: string): void {
    if (delta === "") return;
    this.open.push(delta);
    this.openChars += delta.length;
    if (this.openChars >= BLOCK_CHARS) this.seal();
  }

  get length(): number {
    return this.done.length + this.openChars;
  }

  /** The whole text so far. */
  text(): string {
    this.seal();
    return this.done;
  }

  private seal(): void {
    if (this.open.length === 0) return;
    this.done += this.open.length === 1 ? this.open[0]! : this.open.join("");
    this.open = [];
    this.openChars = 0;
  }
}
