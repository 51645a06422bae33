import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "../index.js";

let dir: string;
let hub: LocalHub;
let commitId: string;

const CARD = `---
license: mit
library_name: pytorch
model-index:
- name: tiny
  results:
  - task: { type: text-classification, name: Sentiment }
    dataset: { name: tiny-reviews, type: local/tiny-reviews, split: test }
    metrics:
    - { type: accuracy, value: 0.8325, name: Accuracy }
---
# Tiny model

See [the results](results.md) and ![a plot](plot.png).

| a | b |
| - | - |
| 1 | 2 |
`;

const page = (path: string) =>
  fetch(`${hub.url}${path}`, { headers: { Authorization: `Bearer ${hub.token}`, Accept: "text/html,*/*" } });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${hub.token}`, ...(init.headers as Record<string, string>) },
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-pages-"));
  hub = await startLocalHub({ dir, user: "ada" });
  await api("/api/repos/create", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "tiny" }),
  });
  const file = (path: string, content: Buffer | string) => ({
    key: "file",
    value: { path, content: Buffer.from(content).toString("base64"), encoding: "base64" },
  });
  const res = await api("/api/models/ada/tiny/commit/main", {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body: [
      { key: "header", value: { summary: "Add the model & its card" } },
      file("README.md", CARD),
      file("results.md", "# Results\n\n**0.8325** <b>bold?</b>\n"),
      file("logs/train.jsonl", '{"epoch": 1, "loss": 0.5}\n'),
      file("weights.bin", Buffer.from([0, 1, 2, 3, 255, 254])),
      file("plot.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'),
    ]
      .map((line) => JSON.stringify(line))
      .join("\n"),
  });
  commitId = ((await res.json()) as { commitOid: string }).commitOid;
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local Hub's pages (Accept: text/html)", () => {
  it("serves a repo's images as images (a card's plot shows), an SVG's scripts sandboxed; other files as bytes", async () => {
    const svg = await api("/ada/tiny/resolve/main/plot.svg");
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(svg.headers.get("x-content-type-options")).toBe("nosniff");
    // Opened by itself, the SVG's <script> cannot run: the document is sandboxed and allows no script.
    expect(svg.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(await svg.text()).toContain("<script>");
    const bin = await api("/ada/tiny/resolve/main/weights.bin");
    expect(bin.headers.get("content-type")).toBe("application/octet-stream");
    await bin.arrayBuffer();
  });

  it("shows a repo: its card as HTML, metadata, model-index results as a table, and its files", async () => {
    const res = await page("/ada/tiny");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Tiny model</h1>");
    expect(html).toContain('<span class="badge">license: mit</span>');
    expect(html).toMatch(
      /<td>Sentiment<\/td><td>tiny-reviews · test<\/td><td>Accuracy<\/td><td class="num">0.8325<\/td>/,
    );
    expect(html).toContain("<table>\n<thead>");
    // Relative links and images point into the repo.
    expect(html).toContain('href="/ada/tiny/blob/main/results.md"');
    expect(html).toContain('src="/ada/tiny/resolve/main/plot.png"');
    expect(html).toContain('<a href="/ada/tiny/tree/main/logs">logs/</a>');
    expect(html).toContain('<a href="/ada/tiny/blob/main/weights.bin">weights.bin</a>');
    expect(html).not.toContain("---\nlicense");
  });

  it("shows a file: Markdown rendered (its HTML as text), text as text, binary as a download link", async () => {
    const markdown = await (await page("/ada/tiny/blob/main/results.md")).text();
    expect(markdown).toContain("<strong>0.8325</strong>");
    expect(markdown).toContain("&lt;b&gt;bold?&lt;/b&gt;");
    const text = await (await page("/ada/tiny/blob/main/logs/train.jsonl")).text();
    expect(text).toContain("<pre>{&quot;epoch&quot;: 1, &quot;loss&quot;: 0.5}");
    const binary = await (await page("/ada/tiny/blob/main/weights.bin")).text();
    expect(binary).toContain("A binary file");
    expect(binary).toContain('href="/ada/tiny/resolve/main/weights.bin"');
  });

  it("shows a folder, a commit and the front page", async () => {
    expect(await (await page("/ada/tiny/tree/main/logs")).text()).toContain("train.jsonl");
    const commit = await (await page(`/ada/tiny/commit/${commitId}`)).text();
    expect(commit).toContain("Add the model &amp; its card");
    expect(commit).toMatch(/README\.md<\/a><\/td><td>added/);
    expect(await (await page("/")).text()).toContain('<a href="/ada/tiny">ada/tiny</a>');
  });

  it("answers API clients at the same URLs with JSON", async () => {
    expect(((await (await api("/ada/tiny")).json()) as { id: string }).id).toBe("ada/tiny");
    expect(await (await api("/ada/tiny/blob/main/results.md")).json()).toMatchObject({
      type: "file",
      path: "results.md",
    });
    expect(await (await api(`/ada/tiny/commit/${commitId}`)).json()).toMatchObject({
      id: commitId,
      changes: expect.arrayContaining([{ path: "weights.bin", change: "added", size: 6 }]),
    });
    expect(await (await api("/")).json()).toEqual({ models: ["ada/tiny"], datasets: [], spaces: [] });
  });

  it("answers a browser's mistakes with a page", async () => {
    const missing = await page("/ada/tiny/blob/main/nope.txt");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("nope.txt does not exist");
  });
});
