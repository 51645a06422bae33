import { describe, expect, it } from "vitest";
import { attachPieces, piecesOf } from "../long-text.js";
import { createRedactor } from "../redact.js";
import { redactedEntry } from "./entry-redaction.js";
import type { SessionEntry } from "./types.js";

const KEY = "sk-test-0000111122223333444455556666";
const redact = createRedactor({ secrets: [KEY] });

function toolCallEntry(command: string): SessionEntry {
  return {
    type: "message",
    id: "e1",
    parentId: null,
    timestamp: "2026-12-07T00:00:00.000Z",
    message: {
      role: "assistant",
      content: [
        { type: "text", text: "Running it now." },
        { type: "toolCall", id: "c1", name: "bash", arguments: { command, cwd: "/work" } },
      ],
      stopReason: "toolUse",
      timestamp: 1,
    },
  } as unknown as SessionEntry;
}

describe("redactedEntry", () => {
  it("writes an entry that holds no secret as it is, copying nothing", () => {
    const entry = toolCallEntry("echo hi");
    const written = redactedEntry(entry, redact) as { message: unknown };
    expect(written.message).toBe((entry as { message: unknown }).message);
    expect(JSON.stringify(written)).toBe(JSON.stringify(entry));
  });

  it("copies only the path to a secret, shares the rest, and leaves the entry it was given alone", () => {
    const entry = toolCallEntry(`curl -H "x-api-key: ${KEY}" https://example.test`);
    const before = JSON.stringify(entry);
    const written = redactedEntry(entry, redact) as { message: { content: Array<Record<string, unknown>> } };
    const original = (entry as unknown as { message: { content: Array<Record<string, unknown>> } }).message;

    expect(JSON.stringify(written)).not.toContain(KEY);
    expect(written.message.content[1]?.arguments).toEqual({
      command: 'curl -H "x-api-key: [REDACTED]" https://example.test',
      cwd: "/work",
    });
    expect(written.message.content[0]).toBe(original.content[0]);
    expect(JSON.stringify(entry)).toBe(before);
  });

  it("keeps a long text's pieces on the copy when a field beside it is redacted", () => {
    const pieces = ["a".repeat(10), "b".repeat(10)];
    const block: Record<string, unknown> = { type: "text", text: pieces.join(""), note: `key ${KEY}` };
    attachPieces(block, "text", pieces);
    const entry = { ...toolCallEntry("echo"), message: { role: "user", content: [block], timestamp: 1 } };

    const written = redactedEntry(entry as unknown as SessionEntry, redact) as {
      message: { content: Array<Record<string, unknown>> };
    };
    const copied = written.message.content[0] as Record<string, unknown>;
    expect(copied).not.toBe(block);
    expect(copied.note).toBe("key [REDACTED]");
    expect(piecesOf(copied, "text")).toEqual(pieces);
  });

  it("keeps each item of an array in its place when one after a hole is redacted", () => {
    const sparse: unknown[] = ["first"];
    sparse[2] = `key ${KEY}`;
    sparse[4] = "last";
    const entry = { ...toolCallEntry("echo"), note: sparse } as unknown as SessionEntry;

    const written = redactedEntry(entry, redact) as { note: unknown[] };
    expect(JSON.stringify(written.note)).toBe('["first",null,"key [REDACTED]",null,"last"]');
    expect(JSON.stringify(written.note)).toBe(JSON.stringify(sparse).replace(KEY, "[REDACTED]"));
  });

  it("copies a __proto__ key of a tool's arguments as data", () => {
    const args = JSON.parse(`{"__proto__": {"polluted": "${KEY}"}, "path": "a.txt"}`) as Record<string, unknown>;
    const entry = toolCallEntry("echo");
    const content = (entry as unknown as { message: { content: Array<Record<string, unknown>> } }).message.content;
    (content[1] as Record<string, unknown>).arguments = args;

    const text = JSON.stringify(redactedEntry(entry, redact));
    expect(text).toContain('"__proto__":{"polluted":"[REDACTED]"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
