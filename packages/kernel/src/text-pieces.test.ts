import { describe, expect, it } from "vitest";
import { MessageAssembler } from "./assemble.js";
import { TextPieces } from "./text-pieces.js";

describe("TextPieces", () => {
  it("gives back exactly the deltas joined, across its mebibyte blocks", () => {
    const pieces = new TextPieces();
    const deltas = Array.from({ length: 300 }, (_, i) => `${i}:${"é🦀x".repeat(1000 + i)};`);
    for (const delta of deltas) pieces.append(delta);
    pieces.append("");
    expect(pieces.length).toBe(deltas.join("").length);
    expect(pieces.text()).toBe(deltas.join(""));
    pieces.append("more");
    expect(pieces.text()).toBe(`${deltas.join("")}more`);
  });

  it("keeps Latin-1, wide and mixed blocks exactly, whatever their characters", () => {
    for (const unit of ["plain ascii ", "café ÿ\u0000 ", "日本語 🦀 ", "\ud800 lone "]) {
      const pieces = new TextPieces();
      const deltas = Array.from({ length: 90 }, (_, i) => `${i}${unit.repeat(3000)}`);
      for (const delta of deltas) pieces.append(delta);
      expect(pieces.pieces().length).toBeGreaterThan(1);
      expect(pieces.pieces().join("")).toBe(deltas.join(""));
      expect(pieces.text()).toBe(deltas.join(""));
    }
  });

  it("switches to two bytes a character mid-text, and cuts one huge delta without parting a pair", () => {
    const pieces = new TextPieces();
    const ascii = Array.from({ length: 40 }, (_, i) => `${i}${"a".repeat(40_000)}`);
    // Odd, so that a block boundary falls inside a crab at some point.
    const huge = `${"x".repeat(777_777)}${"🦀".repeat(1_500_000)}é`;
    for (const delta of [...ascii, huge, "tail"]) pieces.append(delta);
    const expected = [...ascii, huge, "tail"].join("");
    expect(pieces.length).toBe(expected.length);
    const blocks = pieces.pieces();
    expect(blocks.join("")).toBe(expected);
    for (const block of blocks) {
      const last = block.charCodeAt(block.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
    expect(blocks.length).toBeGreaterThan(4);
  });

  it("an assembled message holds every delta of its text, thinking, signature and tool arguments", () => {
    const assembler = new MessageAssembler("m/x", "p");
    const text = Array.from({ length: 40 }, (_, i) => `${i}${"t".repeat(64 * 1024)}`);
    assembler.push({ type: "thinking_delta", text: "let me ", signature: "sig-" });
    assembler.push({ type: "thinking_delta", text: "think", signature: "nature" });
    for (const delta of text) assembler.push({ type: "text_delta", text: delta });
    assembler.push({ type: "toolcall_start", index: 0, id: "c1", name: "write" });
    const args = JSON.stringify({ path: "a.txt", content: "y".repeat(3 << 20) });
    for (let at = 0; at < args.length; at += 50_000)
      assembler.push({ type: "toolcall_delta", index: 0, argumentsDelta: args.slice(at, at + 50_000) });
    assembler.push({ type: "toolcall_end", index: 0 });
    assembler.push({ type: "stop", reason: "toolUse" });
    const message = assembler.finish(false);
    expect(message.content[0]).toEqual({
      type: "thinking",
      thinking: "let me think",
      provider: "p",
      signature: "sig-nature",
    });
    expect(message.content[1]).toEqual({ type: "text", text: text.join("") });
    expect(message.content[2]).toEqual({ type: "toolCall", id: "c1", name: "write", arguments: JSON.parse(args) });
  });
});
