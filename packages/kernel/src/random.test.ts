import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "./random.js";
import { sha256Hex } from "./sha256.js";

describe("randomBytes and randomUUID without node:crypto", () => {
  it("gives the size asked for, different each time", () => {
    const seen = new Set<string>();
    for (const size of [0, 1, 3, 24, 4096, 70_000]) {
      const bytes = randomBytes(size);
      expect(bytes.length).toBe(size);
      if (size >= 3) seen.add(bytes.toString("hex"));
    }
    expect(seen.size).toBe(4);
    // 4096 random bytes are not mostly one value.
    const counts = new Map<number, number>();
    for (const byte of randomBytes(4096)) counts.set(byte, (counts.get(byte) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThan(64);
  });

  it("makes version 4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomUUID()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("sha256Hex", () => {
  it("is node:crypto's SHA-256 of the text's UTF-8, short or long, whatever the characters", () => {
    const texts = [
      "",
      "abc",
      "x".repeat(55),
      "x".repeat(64),
      "é漢字🦀",
      "lone \ud800 surrogate \udc00",
      "y".repeat(4096),
      "z".repeat(4097),
      "🦀".repeat(3000),
    ];
    for (const text of texts) {
      expect(sha256Hex(text), JSON.stringify(text.slice(0, 20))).toBe(createHash("sha256").update(text).digest("hex"));
    }
  });
});
