import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, rmSync } from "node:fs";
import { pipeline } from "node:stream/promises";

/**
 * Writes `source` (a request body, or parts joined in order) to the temp file `tmp` while hashing
 * it, then hands the byte count and hex digest to `accept`, which checks them and moves the file
 * into place — or throws, and nothing is kept. The temp file never outlives the call. Returns the
 * digest.
 */
export async function writeHashed(
  source: AsyncIterable<Buffer>,
  tmp: string,
  algorithm: "sha256" | "md5",
  accept: (received: number, digest: string) => void,
): Promise<string> {
  const hash = createHash(algorithm);
  let received = 0;
  const file = createWriteStream(tmp);
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          received += chunk.length;
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
