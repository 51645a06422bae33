import { crc32, deflateSync } from "node:zlib";

/**
 * Files for a test's Hub repos: a real PNG, and a commit of files in one request as
 * huggingface_hub sends it (NDJSON: a header line, then a line per file, base64).
 */

/** A grayscale PNG of the given size, every pixel mid-grey: an image any decoder reads. */
export function grayPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  // Each row: filter byte 0 (none), then its pixels.
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export interface CommitFilesOptions {
  /** The Hub's base URL. */
  url: string;
  token: string;
  /** `namespace/name`. */
  repo: string;
  type?: "model" | "dataset" | "space";
  branch?: string;
  summary?: string;
  files: Record<string, string | Uint8Array>;
}

/** Commits `files` to an existing repo in one request; a refusal throws with the Hub's status and answer. */
export async function commitFiles(options: CommitFilesOptions): Promise<void> {
  const { type = "dataset", branch = "main", summary = "data" } = options;
  const lines = [
    { key: "header", value: { summary } },
    ...Object.entries(options.files).map(([path, content]) => ({
      key: "file",
      value: { path, content: Buffer.from(content).toString("base64"), encoding: "base64" },
    })),
  ];
  const response = await fetch(`${options.url}/api/${type}s/${options.repo}/commit/${branch}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${options.token}`, "Content-Type": "application/x-ndjson" },
    body: lines.map((line) => JSON.stringify(line)).join("\n"),
  });
  if (!response.ok) {
    throw new Error(`commit to ${options.repo} refused (${response.status}): ${(await response.text()).slice(0, 500)}`);
  }
}
