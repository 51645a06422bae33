import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Sha256, sha256Hex } from "./sha256.js";

const reference = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("the plugin's pure-JS SHA-256", () => {
  it("matches node:crypto on the padding edges and on random buffers", () => {
    for (const size of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000]) {
      const data = randomBytes(size);
      expect(sha256Hex(data), `size ${size}`).toBe(reference(data));
    }
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(Math.floor(Math.random() * 200_000));
      expect(sha256Hex(data)).toBe(reference(data));
    }
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("gives the same digest when fed in uneven pieces", () => {
    const data = randomBytes(300_001);
    const hash = new Sha256();
    for (let at = 0; at < data.length; ) {
      const size = Math.floor(Math.random() * 5000);
      hash.update(data.subarray(at, at + size));
      at += size;
    }
    expect(hash.hex()).toBe(reference(data));
  });

  it("hashes 16 MB in reasonable time", () => {
    const data = randomBytes(16 * 1024 * 1024);
    const started = performance.now();
    expect(sha256Hex(data)).toBe(reference(data));
    const seconds = (performance.now() - started) / 1000;
    console.log(`sha256 (pure JS): ${(16 / seconds).toFixed(0)} MB/s`);
    expect(seconds).toBeLessThan(10);
  });
});
