/**
 * The git blob id of a file (SHA-1 of `blob <size>\0` and the bytes), in plain JavaScript: the
 * plugin sandbox has no `crypto`, and the Hub's tree names every regular (non-LFS) file by this id,
 * so hf_download checks a file against it, before skipping it and after fetching it.
 */
import { BlockHash, readBlockWords } from "./block-hash.js";

export class Sha1 extends BlockHash {
  readonly #words = new Uint32Array(80);

  constructor() {
    super(new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]));
  }

  protected compress(data: Uint8Array, at: number): void {
    const w = this.#words;
    readBlockWords(data, at, w);
    for (let i = 16; i < 80; i++) {
      const x = (w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number);
      w[i] = (x << 1) | (x >>> 31);
    }
    const s = this.state;
    let a = s[0] as number;
    let b = s[1] as number;
    let c = s[2] as number;
    let d = s[3] as number;
    let e = s[4] as number;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + (w[i] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    s[0] = (s[0] as number) + a;
    s[1] = (s[1] as number) + b;
    s[2] = (s[2] as number) + c;
    s[3] = (s[3] as number) + d;
    s[4] = (s[4] as number) + e;
  }
}

/** A git blob hash started with its header: feed it exactly `size` bytes, then read `hex()`. */
export const gitBlobHash = (size: number): Sha1 => new Sha1().update(new TextEncoder().encode(`blob ${size}\0`));

export const gitBlobOid = (data: Uint8Array): string => gitBlobHash(data.length).update(data).hex();
