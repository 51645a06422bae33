import type { FileHandle } from "node:fs/promises";
import { getSystemErrorMessage } from "node:util";

/**
 * `length` bytes of the file from `offset` (fewer at its end). The array is exactly as long as what
 * was read and owns its memory: it crosses into the plugin's isolate whole, so it must hold nothing else.
 */
export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
    // The file shrank while it was read: return what it had.
    if (bytesRead === 0) return bytes.slice(0, filled);
    filled += bytesRead;
  }
  return bytes;
}

/**
 * The whole file, `size` bytes as its descriptor said when it was opened (a file growing meanwhile is
 * read as it was). A file that says 0 but has content (as /proc's do) is read to its end, at most `cap`
 * bytes; past that `tooLarge` is thrown.
 */
export async function readAll(
  handle: FileHandle,
  size: number,
  cap: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  if (size > 0) return readAt(handle, 0, size);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await readAt(handle, total, 65_536);
    if (chunk.length === 0) break;
    total += chunk.length;
    if (total > cap) throw tooLarge();
    chunks.push(chunk);
  }
  const whole = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.length;
  }
  return whole;
}

/**
 * A failed system call on a held directory's entry, told with the path the plugin knows: the call
 * itself went through /proc/self/fd/N/name, which means nothing to it. Keeps `code`.
 */
export function entryError(error: unknown, syscall: string, shown: string): Error {
  const failure = error as NodeJS.ErrnoException;
  if (typeof failure?.code !== "string" || typeof failure.errno !== "number") return error as Error;
  let description: string;
  try {
    description = getSystemErrorMessage(failure.errno);
  } catch {
    description = failure.code;
  }
  return Object.assign(new Error(`${failure.code}: ${description}, ${syscall} '${shown}'`), {
    code: failure.code,
    errno: failure.errno,
    syscall,
  });
}

/** A range's offset and length as non-negative safe integers, or an error saying which is wrong. */
export function checkedRange(path: string, range: unknown): { offset: number; length: number } {
  const { offset, length } = (typeof range === "object" && range !== null ? range : {}) as Record<string, unknown>;
  for (const [name, value] of [
    ["offset", offset],
    ["length", length],
  ] as const) {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new Error(
        `readFile(${path}): range.${name} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}. ` +
          "Pass { offset, length } in bytes.",
      );
    }
  }
  return { offset: offset as number, length: length as number };
}

export function regularFileSize(
  stats: { isFile(): boolean; isDirectory(): boolean; size: number | bigint },
  path: string,
  op: string,
): number {
  if (stats.isDirectory()) throw new Error(`${op}(${path}): ${path} is a directory.`);
  if (!stats.isFile()) throw new Error(`${op}(${path}): ${path} is not a regular file.`);
  return Number(stats.size);
}
