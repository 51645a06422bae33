import type { PluginToolContext } from "@pincer/sdk";
import { formatBytes, type Hub, HubHttpError } from "./hub.js";
import { Sha256 } from "./sha256.js";
import type { UploadSource } from "./upload.js";

/**
 * One LFS object's bytes, sent the way the Hub asks in its batch answer, with the isolate holding
 * at most one piece of the file at a time (its heap is 128 MB, and weights are hundreds):
 * - the sha256 that names the object is computed over ranged reads of READ_STEP bytes;
 * - "multipart" (`upload.header.chunk_size`, part URLs under "00001", "00002", …): each part is
 *   read by range and PUT on its own (a failed PUT is retried by hub.request: 5xx with backoff, a
 *   dropped connection once), the ETags collected, the parts joined by a completion POST;
 * - basic (one PUT of the whole file): only for files up to MAX_SINGLE_PUT_BYTES, which the
 *   isolate can hold; a larger one is refused rather than run out of memory mid-way.
 * Then `verify`, when the Hub asks for it.
 */

/** How much of a file is read and hashed at a time. */
export const READ_STEP = 8 * 1024 * 1024;
/** The largest file sent as one PUT: it is held whole in the isolate while it goes. */
export const MAX_SINGLE_PUT_BYTES = 48 * 1024 * 1024;
/** The largest multipart part this tool holds (the Hub's chunk_size; huggingface.co's are far smaller). */
export const MAX_PART_BYTES = 64 * 1024 * 1024;

export interface BatchObject {
  oid: string;
  size: number;
  error?: { code?: number; message?: string };
  actions?: {
    upload?: { href: string; header?: Record<string, string> };
    verify?: { href: string; header?: Record<string, string> };
  };
}

type Ctx = Pick<PluginToolContext, "onUpdate">;

/** The file can't go the way the Hub asked (too large to hold, changed meanwhile): trying again won't help. */
class Refusal extends HubHttpError {}

const LFS_JSON = { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" };

/** `length` bytes at `offset`, or an error saying the file changed under the tool. */
async function readExactly(source: UploadSource, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read({ offset, length });
  if (bytes.length !== length) {
    throw new Refusal(
      409,
      `${source.origin} changed while it was being uploaded (it was ${formatBytes(source.size)}, but had ${offset + bytes.length} bytes when read again): upload it again once it is written`,
    );
  }
  return bytes;
}

/** The file's sha256 (hex), read READ_STEP bytes at a time; `progress` hears the bytes done after each. */
export async function hashSource(source: UploadSource, progress: (done: number) => void): Promise<string> {
  const hash = new Sha256();
  for (let at = 0; at < source.size; at += READ_STEP) {
    hash.update(await readExactly(source, at, Math.min(READ_STEP, source.size - at)));
    if (source.size > READ_STEP) progress(Math.min(source.size, at + READ_STEP));
  }
  return hash.hex();
}

/** Sends the object's bytes as the batch answer says (multipart or one PUT), then verifies; nothing when the Hub has it. */
export async function sendLfsObject(
  ctx: Ctx,
  hub: Hub,
  source: UploadSource,
  object: BatchObject,
  step: string,
  /** "nothing was committed, so … is unchanged": every failure here says it. */
  unchanged: string,
): Promise<void> {
  const upload = object.actions?.upload;
  if (!upload) return;
  const name = source.pathInRepo;
  try {
    if (upload.header?.chunk_size !== undefined) await sendParts(ctx, hub, source, object.oid, upload, step);
    else await sendWhole(ctx, hub, source, upload, step);
  } catch (error) {
    if (!(error instanceof HubHttpError)) throw error;
    // A refusal (the file can't go this way) is final; a failed transfer may pass on another try.
    if (error instanceof Refusal) throw new HubHttpError(error.status, `${error.message}; ${unchanged}.`);
    throw new HubHttpError(
      error.status,
      `Uploading ${name} failed: ${error.message.replace(/\.?$/, "")}; ${unchanged}. Run the tool again to retry.`,
    );
  }
  if (object.actions?.verify) {
    await hub.request(object.actions.verify.href, {
      method: "POST",
      headers: { ...LFS_JSON, ...object.actions.verify.header },
      body: JSON.stringify({ oid: object.oid, size: source.size }),
      idempotent: true,
      what: `The uploaded ${name}`,
    });
  }
}

async function sendWhole(
  ctx: Ctx,
  hub: Hub,
  source: UploadSource,
  upload: NonNullable<NonNullable<BatchObject["actions"]>["upload"]>,
  step: string,
): Promise<void> {
  if (source.size > MAX_SINGLE_PUT_BYTES) {
    throw new Refusal(
      413,
      `The Hub offered only a single PUT for ${source.pathInRepo} (no multipart), and this tool sends at most ${formatBytes(MAX_SINGLE_PUT_BYTES)} in one piece, since the plugin sandbox would hold all ${formatBytes(source.size)} in memory. Upload it with the hf CLI (\`hf upload <repo> ${source.origin}\`) instead`,
    );
  }
  const bytes = await readExactly(source, 0, source.size);
  ctx.onUpdate(`[${step}] uploading ${source.pathInRepo} (${formatBytes(source.size)}) through LFS\n`);
  await hub.request(upload.href, {
    method: "PUT",
    headers: { "Content-Type": "application/octet-stream", ...upload.header },
    body: bytes,
    withToken: false,
    what: `The upload of ${source.pathInRepo}`,
  });
}

async function sendParts(
  ctx: Ctx,
  hub: Hub,
  source: UploadSource,
  oid: string,
  upload: NonNullable<NonNullable<BatchObject["actions"]>["upload"]>,
  step: string,
): Promise<void> {
  const header = upload.header ?? {};
  const name = source.pathInRepo;
  const chunkSize = Number(header.chunk_size);
  const numbers = Object.keys(header)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b));
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || numbers.length !== Math.ceil(source.size / chunkSize)) {
    throw new Refusal(
      502,
      `The Hub's multipart answer for ${name} doesn't fit it (chunk_size ${header.chunk_size}, ${numbers.length} part URLs for ${source.size} bytes)`,
    );
  }
  if (chunkSize > MAX_PART_BYTES) {
    throw new Refusal(
      413,
      `The Hub asked for parts of ${formatBytes(chunkSize)} for ${name}; this tool holds at most ${formatBytes(MAX_PART_BYTES)} at a time. Upload it with the hf CLI (\`hf upload <repo> ${source.origin}\`) instead`,
    );
  }
  const parts: { partNumber: number; etag: string }[] = [];
  for (const [index, key] of numbers.entries()) {
    const offset = index * chunkSize;
    const length = Math.min(chunkSize, source.size - offset);
    ctx.onUpdate(
      `[${step}] uploading ${name} part ${index + 1}/${numbers.length} (${formatBytes(offset + length)} of ${formatBytes(source.size)})\n`,
    );
    const res = await hub.request(header[key] as string, {
      method: "PUT",
      body: await readExactly(source, offset, length),
      withToken: false,
      what: `Part ${index + 1} of ${name}`,
    });
    await res.body?.cancel().catch(() => undefined);
    const etag = res.headers.get("etag");
    if (!etag) throw new HubHttpError(502, `The upload of part ${index + 1} of ${name} answered no ETag`);
    parts.push({ partNumber: Number(key), etag });
  }
  // Not repeated on a 5xx: the storage may have joined the parts already and forgotten the upload.
  await hub.request(upload.href, {
    method: "POST",
    headers: LFS_JSON,
    body: JSON.stringify({ oid, parts }),
    withToken: false,
    what: `Completing the multipart upload of ${name}`,
  });
}
