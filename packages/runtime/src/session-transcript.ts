import { open } from "node:fs/promises";

const NEWLINE = 0x0a;

/**
 * A session file from byte `offset`, for a driver that keeps a copy elsewhere: complete lines
 * only (what is still being written stays for the next read), at most `max` bytes, each line
 * redacted again (the file was redacted as it was written; this is the second net for what
 * leaves the machine). A session not written yet (no first message) reads as empty.
 */
export async function readTranscript(
  file: string,
  offset: number,
  max: number,
  redact: (text: string) => string,
): Promise<{ text: string; next: number }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { text: "", next: offset };
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    if (size <= offset) return { text: "", next: offset };
    const buffer = Buffer.allocUnsafe(Math.min(size - offset, max));
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const end = buffer.subarray(0, read).lastIndexOf(NEWLINE);
    if (end < 0) {
      if (read >= max) throw new Error(`a line of the session is longer than ${Math.round(max / 2 ** 20)} MB`);
      return { text: "", next: offset };
    }
    const text = buffer.subarray(0, end + 1).toString("utf8");
    return { text: redactJsonLines(text, redact), next: offset + end + 1 };
  } finally {
    await handle.close();
  }
}

/**
 * Redacts JSONL text line by line. A line a plain replacement would break (a match across an
 * escaped quote) is redacted value by value and written again; a line that is not JSON at all
 * (which a session file never holds) is dropped rather than sent.
 */
export function redactJsonLines(text: string, redact: (text: string) => string): string {
  if (redact(text) === text) return text;
  return text
    .split("\n")
    .map((line) => {
      const redacted = redact(line);
      if (redacted === line) return line;
      try {
        JSON.parse(redacted);
        return redacted;
      } catch {
        try {
          return JSON.stringify(redactValue(JSON.parse(line), redact));
        } catch {
          return "";
        }
      }
    })
    .join("\n");
}

function redactValue(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) copy[redact(key)] = redactValue(item, redact);
  return copy;
}
