import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyUsage, type Message } from "../messages.js";
import { Session } from "./session.js";
import { tornPathFor } from "./session-file.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-repair-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const user = (text: string): Message => ({ role: "user", content: text, timestamp: 1 });
const assistant = (text: string): Message => ({
  role: "assistant",
  content: [{ type: "text", text }],
  model: "openai/gpt-5",
  usage: emptyUsage(),
  stopReason: "stop",
  timestamp: 2,
});

/**
 * A session whose second entry holds bytes that are not UTF-8 (a hand-edited or damaged file,
 * or a tool's raw output): decoding turns each into U+FFFD, three bytes when encoded again, so a
 * repair that measured decoded text would cut at the wrong byte.
 */
function fileWithInvalidUtf8(): Buffer {
  const source = join(dir, "source.jsonl");
  const session = Session.create(source, { cwd: "/work" });
  session.append({ type: "message", message: user("first: MARK") });
  session.append({ type: "message", message: assistant("second, with ünïcödé and 🦀") });
  session.append({ type: "message", message: user("third") });
  session.append({ type: "message", message: assistant("fourth and last") });
  const bytes = readFileSync(source);
  const mark = bytes.indexOf("MARK");
  // 0xff and a lone continuation byte 0x80: never valid UTF-8.
  return Buffer.concat([bytes.subarray(0, mark), Buffer.from([0xff, 0x80, 0xfe]), bytes.subarray(mark + 4)]);
}

describe("crash repair works on bytes", () => {
  it("opens every truncation of a file with invalid UTF-8 early on, and the next append is a valid line", () => {
    const whole = fileWithInvalidUtf8();
    const headerEnd = whole.indexOf(0x0a) + 1;
    const file = join(dir, "s.jsonl");
    for (let length = headerEnd; length <= whole.length; length++) {
      const cut = whole.subarray(0, length);
      writeFileSync(file, cut);
      rmSync(tornPathFor(file), { force: true });

      const session = Session.open(file);
      const kept = readFileSync(file);
      // Only bytes after the last complete line were removed, and every kept byte is the original.
      const lastNewline = cut.lastIndexOf(0x0a) + 1;
      expect(kept.length === lastNewline || kept.length === length + 1, `length ${length}`).toBe(true);
      expect(
        kept.subarray(0, Math.min(kept.length, length)).equals(cut.subarray(0, Math.min(kept.length, length))),
      ).toBe(true);
      // What was cut off is kept aside, byte for byte.
      if (kept.length === lastNewline && length > lastNewline) {
        expect(readFileSync(tornPathFor(file)).equals(cut.subarray(lastNewline))).toBe(true);
      } else {
        expect(existsSync(tornPathFor(file))).toBe(false);
      }

      session.append({ type: "message", message: user(`after a cut at ${length}`) });
      const after = readFileSync(file);
      expect(after.subarray(0, kept.length).equals(kept)).toBe(true);
      const lines = after.subarray(kept.length).toString("utf8").split("\n");
      expect(lines.at(-1)).toBe("");
      expect(JSON.parse(lines[0]!).message.content).toBe(`after a cut at ${length}`);

      const reopened = Session.open(file);
      expect(reopened.warnings).toEqual([]);
      expect(reopened.buildContext().messages.at(-1)).toMatchObject({ content: `after a cut at ${length}` });
    }
  });

  it("a reader beside a writer repairs nothing: the torn tail is left out, the file untouched", () => {
    const file = join(dir, "s.jsonl");
    const whole = fileWithInvalidUtf8();
    const cut = whole.subarray(0, whole.length - 7);
    writeFileSync(file, cut);
    const reader = Session.open(file, { readOnly: true });
    expect(reader.entries()).toHaveLength(3);
    expect(readFileSync(file).equals(cut)).toBe(true);
    expect(existsSync(tornPathFor(file))).toBe(false);
    expect(() => reader.append({ type: "message", message: user("no") })).toThrow(/read-only/);
  });
});
