import { closeSync, openSync, readSync } from "node:fs";

/**
 * Random bytes from the operating system's generator, read from /dev/urandom, for ids, tokens and
 * markers. node:crypto's randomBytes draws from OpenSSL, seeded from the same source; loading
 * node:crypto to get there cost a one-shot ~4 ms of CPU and ~3 MiB of memory (its module graph
 * and OpenSSL's start-up), for a few dozen bytes. Where there is no /dev/urandom to read
 * (Windows, a jail without /dev), node:crypto serves as before.
 */
export function randomBytes(size: number): Buffer<ArrayBuffer> {
  const bytes = Buffer.allocUnsafe(size);
  let fd: number | undefined;
  try {
    fd = openSync("/dev/urandom", "r");
    let filled = 0;
    while (filled < size) {
      const read = readSync(fd, bytes, filled, size - filled, null);
      if (read <= 0) throw new Error("/dev/urandom ended");
      filled += read;
    }
    return bytes;
  } catch {
    return process.getBuiltinModule("node:crypto").randomBytes(size) as Buffer<ArrayBuffer>;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A version 4 UUID (RFC 9562) from randomBytes, as crypto.randomUUID makes one. */
export function randomUUID(): string {
  const bytes = randomBytes(16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Four random bytes in hex, taken from a pool filled 4 KiB at a time: one call into the system's
 * random source per entry was 2 % of `pincer serve`'s main thread.
 */
let randomPool = Buffer.alloc(0);
let randomAt = 0;
export function randomHex4(): string {
  if (randomAt + 4 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomAt = 0;
  }
  randomAt += 4;
  return randomPool.toString("hex", randomAt - 4, randomAt);
}
