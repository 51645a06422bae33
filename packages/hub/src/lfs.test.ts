import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { looksBinary } from "./lfs.js";

describe("which files preupload sends through LFS", () => {
  it("takes random bytes for binary even without a NUL byte, and text for text", () => {
    // 512 random bytes have no NUL about one time in seven; they are still not UTF-8.
    let noNul: Uint8Array = randomBytes(512);
    while (noNul.includes(0)) noNul = randomBytes(512);
    expect(looksBinary(noNul)).toBe(true);
    expect(looksBinary(Buffer.from([0x7b, 0x22, 0x00, 0x22]))).toBe(true);
    expect(looksBinary(Buffer.from('{"hidden": 8}\nnaïve café ✓'))).toBe(false);
    expect(looksBinary(new Uint8Array(0))).toBe(false);
  });

  it("does not take a text sample cut inside a character for binary", () => {
    const text = Buffer.from(`${"x".repeat(509)}✓`); // 512 bytes, then cut inside the ✓
    expect(looksBinary(text.subarray(0, 511))).toBe(false);
    expect(looksBinary(text.subarray(0, 510))).toBe(false);
  });
});
