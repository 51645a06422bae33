import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { writeHashed } from "./hashed-write.js";
import { HubError, LIST_BODY_LIMIT, readJson, refuseDeclaredOver, requestChunks, sendJson } from "./http.js";
import type { LfsSigner } from "./lfs.js";
import type { RepoStore } from "./repos.js";

/**
 * The Hub's own LFS "multipart" transfer, for clients that list it in the batch request's
 * `transfers` (huggingface_hub, @huggingface/hub): a large object is sent as numbered parts of
 * `chunk_size` bytes, each PUT to its own signed URL (S3 multipart, on huggingface.co), then a
 * completion POST `{ oid, parts: [{ partNumber, etag }] }` joins them. Here the parts go to temp
 * files under `<dir>/tmp/multipart-<id>/`; the object enters the store only when the joined bytes
 * hash to its oid, and an upload that is never completed is deleted when it expires or the Hub
 * stops, so it leaves nothing behind.
 */

/** Objects larger than this go multipart when the client can (huggingface.co's threshold is of this order). */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** The part size handed out (S3 parts are at least 5 MiB). */
export const MULTIPART_CHUNK_SIZE = 8 * 1024 * 1024;
/** S3's limit on parts; a larger object gets larger parts. */
const MAX_PARTS = 10_000;
/** As long as the upload links are good for (`expires_in`). */
const UPLOAD_TTL_MS = 3600 * 1000;
const DIR_PREFIX = "multipart-";

export interface MultipartOptions {
  /** Objects larger than this many bytes go multipart (default 16 MiB). */
  threshold?: number;
  /** Bytes per part (default 8 MiB). */
  chunkSize?: number;
  /** How long an upload may stay unfinished before its parts are deleted (default an hour). */
  ttlMs?: number;
}

interface Upload {
  oid: string;
  size: number;
  chunkSize: number;
  parts: number;
  dir: string;
  expiresAt: number;
  /** Part number → the ETag its PUT answered (unquoted md5). */
  etags: Map<number, string>;
  completing: boolean;
}

interface CompletionBody {
  oid?: unknown;
  parts?: { partNumber?: unknown; etag?: unknown }[];
}

const partName = (n: number): string => String(n).padStart(5, "0");

/** The bytes of parts 1..count, in order, as one stream. */
async function* joinedParts(dir: string, count: number): AsyncIterable<Buffer> {
  for (let n = 1; n <= count; n++) yield* createReadStream(join(dir, partName(n))) as AsyncIterable<Buffer>;
}
const unquote = (etag: string): string => etag.replace(/^W\//, "").replace(/^"|"$/g, "");

export class MultipartUploads {
  readonly #uploads = new Map<string, Upload>();
  readonly #tmpDir: string;
  readonly threshold: number;
  readonly #chunkSize: number;
  readonly #ttlMs: number;

  constructor(
    store: RepoStore,
    private readonly signer: LfsSigner,
    options: MultipartOptions = {},
  ) {
    this.#tmpDir = join(store.dir, "tmp");
    this.threshold = options.threshold ?? MULTIPART_THRESHOLD;
    this.#chunkSize = options.chunkSize ?? MULTIPART_CHUNK_SIZE;
    this.#ttlMs = options.ttlMs ?? UPLOAD_TTL_MS;
    if (!(this.#chunkSize > 0)) throw new Error(`Multipart chunk size must be positive, got ${this.#chunkSize}`);
    // Parts a previous run left (it crashed, or was killed mid-upload) belong to no upload now.
    for (const name of existsSync(this.#tmpDir) ? readdirSync(this.#tmpDir) : []) {
      if (name.startsWith(DIR_PREFIX)) rmSync(join(this.#tmpDir, name), { recursive: true, force: true });
    }
  }

  /** Whether an object of `size` goes multipart for a client offering `transfers`. */
  wants(size: number, transfers: unknown): boolean {
    return Array.isArray(transfers) && transfers.includes("multipart") && size > this.threshold;
  }

  /** Opens an upload: the batch answer's `actions` (completion href, part URLs in `header`, verify). */
  start(baseUrl: string, gitRepoUrl: string, oid: string, size: number) {
    this.sweep();
    const id = randomBytes(16).toString("hex");
    const chunkSize = Math.max(this.#chunkSize, Math.ceil(size / MAX_PARTS));
    const parts = Math.max(1, Math.ceil(size / chunkSize));
    const dir = join(this.#tmpDir, `${DIR_PREFIX}${id}`);
    mkdirSync(dir, { recursive: true });
    this.#uploads.set(id, {
      oid,
      size,
      chunkSize,
      parts,
      dir,
      expiresAt: Date.now() + this.#ttlMs,
      etags: new Map(),
      completing: false,
    });
    const header: Record<string, string> = { chunk_size: String(chunkSize) };
    for (let n = 1; n <= parts; n++) {
      header[partName(n)] = `${baseUrl}/lfs-multipart/${id}/${partName(n)}?sig=${this.#sign(id, n)}`;
    }
    const expires_in = Math.round(this.#ttlMs / 1000);
    return {
      upload: { href: `${baseUrl}/lfs-multipart/${id}?sig=${this.#sign(id, 0)}`, header, expires_in },
      verify: { href: `${gitRepoUrl}.git/info/lfs/objects/verify` },
    };
  }

  /** `PUT /lfs-multipart/{id}/{part}?sig`: one part to a temp file; answers its md5 as the ETag, as S3 does. */
  async putPart(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    part: string,
    query: URLSearchParams,
  ): Promise<void> {
    const n = /^\d{1,5}$/.test(part) ? Number(part) : Number.NaN;
    if (!this.signer.verify(this.#key(id), n, query.get("sig") ?? ""))
      throw new HubError(403, "Invalid or missing upload signature");
    const upload = this.#open(id);
    if (n < 1 || n > upload.parts)
      throw new HubError(400, `Part ${part} is not one of this upload's 1..${upload.parts}`);
    const expected = n < upload.parts ? upload.chunkSize : upload.size - upload.chunkSize * (upload.parts - 1);
    const target = join(upload.dir, partName(n));
    const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    refuseDeclaredOver(req, expected);
    const etag = await writeHashed(
      requestChunks(req),
      tmp,
      "md5",
      (received) => {
        if (received !== expected) {
          throw new HubError(
            400,
            `Part ${n} is ${received} bytes; this upload's part ${n} must be ${expected} bytes (chunk_size ${upload.chunkSize})`,
          );
        }
        if (!this.#uploads.has(id)) throw new HubError(404, `The multipart upload ${id} was abandoned meanwhile`);
        renameSync(tmp, target);
      },
      expected,
    );
    upload.etags.set(n, etag);
    res.writeHead(200, { ETag: `"${etag}"` }).end();
  }

  /** `POST /lfs-multipart/{id}?sig`: joins the listed parts in order into the object, if they hash to its oid. */
  async complete(req: IncomingMessage, res: ServerResponse, store: RepoStore, id: string, query: URLSearchParams) {
    if (!this.signer.verify(this.#key(id), 0, query.get("sig") ?? ""))
      throw new HubError(403, "Invalid or missing completion signature");
    const upload = this.#open(id);
    const body = await readJson<CompletionBody>(req, LIST_BODY_LIMIT);
    if (body.oid !== upload.oid)
      throw new HubError(400, `This multipart upload is for oid ${upload.oid}, not ${String(body.oid)}`);
    this.#checkParts(upload, body.parts);
    upload.completing = true;
    const tmp = store.tmpPath();
    try {
      await writeHashed(joinedParts(upload.dir, upload.parts), tmp, "sha256", (size, actual) => {
        if (actual !== upload.oid || size !== upload.size) {
          throw new HubError(
            400,
            `The joined parts do not match the object: sha256 ${actual}, ${size} bytes; expected ${upload.oid}, ${upload.size} bytes. Nothing was stored: upload the file again.`,
          );
        }
        const target = store.blobPath(upload.oid);
        if (!existsSync(target)) renameSync(tmp, target);
      });
    } finally {
      // Done, or its bytes can never match: either way the parts go.
      this.#drop(id);
    }
    sendJson(res, 200, { oid: upload.oid, size: upload.size });
  }

  /** Deletes uploads past their time (called as new ones start, so an abandoned one doesn't linger). */
  sweep(now = Date.now()): void {
    for (const [id, upload] of this.#uploads) if (upload.expiresAt <= now && !upload.completing) this.#drop(id);
  }

  /** Deletes every unfinished upload (the Hub is stopping). */
  close(): void {
    for (const id of [...this.#uploads.keys()]) this.#drop(id);
  }

  #checkParts(upload: Upload, parts: CompletionBody["parts"]): void {
    if (!Array.isArray(parts) || parts.length !== upload.parts) {
      throw new HubError(
        400,
        `The completion lists ${Array.isArray(parts) ? parts.length : "no"} parts; this upload has ${upload.parts}: list every part 1..${upload.parts} with the ETag its PUT returned`,
      );
    }
    for (const [index, part] of parts.entries()) {
      const n = index + 1;
      if (part?.partNumber !== n) {
        throw new HubError(
          400,
          `Parts must be listed in order 1..${upload.parts}: entry ${n} is partNumber ${JSON.stringify(part?.partNumber)}`,
        );
      }
      const stored = upload.etags.get(n);
      if (stored === undefined) throw new HubError(400, `Part ${n} was never uploaded: PUT it, then complete again`);
      if (typeof part.etag !== "string" || unquote(part.etag) !== stored) {
        throw new HubError(
          400,
          `The ETag given for part ${n} (${JSON.stringify(part.etag)}) is not the one its upload returned ("${stored}")`,
        );
      }
    }
  }

  #open(id: string): Upload {
    const upload = /^[0-9a-f]{32}$/.test(id) ? this.#uploads.get(id) : undefined;
    if (!upload || upload.expiresAt <= Date.now()) {
      throw new HubError(
        404,
        `No multipart upload ${id}: it was completed, abandoned or has expired. Ask the LFS batch API for a new one.`,
      );
    }
    if (upload.completing) throw new HubError(409, `The multipart upload ${id} is being completed`);
    return upload;
  }

  #drop(id: string): void {
    const upload = this.#uploads.get(id);
    this.#uploads.delete(id);
    if (upload) rmSync(upload.dir, { recursive: true, force: true });
  }

  #key = (id: string): string => `multipart/${id}`;
  #sign = (id: string, part: number): string => this.signer.sign(this.#key(id), part);
}
