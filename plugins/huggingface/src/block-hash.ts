/**
 * What SHA-1 and SHA-256 share (the plugin sandbox has neither `crypto` nor `crypto.subtle`, so
 * both are plain JavaScript here): 64-byte blocks fed incrementally, so a caller can hash a file in
 * pieces and report progress between them, then the padding with the big-endian bit length.
 * A subclass holds its state words and compresses one block into them.
 */
export abstract class BlockHash {
  private readonly block = new Uint8Array(64);
  private buffered = 0;
  private length = 0;
  private done = false;

  protected constructor(protected readonly state: Uint32Array) {}

  /** Mixes one 64-byte block, read big-endian from `data` at `at`, into `state`. */
  protected abstract compress(data: Uint8Array, at: number): void;

  update(data: Uint8Array): this {
    if (this.done) throw new Error(`${this.constructor.name}: update after digest`);
    this.length += data.length;
    let at = 0;
    if (this.buffered > 0) {
      const take = Math.min(64 - this.buffered, data.length);
      this.block.set(data.subarray(0, take), this.buffered);
      this.buffered += take;
      at = take;
      if (this.buffered < 64) return this;
      this.compress(this.block, 0);
      this.buffered = 0;
    }
    for (; at + 64 <= data.length; at += 64) this.compress(data, at);
    if (at < data.length) {
      this.block.set(data.subarray(at), 0);
      this.buffered = data.length - at;
    }
    return this;
  }

  /** The digest as lowercase hex (the hash can't be updated after). */
  hex(): string {
    this.done = true;
    const bits = this.length * 8;
    const block = this.block;
    block[this.buffered] = 0x80;
    block.fill(0, this.buffered + 1);
    if (this.buffered >= 56) {
      this.compress(block, 0);
      block.fill(0);
    }
    const view = new DataView(block.buffer);
    view.setUint32(56, Math.floor(bits / 0x100000000));
    view.setUint32(60, bits >>> 0);
    this.compress(block, 0);
    return Array.from(this.state, (word) => word.toString(16).padStart(8, "0")).join("");
  }
}

/** The 16 big-endian words of the block at `at`, into the first 16 of `words`. */
export function readBlockWords(data: Uint8Array, at: number, words: Uint32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = at + i * 4;
    words[i] =
      ((data[j] as number) << 24) |
      ((data[j + 1] as number) << 16) |
      ((data[j + 2] as number) << 8) |
      (data[j + 3] as number);
  }
}
