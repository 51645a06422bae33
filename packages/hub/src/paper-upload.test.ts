import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const accessToken = "hf_paper_upload_token";
let dir: string;
let hub: LocalHub;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-paper-upload-"));
  hub = await startLocalHub({ dir, token: accessToken, user: "ada" });
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (path: string, body: string, token = accessToken) =>
  fetch(`${hub.url}${path}`, {
    method: "PUT",
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": "text/markdown" },
    body,
  });

describe("PUT /papers/{id}.md on the local Hub", () => {
  it("stores a paper that the papers API and the Markdown route then serve", async () => {
    const paper = "# Tiny Reviews\n\n## Abstract\n\nBag-of-words MLPs reach 83% accuracy.\n";
    const answer = await put("/papers/2607.00042.md", paper);
    expect(answer.status).toBe(200);
    expect(readFileSync(join(dir, "papers", "2607.00042.md"), "utf8")).toBe(paper);
    const info = await fetch(`${hub.url}/api/papers/2607.00042`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(((await info.json()) as { title: string }).title).toBe("Tiny Reviews");
  });

  it("refuses a write without the token, an id that could be a path, and text that is no paper", async () => {
    expect((await put("/papers/2607.00043.md", "# A\n", "")).status).toBe(401);
    expect((await put("/papers/..%2F..%2Ftoken.md", "# A\n")).status).toBe(400);
    expect((await put("/papers/not-an-id.md", "# A\n")).status).toBe(400);
    expect((await put("/papers/2607.00044.md", "no title here")).status).toBe(400);
    expect(() => readFileSync(join(dir, "papers", "2607.00043.md"))).toThrow();
    // The Hub goes on answering.
    expect((await fetch(`${hub.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${accessToken}` } })).ok).toBe(
      true,
    );
  });
});
