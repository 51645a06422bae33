import { createHash } from "node:crypto";

/** Subresource Integrity (`sha512-<base64>`), the form npm records in `dist.integrity`. */
export function sha512(data: string | Uint8Array): string {
  return `sha512-${createHash("sha512").update(data).digest("base64")}`;
}

/**
 * Checks data against an SRI string. npm may list several hashes separated by spaces; the
 * strongest we know (sha512) must match. A registry that gives only sha1 is not trusted.
 */
export function integrityMatches(data: string | Uint8Array, expected: string): boolean {
  const wanted = expected
    .split(/\s+/)
    .filter((entry) => entry.startsWith("sha512-"))
    .map((entry) => entry.split("?")[0]);
  if (wanted.length === 0) return false;
  return wanted.includes(sha512(data));
}
