import { isUtf8 } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, renameSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendBlob } from "./files.js";
import { writeHashed } from "./hashed-write.js";
import {
  discardBody,
  HubError,
  LIST_BODY_LIMIT,
  readJson,
  refuseDeclaredOver,
  requestChunks,
  sendJson,
} from "./http.js";
import type { MultipartUploads } from "./lfs-multipart.js";
import type { RepoStore, RepoType } from "./repos.js";

/** Files this size or larger, or whose first bytes look binary, go through LFS (as on the Hub). */
export const LFS_THRESHOLD = 10 * 1024 * 1024;

interface PreuploadBody {
  files?: { path: string; size: number; sample?: string }[];
}

/**
 * Binary, as a sample of a file's first bytes shows it: a NUL byte, or bytes that are not UTF-8
 * text. The sample is cut at a fixed length, so a character split at its end does not count.
 * (A NUL byte alone left random bytes, such as a checkpoint's, as text one time in seven.)
 */
export function looksBinary(sample: Uint8Array): boolean {
  if (sample.includes(0)) return true;
  for (let cut = 0; cut <= 3 && cut <= sample.length; cut++) {
    if (isUtf8(sample.subarray(0, sample.length - cut))) return false;
  }
  return true;
}

/** `POST /api/{type}s/{repo}/preupload/{rev}`: which files the client must upload through LFS. */
export async function preupload(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson<PreuploadBody>(req, LIST_BODY_LIMIT);
  const files = (body.files ?? []).map((file) => {
    const sample = Buffer.from(file.sample ?? "", "base64");
    const lfs = file.size >= LFS_THRESHOLD || looksBinary(sample);
    return { path: file.path, uploadMode: lfs ? "lfs" : "regular", shouldIgnore: false };
  });
  sendJson(res, 200, { files, commitOid: undefined });
}

interface BatchBody {
  operation?: string;
  /** The transfer adapters the client can use: "basic", and the Hub's own "multipart" (see lfs-multipart.ts). */
  transfers?: unknown;
  objects?: { oid: string; size: number }[];
}

/** Upload URLs carry their own signature: the client PUTs to them without its token, as to S3. */
export class LfsSigner {
  readonly #key = randomBytes(32);

  sign(oid: string, size: number): string {
    return createHmac("sha256", this.#key).update(`${oid}:${size}`).digest("hex");
  }

  verify(oid: string, size: number, signature: string): boolean {
    return this.#matches(this.sign(oid, size), signature);
  }

  /** A download URL for one object, good for an hour without the token (the Hub's CDN links are signed the same way). */
  downloadUrl(baseUrl: string, oid: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + 3600;
    const sig = createHmac("sha256", this.#key).update(`get:${oid}:${expires}`).digest("hex");
    return `${baseUrl}/lfs-objects/${oid}?Expires=${expires}&Signature=${sig}`;
  }

  verifyDownload(oid: string, query: URLSearchParams, now = Date.now()): boolean {
    const expires = Number(query.get("Expires"));
    if (!Number.isInteger(expires) || expires * 1000 < now) return false;
    const expected = createHmac("sha256", this.#key).update(`get:${oid}:${expires}`).digest("hex");
    return this.#matches(expected, query.get("Signature") ?? "");
  }

  #matches(expectedHex: string, givenHex: string): boolean {
    const expected = Buffer.from(expectedHex, "hex");
    const given = Buffer.from(givenHex, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** `GET|HEAD /lfs-objects/{oid}?Expires&Signature`: an object's bytes through a signed link, no token needed. */
export function lfsDownload(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  signer: LfsSigner,
  oid: string,
  query: URLSearchParams,
): void {
  if (!signer.verifyDownload(oid, query)) throw new HubError(403, "Invalid or expired download signature");
  const path = store.blobPath(oid);
  if (!existsSync(path)) throw new HubError(404, "Object does not exist");
  sendBlob(req, res, path, statSync(path).size, { ETag: `"${oid}"` });
}

/**
 * `POST /{repo}.git/info/lfs/objects/batch`: upload actions back to this server, basic transfer,
 * or multipart for a large object when the client lists "multipart" in `transfers`.
 */
export async function lfsBatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  signer: LfsSigner,
  multipart: MultipartUploads,
  baseUrl: string,
  repo: { type: RepoType; id: string },
): Promise<void> {
  store.meta(repo.type, repo.id);
  const body = await readJson<BatchBody>(req, LIST_BODY_LIMIT);
  if (body.operation !== "upload" && body.operation !== "download") {
    throw new HubError(400, `Unsupported LFS operation: ${body.operation}`);
  }
  let usedMultipart = false;
  const objects = (body.objects ?? []).map(({ oid, size }) => {
    if (!/^[0-9a-f]{64}$/.test(oid)) return { oid, size, error: { code: 422, message: "Invalid oid" } };
    const present = store.hasBlob(oid);
    if (body.operation === "download") {
      return present
        ? { oid, size, authenticated: true, actions: { download: { href: `${baseUrl}/lfs-objects/${oid}` } } }
        : { oid, size, error: { code: 404, message: "Object does not exist" } };
    }
    if (present) return { oid, size, authenticated: true };
    if (multipart.wants(size, body.transfers)) {
      usedMultipart = true;
      const repoUrl = `${baseUrl}/${repo.type === "model" ? "" : `${repo.type}s/`}${repo.id}`;
      return { oid, size, authenticated: true, actions: multipart.start(baseUrl, repoUrl, oid, size) };
    }
    const href = `${baseUrl}/lfs-objects/${oid}?size=${size}&sig=${signer.sign(oid, size)}`;
    return { oid, size, authenticated: true, actions: { upload: { href, expires_in: 3600 } } };
  });
  res.writeHead(200, { "Content-Type": "application/vnd.git-lfs+json" });
  res.end(JSON.stringify({ transfer: usedMultipart ? "multipart" : "basic", objects, hash_algo: "sha256" }));
}

/** `POST /{repo}.git/info/lfs/objects/verify` `{ oid, size }`: 200 when the object is stored with that size. */
export async function lfsVerify(req: IncomingMessage, res: ServerResponse, store: RepoStore): Promise<void> {
  const { oid, size } = await readJson<{ oid?: unknown; size?: unknown }>(req);
  if (typeof oid !== "string" || !/^[0-9a-f]{64}$/.test(oid)) throw new HubError(422, "Invalid oid");
  const path = store.blobPath(oid);
  if (!existsSync(path)) throw new HubError(404, `Object ${oid} was not uploaded`);
  const stored = statSync(path).size;
  if (stored !== size) throw new HubError(422, `Object ${oid} is ${stored} bytes, not ${String(size)}`);
  sendJson(res, 200, { oid, size: stored });
}

/** `PUT /lfs-objects/{oid}?size&sig`: streams to disk, hashing as it goes; kept only if the sha256 matches. */
export async function lfsUpload(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  signer: LfsSigner,
  oid: string,
  query: URLSearchParams,
): Promise<void> {
  const size = Number(query.get("size"));
  if (!Number.isSafeInteger(size) || size < 0) throw new HubError(400, "Invalid size");
  if (!signer.verify(oid, size, query.get("sig") ?? "")) throw new HubError(403, "Invalid or missing upload signature");
  const target = store.blobPath(oid);
  if (existsSync(target)) {
    await discardBody(req, size);
    res.writeHead(200, { ETag: `"${oid}"` }).end();
    return;
  }
  refuseDeclaredOver(req, size);
  const tmp = store.tmpPath();
  await writeHashed(
    requestChunks(req),
    tmp,
    "sha256",
    (received, actual) => {
      if (actual !== oid || received !== size) {
        throw new HubError(400, `Uploaded content does not match: sha256 ${actual}, ${received} bytes`);
      }
      renameSync(tmp, target);
    },
    size,
  );
  res.writeHead(200, { ETag: `"${oid}"` }).end();
}
