import { describe, expect, it } from "vitest";
import { MessageAssembler } from "./assemble.js";
import { jsonChunks } from "./json-chunks.js";
import { attachPieces, detachPieces, piecesOf, textPieces } from "./long-text.js";
import { createRedactor } from "./redact.js";
import { TextPieces } from "./text-pieces.js";

const MiB = 1 << 20;

describe("long texts in flat pieces", () => {
  it("an assembled long answer keeps its mebibyte blocks, which join to its text", () => {
    const assembler = new MessageAssembler("m/x", "p");
    const deltas = Array.from({ length: 50 }, (_, i) => `${i}:${"a".repeat(64 * 1024)}`);
    for (const delta of deltas) assembler.push({ type: "text_delta", text: delta });
    assembler.push({ type: "stop", reason: "stop" });
    const block = assembler.finish(false).content[0]!;
    const pieces = piecesOf(block, "text")!;
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces.join("")).toBe(deltas.join(""));
    expect(block).toEqual({ type: "text", text: deltas.join("") });
  });

  it("a short text has no pieces on record, and gives itself as its one piece", () => {
    const holder = { text: "short" };
    attachPieces(holder, "text", ["short"]);
    expect(piecesOf(holder, "text")).toBeUndefined();
    expect(textPieces(holder, "text")).toEqual(["short"]);
  });

  it("pieces are given back only while the field holds the string they were recorded for", () => {
    const pieces = ["a".repeat(MiB), "b".repeat(MiB)];
    const holder: { text: string } = { text: pieces[0]! + pieces[1]! };
    attachPieces(holder, "text", pieces);
    expect(piecesOf(holder, "text")).toBe(pieces);
    holder.text = "something else";
    expect(piecesOf(holder, "text")).toBeUndefined();
    expect(textPieces(holder, "text")).toEqual(["something else"]);
    const again = { text: pieces[0]! + pieces[1]! };
    attachPieces(again, "text", pieces);
    detachPieces(again, "text");
    expect(piecesOf(again, "text")).toBeUndefined();
  });

  it("a block never ends between the halves of a surrogate pair", () => {
    const text = new TextPieces();
    // The first block fills up one character short of a crab, whose high half ends the delta.
    text.append(`${"x".repeat(MiB - 1)}\ud83e`);
    text.append(`\udd80${"y".repeat(10)}`);
    const pieces = text.pieces();
    expect(pieces.join("")).toBe(`${"x".repeat(MiB - 1)}🦀${"y".repeat(10)}`);
    for (const piece of pieces) expect(JSON.parse(JSON.stringify(piece))).toBe(piece);
    expect(pieces[0]!.endsWith("x")).toBe(true);
  });

  it("jsonChunks writes a long string from its pieces, exactly as JSON.stringify would", () => {
    const parts = ["é".repeat(MiB), '"\\\n'.repeat(1000), "🦀".repeat(MiB / 2)];
    const block = { type: "text", text: parts.join("") };
    // Pieces that differ from the field's text show which of the two the writer read.
    attachPieces(block, "text", ["A".repeat(MiB), "B".repeat(MiB)]);
    expect([...jsonChunks({ content: [block] })].join("")).toBe(
      JSON.stringify({ content: [{ type: "text", text: `${"A".repeat(MiB)}${"B".repeat(MiB)}` }] }),
    );
    const honest = { type: "text", text: parts.join("") };
    attachPieces(honest, "text", parts);
    expect([...jsonChunks({ content: [honest] })].join("")).toBe(JSON.stringify({ content: [honest] }));
  });
});

describe("a redactor reading pieces", () => {
  const secret = "sk-env-secret-value-0042";
  const samples = [
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    "sk-proj-abcdefghijklmnopqrstu12345",
    `hf_${"a1".repeat(16)}`,
    `ghp_${"b2".repeat(16)}`,
    `github_pat_${"c3".repeat(12)}`,
    "AKIAABCDEFGHIJKLMNOP",
    "Authorization: Bearer abc.def-123456789",
    `key=${secret}`,
  ];
  const redact = createRedactor({ secrets: [secret] });

  it("finds each kind of secret wherever a seam cuts it, and nothing in plain prose", () => {
    const prose = "All work and no play makes a long answer. ".repeat(2000);
    expect(redact.findsNothingIn?.([prose, prose, "", prose])).toBe(true);
    for (const sample of samples) {
      // Each sample is one the redactor replaces, so a miss here would reach the session file.
      expect(redact(`${prose}${sample}`)).not.toContain(sample);
      for (let cut = 0; cut <= sample.length; cut++) {
        const pieces = [`${prose}${sample.slice(0, cut)}`, sample.slice(cut), prose];
        expect(redact.findsNothingIn?.(pieces), `${sample} cut at ${cut}`).toBe(false);
        // Cut three ways, with a one-character piece in the middle.
        const three = [prose + sample.slice(0, cut), sample.slice(cut, cut + 1), sample.slice(cut + 1) + prose];
        expect(redact.findsNothingIn?.(three), `${sample} cut at ${cut} and ${cut + 1}`).toBe(false);
      }
    }
  });

  it("cannot vouch for text when the user added patterns of their own", () => {
    expect(createRedactor({ patterns: [/internal-\d+/] }).findsNothingIn).toBeUndefined();
  });
});
