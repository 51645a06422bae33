import type { PluginToolContext } from "@pincer/sdk";
import type { RemoteFile } from "./download-plan.js";
import { gitBlobHash } from "./git-oid.js";
import { HubHttpError } from "./hub.js";
import { Sha256 } from "./sha256.js";

/**
 * A downloaded file's way to the disk, with the isolate (128 MB of heap) holding at most one batch
 * of it: the response body is read chunk by chunk into a batch of STEP bytes, and each full batch
 * hashed and appended to `<target>.pincer-partial` beside the target (same folder,
 * so the same filesystem). Only when the bytes end with the size and the hash the Hub lists is the
 * partial renamed over the target, in one atomic step: the target is either the previous file,
 * untouched, or the verified new one, never half of it. A failure removes the partial.
 */

/** How much is gathered before one append, read at a time when re-hashing, and between progress reports. */
export const STEP = 8 * 1024 * 1024;
/** Where a file is written until it verifies; no Hub file is named like this. */
export const PARTIAL_SUFFIX = ".pincer-partial";

type Ctx = Pick<PluginToolContext, "fs" | "signal">;

interface Hash {
  update(data: Uint8Array): unknown;
  hex(): string;
}

/** The hash the Hub names a file by (sha256 for LFS files, the git blob id for the others) and its expected value. */
export const hashOf = (file: RemoteFile): { hash: Hash; expected: string; kind: string } =>
  file.lfs
    ? { hash: new Sha256(), expected: file.lfs.oid, kind: "sha256" }
    : { hash: gitBlobHash(file.size), expected: file.oid, kind: "git blob id" };

/** True when the workspace file has the size and the hash the Hub lists; read STEP bytes at a time. */
export async function unchanged(ctx: Ctx, target: string, file: RemoteFile): Promise<boolean> {
  const stat = await ctx.fs.stat(target);
  if (stat?.type !== "file" || stat.size !== file.size) return false;
  const { hash, expected } = hashOf(file);
  for (let at = 0; at < file.size; at += STEP) {
    const length = Math.min(STEP, file.size - at);
    const bytes = await ctx.fs.readFile(target, { offset: at, length });
    // Changed while it was read: not the file the Hub lists.
    if (bytes.length !== length) return false;
    hash.update(bytes);
  }
  return hash.hex() === expected;
}

/** A disk write's failure as what it is (not a broken transfer): a full disk, a folder in the way. */
const written = (write: Promise<void>, path: string): Promise<void> =>
  write.catch((error: unknown) => {
    throw new HubHttpError(500, `writing ${path} failed (${error instanceof Error ? error.message : String(error)})`);
  });

/**
 * Streams `body` into `<target>.pincer-partial`, checks it is exactly the file the Hub lists, then
 * renames it over `target`. `progress` hears the bytes received, every STEP.
 */
export async function writeVerified(
  ctx: Ctx,
  body: ReadableStream<Uint8Array> | null,
  file: RemoteFile,
  target: string,
  progress: (done: number) => void,
): Promise<void> {
  const partial = `${target}${PARTIAL_SUFFIX}`;
  const reader = body?.getReader();
  let size = 0;
  try {
    // A partial left by a killed run starts over empty.
    await written(ctx.fs.writeFile(partial, ""), partial);
    const { hash, expected, kind } = hashOf(file);
    const batch = new Uint8Array(Math.min(STEP, Math.max(file.size, 1)));
    let filled = 0;
    let reported = 0;
    while (reader) {
      const { value, done } = await reader.read();
      if (done) break;
      if (size + value.length > file.size) {
        throw new HubHttpError(502, `it came with more than the ${file.size} bytes the Hub lists`);
      }
      size += value.length;
      // A chunk may fill the batch and spill over: each full batch is appended as it fills.
      for (let from = 0; from < value.length; ) {
        const taken = Math.min(batch.length - filled, value.length - from);
        batch.set(value.subarray(from, from + taken), filled);
        filled += taken;
        from += taken;
        if (filled === batch.length) {
          hash.update(batch);
          await written(ctx.fs.appendFile(partial, batch), partial);
          filled = 0;
        }
      }
      if (size - reported >= STEP) {
        reported = size;
        progress(size);
      }
    }
    if (size !== file.size) throw new HubHttpError(502, `it ended after ${size} of ${file.size} bytes`);
    hash.update(batch.subarray(0, filled));
    if (hash.hex() !== expected) {
      throw new HubHttpError(502, `it arrived with a different ${kind} than the Hub lists (${expected})`);
    }
    if (filled > 0) await written(ctx.fs.appendFile(partial, batch.subarray(0, filled)), partial);
    await written(ctx.fs.rename(partial, target), target);
  } catch (error) {
    await reader?.cancel().catch(() => undefined);
    // The partial's bytes are not the file: it goes, and the workspace is as it was.
    const removed = await ctx.fs.remove(partial).then(
      () => true,
      () => false,
    );
    if (ctx.signal.aborted || (error instanceof Error && error.name === "AbortError")) throw error;
    const why =
      error instanceof HubHttpError
        ? error.message
        : `the transfer broke off after ${size} of ${file.size} bytes (${error instanceof Error ? error.message : String(error)})`;
    const left = removed ? "" : `; ${file.path}${PARTIAL_SUFFIX} beside it could not be removed and can be deleted`;
    throw new HubHttpError(
      error instanceof HubHttpError ? error.status : 502,
      `${why}. The file in the workspace was left as it was${left}. Run the tool again.`,
    );
  }
}
