import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MessageAssembler } from "../assemble.js";
import { piecesOf } from "../long-text.js";
import { type AssistantMessage, messageText } from "../messages.js";
import { createRedactor, REDACTED } from "../redact.js";
import { Session } from "./session.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-long-answer-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A streamed answer of `deltas`, assembled as the kernel does (in mebibyte blocks). */
function answer(deltas: string[]): AssistantMessage {
  const assembler = new MessageAssembler("openai/gpt-5", "openai");
  for (const text of deltas) assembler.push({ type: "text_delta", text });
  assembler.push({ type: "stop", reason: "stop" });
  return assembler.finish(false);
}

function savedText(file: string): string {
  const line = readFileSync(file, "utf8").trimEnd().split("\n").at(-1)!;
  return messageText(JSON.parse(line).message);
}

describe("a long answer in the session file", () => {
  const prose = "All work and no play makes a long answer. ".repeat(1600);
  const redact = createRedactor({ secrets: ["sk-env-secret-value-0042"] });

  it("is written whole from its pieces, and reads back the same", () => {
    const file = join(dir, "s.jsonl");
    const session = Session.create(file, { cwd: "/work", redact });
    const message = answer(Array.from({ length: 60 }, (_, i) => `${i} ${prose}`));
    session.append({ type: "message", message });
    expect(savedText(file)).toBe(messageText(message));
    expect(messageText(Session.open(file).buildContext().messages[0]!)).toBe(messageText(message));
  });

  it("still has a key redacted that a model put across the seam between two blocks", () => {
    const file = join(dir, "s.jsonl");
    const session = Session.create(file, { cwd: "/work", redact });
    const key = "sk-proj-abcdefghijklmnopqrstu12345";
    const deltas = Array.from({ length: 60 }, (_, i) => `${i} ${prose}`);
    // The first block is sealed once it holds a mebibyte: end a delta there with half the key.
    let chars = 0;
    let seam = 0;
    while (chars + deltas[seam]!.length < 1 << 20) chars += deltas[seam++]!.length;
    deltas[seam] = `${deltas[seam]}${key.slice(0, 10)}`;
    deltas[seam + 1] = `${key.slice(10)} ${deltas[seam + 1]}`;
    const message = answer(deltas);
    expect(piecesOf(message.content[0]!, "text")?.[0]?.endsWith(key.slice(0, 10))).toBe(true);
    session.append({ type: "message", message });
    const saved = savedText(file);
    expect(saved).not.toContain(key.slice(10));
    expect(saved).toContain(REDACTED);
    expect(saved.length).toBe(messageText(message).length - key.length + REDACTED.length);
  });
});
