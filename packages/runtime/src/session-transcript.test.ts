import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRedactor } from "@pincer/kernel";
import { afterAll, describe, expect, it } from "vitest";
import { readTranscript } from "./session-transcript.js";

const dir = mkdtempSync(join(tmpdir(), "pincer-transcript-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = "correct-horse-battery-staple-42";
const redact = createRedactor({ secrets: [secret] });

describe("a driven session's transcript (what a driver may copy elsewhere)", () => {
  it("reads complete lines from an offset; a line still being written waits for the next read", async () => {
    const file = join(dir, "a.jsonl");
    writeFileSync(file, '{"n":1}\n{"n":2}\n{"n":');
    const first = await readTranscript(file, 0, 1024, redact);
    expect(first).toEqual({ text: '{"n":1}\n{"n":2}\n', next: 16 });
    appendFileSync(file, "3}\n");
    expect(await readTranscript(file, first.next, 1024, redact)).toEqual({ text: '{"n":3}\n', next: 24 });
    expect(await readTranscript(file, 24, 1024, redact)).toEqual({ text: "", next: 24 });
    expect(await readTranscript(join(dir, "none.jsonl"), 0, 1024, redact)).toEqual({ text: "", next: 0 });
  });

  it("redacts secrets again, keeping every line JSON, even when a match spans an escaped quote", async () => {
    const file = join(dir, "b.jsonl");
    const line = JSON.stringify({ text: `key ${secret} and "${secret}"`, token: "sk-proj-abcdefghijklmnop1234567890" });
    writeFileSync(file, `${line}\n`);
    const { text } = await readTranscript(file, 0, 1024 * 1024, redact);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("sk-proj-abcdefghijklmnop");
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it("reads at most its bound a call, and refuses a line longer than the bound", async () => {
    const file = join(dir, "c.jsonl");
    writeFileSync(file, `${"a".repeat(10)}\n${"b".repeat(10)}\n`);
    expect(await readTranscript(file, 0, 15, redact)).toEqual({ text: `${"a".repeat(10)}\n`, next: 11 });
    writeFileSync(file, `${"c".repeat(100)}\n`);
    await expect(readTranscript(file, 0, 50, redact)).rejects.toThrow(/longer than/);
  });
});
