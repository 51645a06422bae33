// The local Hub (@pincer/hub) under the real @huggingface/hub client: commit and download throughput
// of one large file (it goes through the LFS path: preupload, batch, PUT, lfsFile commit) and the
// latency of listing a 10,000-file repo through the tree API (all pages, and the first page alone).
// Used by bench/run.js; `node bench/hub.js [--quick]` prints the figures alone (JSON on stdout,
// the Markdown rows on stderr).
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalHub } from "@pincer/hub";

// The real client, against the local Hub.
const client = await import("@huggingface/hub");

const accessToken = "hf_bench_local_hub";
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const since = (start) => Number(process.hrtime.bigint() - start) / 1e6;

export async function runHubBench({ quick = false } = {}) {
  const fileMB = 100;
  const runs = quick ? 3 : 9;
  const treeFiles = 10_000;
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-hub-"));
  const hub = await startLocalHub({ dir, token: accessToken });
  const hubUrl = hub.url;
  try {
    // One large file, up and down.
    const big = { type: "model", name: "bench/big" };
    await client.createRepo({ repo: big, accessToken, hubUrl });
    const bytes = randomFillSync(new Uint8Array(fileMB * 1024 * 1024));
    let start = process.hrtime.bigint();
    await client.commit({
      repo: big,
      accessToken,
      hubUrl,
      title: "weights",
      operations: [{ operation: "addOrUpdate", path: "model.safetensors", content: new Blob([bytes]) }],
    });
    const commitMs = since(start);
    start = process.hrtime.bigint();
    const blob = await client.downloadFile({ repo: big, accessToken, hubUrl, path: "model.safetensors" });
    const downloaded = new Uint8Array(await blob.arrayBuffer());
    const downloadMs = since(start);
    if (downloaded.length !== bytes.length || Buffer.compare(downloaded, bytes) !== 0)
      throw new Error("download differs");

    // A 10,000-file repo, listed.
    const many = { type: "model", name: "bench/many" };
    await client.createRepo({ repo: many, accessToken, hubUrl });
    start = process.hrtime.bigint();
    await client.commit({
      repo: many,
      accessToken,
      hubUrl,
      title: "many files",
      operations: Array.from({ length: treeFiles }, (_, i) => ({
        operation: "addOrUpdate",
        path: `shard-${i % 100}/file-${i}.txt`,
        content: new Blob([`file ${i}\n`]),
      })),
    });
    const manyCommitMs = since(start);
    const fullTimes = [];
    const pageTimes = [];
    let listed = 0;
    for (let run = 0; run < runs; run++) {
      start = process.hrtime.bigint();
      listed = 0;
      for await (const entry of client.listFiles({ repo: many, accessToken, hubUrl, recursive: true })) {
        if (entry.type === "file") listed++;
      }
      fullTimes.push(since(start));
      start = process.hrtime.bigint();
      const res = await fetch(`${hubUrl}/api/models/bench/many/tree/main?recursive=true`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      await res.json();
      pageTimes.push(since(start));
    }
    if (listed !== treeFiles) throw new Error(`listed ${listed} files, expected ${treeFiles}`);
    return {
      fileMB,
      commitMBps: fileMB / (commitMs / 1000),
      downloadMBps: fileMB / (downloadMs / 1000),
      commitMs,
      downloadMs,
      treeFiles,
      treeCommitMs: manyCommitMs,
      treeListAllMs: median(fullTimes),
      treeFirstPageMs: median(pageTimes),
      runs,
    };
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows bench/run.js prints, in its `| benchmark | result | budget |` table. */
export function hubRows(figures) {
  const fmt = (n, digits = 1) => n.toFixed(digits);
  return [
    `| local Hub: ${figures.fileMB} MB file with @huggingface/hub, commit via LFS / download | ${fmt(figures.commitMBps)} / ${fmt(figures.downloadMBps)} MB/s | — |`,
    `| local Hub: list a ${figures.treeFiles.toLocaleString("en-US")}-file repo, recursive (all pages with the client / first page) | ${fmt(figures.treeListAllMs)} / ${fmt(figures.treeFirstPageMs)} ms | — |`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runHubBench({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(figures, null, 2));
  console.error(hubRows(figures).join("\n"));
}
