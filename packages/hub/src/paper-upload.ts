import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { HubError, readBody } from "./http.js";

/** The most one paper's Markdown may be. */
const PAPER_LIMIT = 4 * 1024 * 1024;
/** A new-style arXiv id (2607.00042, with an optional version): the name the file is stored under. */
const PAPER_ID = /^\d{4}\.\d{4,5}(v\d+)?$/;

/**
 * `PUT /papers/{id}.md` (this local Hub only, with its token like every write): stores a paper as
 * Markdown (a `# Title` first line, or front matter with title, authors, …) in the Hub's papers folder, where `/api/papers`,
 * `/papers/{id}.md` and the arXiv stand-in read it. huggingface.co has no such call (papers come
 * from arXiv there); it lets a sandboxed plugin put a paper on a local Hub without reaching its folder.
 */
export async function paperUpload(req: IncomingMessage, res: ServerResponse, dir: string, id: string): Promise<void> {
  if (!PAPER_ID.test(id))
    throw new HubError(
      400,
      `A paper is stored under its arXiv id (like 2607.00042), not ${JSON.stringify(id.slice(0, 60))}`,
    );
  const body = await readBody(req, PAPER_LIMIT);
  const text = body.toString("utf8");
  if (!/^(---\n[\s\S]*?\ntitle:|#\s+\S)/.test(text)) {
    throw new HubError(400, "A paper is Markdown with a title: front matter with title:, or a first line # Title");
  }
  const folder = join(dir, "papers");
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${id}.md`);
  const temporary = `${file}.upload-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ id, url: `/papers/${id}` }));
}
