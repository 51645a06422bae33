import { sha256 } from "@noble/hashes/sha2.js";

/** Past this many characters, node:crypto's native SHA-256 is worth loading. */
const SMALL_TEXT = 4096;
const encoder = new TextEncoder();

/**
 * The SHA-256 of a text's UTF-8 bytes, in hex: the same digest as
 * `createHash("sha256").update(text).digest("hex")`. A start hashes a few short keys (cache names
 * of snapshots, tool definitions, front matter); @noble/hashes does those in JavaScript, so a
 * one-shot never loads node:crypto (~4 ms of CPU and ~3 MiB for its module graph and OpenSSL).
 * Long texts go to node:crypto, which is faster past its start-up.
 */
export function sha256Hex(text: string): string {
  if (text.length > SMALL_TEXT)
    return process.getBuiltinModule("node:crypto").createHash("sha256").update(text).digest("hex");
  return Buffer.from(sha256(encoder.encode(text))).toString("hex");
}
