import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, rmSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { HubError } from "./http.js";

/**
 * Writes `source` (a request body, or parts joined in order) to the temp file `tmp` while hashing
 * it, then hands the byte count and hex digest to `accept`, which checks them and moves the file
 * into place — or throws, and nothing is kept. The temp file never outlives the call. Returns the
 * digest. With `maxBytes`, a source that goes past it fails with a 413 before the byte past it is
 * written: a signed URL for a 10-byte object takes 10 bytes to disk, not what the client sends.
 */
export async function writeHashed(
  source: AsyncIterable<Buffer>,
  tmp: string,
  algorithm: "sha256" | "md5",
  accept: (received: number, digest: string) => void,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<string> {
  const hash = createHash(algorithm);
  let received = 0;
  const file = createWriteStream(tmp);
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          received += chunk.length;
          if (received > maxBytes) {
            throw new HubError(413, `The upload is larger than the ${maxBytes} bytes it was declared to be`);
          }
          hash.update(chunk);
          yield chunk;
        }
      },
      file,
    );
    const digest = hash.digest("hex");
    accept(received, digest);
    return digest;
  } finally {
    // A cut upload fails the pipeline possibly before the file is even open; removing it then would
    // race the open, which would leave an empty temp file behind. Wait for the stream to close.
    if (!file.closed) await once(file, "close").catch(() => undefined);
    rmSync(tmp, { force: true });
  }
}
