// A 300-iteration ML-intern-style run, replayed: the OpenAI loopback server scripts one `read` tool
// call per model call (30 prompts × 10 tool round trips) through the real CLI session (the openai
// provider and core tools in their sandboxes, the kernel with compaction on, the session on disk),
// with the ML intern's session uploader (plugins/ml-intern/src/intern/session-upload.ts, run here in
// Node on the session file as the plugin reads it through its transcript) kicked after every
// iteration and pointed at a local Hub. Reports harness time per iteration (the model answers
// instantly, so this is all harness), memory at iterations 1, 100 and 300, the peak context against
// the model window, and upload bytes per iteration against the session's size. The same run without
// the uploader gives its cost to the loop.
// Used by bench/run.js; `node --expose-gc bench/intern.js [--quick]` prints the figures alone (JSON
// on stdout, the Markdown rows on stderr). Needs `pnpm -s build`.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalHub } from "@pincer/hub";
import { estimateTokens } from "@pincer/kernel";
import { startOpenAIServer } from "@pincer/testing";

const root = fileURLToPath(new URL("..", import.meta.url));

const quick = process.argv.includes("--quick");
/** --quick (the bench test): fewer iterations, memory sampled at 1, half-way and the end. */
const ITERATIONS = process.argv.includes("--iterations")
  ? Number(process.argv[process.argv.indexOf("--iterations") + 1])
  : quick
    ? 100
    : 300;
const SAMPLES = [1, ITERATIONS / 3, ITERATIONS].map(Math.round);
const CALLS_PER_PROMPT = 10;
/** A window small enough that 300 reads of ~3 KB overflow it several times: compaction must keep up. */
const WINDOW = 64_000;
const MODEL = "openai/gpt-4o-mini";
const accessToken = "hf_bench_intern_token";

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mib = (bytes) => bytes / 2 ** 20;

function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMiB: mib(rss), heapMiB: mib(heapUsed) };
}

/** Scripted model: a `read` per call until the prompt has had its ten, a summary for compaction. */
function script(server) {
  let calls = 0;
  let summaries = 0;
  server.respond((body) => {
    // The loopback server records every request body (the whole context each time); a 300-call
    // run would measure that record, not Pincer.
    server.requests.length = 0;
    const system = body.messages.find((message) => message.role === "system");
    if (String(system?.content ?? "").startsWith("You summarise")) {
      summaries++;
      return [
        {
          text: `TASK: improve the baseline.\nPLAN: read every data file.\nNEXT: keep reading (summary ${summaries}).`,
        },
        { finish: "stop" },
      ];
    }
    const last = body.messages.at(-1);
    const sincePrompt = [...body.messages].reverse().findIndex((message) => message.role === "user");
    const toolResults = body.messages.slice(body.messages.length - sincePrompt).filter((m) => m.role === "tool");
    if (last?.role === "tool" && toolResults.length >= CALLS_PER_PROMPT) {
      return [{ text: "Read this batch." }, { finish: "stop" }];
    }
    const n = calls++;
    return [
      { toolCalls: [{ id: `call_${n}`, name: "read", arguments: { path: `data/shard-${n}.txt` } }] },
      { usage: { prompt_tokens: 1000, completion_tokens: 20 } },
      { finish: "tool_calls" },
    ];
  });
}

async function oneRun({ upload, hubUrl, minGapMs }) {
  // Loaded here, not at the top: bench/run.js imports this file for its rows only.
  const { prepareSession } = await import(join(root, "packages/cli/dist/index.js"));
  const { startSessionUploader } = await import(join(root, "plugins/ml-intern/dist/intern/session-upload.js"));
  const server = await startOpenAIServer();
  script(server);
  const work = mkdtempSync(join(tmpdir(), "pincer-bench-intern-"));
  const home = join(work, "home");
  const cwd = join(work, "project");
  mkdirSync(join(cwd, "data"), { recursive: true });
  for (let i = 0; i < ITERATIONS + CALLS_PER_PROMPT; i++) {
    const rows = Array.from({ length: 60 }, (_, row) => `${i},${row},${((i * 31 + row * 17) % 997) / 997}`);
    writeFileSync(join(cwd, "data", `shard-${i}.txt`), `epoch,step,loss\n${rows.join("\n")}\n`.repeat(2));
  }
  const prepared = await prepareSession({
    cwd,
    home,
    env: { OPENAI_API_KEY: "sk-bench-intern-0000", OPENAI_BASE_URL: server.url, PATH: process.env.PATH },
    model: MODEL,
    maxTurns: CALLS_PER_PROMPT + 2,
  });
  const { kernel, session } = prepared;
  const info = prepared.loadedModels().find((model) => model.id === MODEL);
  kernel.registerModel({ ...info, id: MODEL, contextWindow: WINDOW });

  const uploader = upload
    ? startSessionUploader({
        hub: { url: hubUrl, token: accessToken },
        repo: "bench/intern-sessions",
        session: {
          id: session.id,
          createdAt: session.header.createdAt,
          file: session.path,
          transcript: async (offset = 0) => completeLines(session.path, offset),
        },
        ...(minGapMs !== undefined ? { minGapMs } : {}),
        warn: (message) => process.stderr.write(`${message}\n`),
      })
    : undefined;

  let iteration = 0;
  let compactions = 0;
  let peakContext = 0;
  const samples = {};
  const iterationMs = [];
  let wholeFileEachUpload = 0;
  let uploadsSeen = 0;
  let last = process.hrtime.bigint();
  const systemTokens = 2_000; // generous: the system prompt and tool schemas are ~6 KB
  kernel.bus.on("compaction", () => compactions++);
  kernel.bus.on("tool_end", () => {
    iteration++;
    const now = process.hrtime.bigint();
    iterationMs.push(Number(now - last) / 1e6);
    last = now;
    peakContext = Math.max(peakContext, estimateTokens(session.buildContext().messages) + systemTokens);
    uploader?.kick();
    if (SAMPLES.includes(iteration)) samples[iteration] = memory();
    // What re-sending the whole file at each upload would have cost (sampled when an upload landed).
    if (uploader && uploader.stats().uploads > uploadsSeen) {
      uploadsSeen = uploader.stats().uploads;
      wholeFileEachUpload += statSync(session.path).size;
    }
  });

  const started = process.hrtime.bigint();
  for (let prompt = 0; iteration < ITERATIONS; prompt++) {
    last = process.hrtime.bigint();
    const result = await kernel.prompt(`Batch ${prompt}: read the next ${CALLS_PER_PROMPT} shards and note the loss.`);
    if (result.stopReason === "error") throw new Error(`bench run failed: ${result.error}`);
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  const sessionBytes = statSync(session.path).size;
  let uploadFigures;
  if (uploader) {
    const before = uploader.stats();
    const closed = await uploader.close();
    const after = uploader.stats();
    uploadFigures = {
      uploads: after.uploads,
      failures: after.failures,
      incrementalBytes: before.bytesSent,
      bytesPerIteration: before.bytesSent / iteration,
      consolidationBytes: closed.bytes,
      wholeFileEachUploadBytes: wholeFileEachUpload,
    };
  }
  prepared.dispose();
  await server.close();
  rmSync(work, { recursive: true, force: true });
  return {
    iterations: iteration,
    totalMs,
    perIterationMs: totalMs / iteration,
    medianIterationMs: median(iterationMs),
    memory: samples,
    compactions,
    peakContextTokens: peakContext,
    windowTokens: WINDOW,
    sessionBytes,
    ...(uploadFigures ? { upload: uploadFigures } : {}),
  };
}

/** What DrivenSession.transcript answers (the runtime's session-transcript.ts): complete lines from `offset`. */
function completeLines(file, offset) {
  const bytes = readFileSync(file).subarray(offset);
  const end = bytes.lastIndexOf(0x0a);
  if (end < 0) return { text: "", next: offset };
  return { text: bytes.subarray(0, end + 1).toString("utf8"), next: offset + end + 1 };
}

/** Each variant in its own process (memory figures mean nothing after another run); the Hub stays here. */
export async function runInternBench() {
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-intern-hub-"));
  const hub = await startLocalHub({ dir, token: accessToken, user: "bench" });
  try {
    const withUpload = await child(["--run", "upload", "--hub", hub.url]);
    if (quick) return { withUpload };
    const withoutUpload = await child(["--run", "bare"]);
    const everyTurn = await child(["--run", "upload", "--hub", hub.url, "--min-gap", "0"]);
    return { withUpload, withoutUpload, everyTurn };
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(args) {
  return new Promise((resolve, reject) => {
    const flags = quick ? [...args, "--quick"] : args;
    const run = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...flags]);
    let out = "";
    let err = "";
    run.stdout.on("data", (chunk) => (out += chunk));
    run.stderr.on("data", (chunk) => (err += chunk));
    run.on("close", (code) =>
      code === 0
        ? resolve(JSON.parse(out))
        : reject(new Error(`bench/intern.js ${args.join(" ")} failed (${code}): ${err}`)),
    );
  });
}

/** The rows bench/run.js prints, in its `| benchmark | result | budget |` table. */
export function internRows(figures) {
  const fmt = (n, digits = 1) => n.toFixed(digits);
  const mb = (bytes) => `${fmt(bytes / 2 ** 20, 2)} MB`;
  const { withUpload: run, withoutUpload: bare, everyTurn } = figures;
  const at = Object.keys(run.memory);
  const mem = (i) => `${fmt(run.memory[i].rssMiB)}/${fmt(run.memory[i].heapMiB)}`;
  const perIteration = (figure) => `${fmt(figure.perIterationMs, 1)} ms (median ${fmt(figure.medianIterationMs, 1)})`;
  const timing = [`${perIteration(run)} with uploads`];
  if (bare) timing.push(`${perIteration(bare)} without`);
  if (everyTurn) timing.push(`${perIteration(everyTurn)} uploading after every iteration`);
  const up = run.upload;
  const rows = [
    `| ML intern: ${run.iterations}-iteration replayed run (loopback model, sandboxed openai provider + \`read\`, compaction on): harness time per iteration | ${timing.join("; ")} | — |`,
    `| ML intern: RSS/heap MiB at iterations ${at.join(" / ")} | ${at.map(mem).join(" / ")} | heap flat |`,
    `| ML intern: peak context vs model window (${run.compactions} compactions) | ${Math.round(run.peakContextTokens).toLocaleString("en-US")} / ${run.windowTokens.toLocaleString("en-US")} tokens | < window |`,
    `| ML intern: session upload (${up.uploads} commits, default 10 s gap): bytes sent per iteration; in all + on exit vs session size; whole file at each commit would send | ${fmt(up.bytesPerIteration / 1024, 2)} KB; ${mb(up.incrementalBytes)} + ${mb(up.consolidationBytes)} vs ${mb(run.sessionBytes)}; ${mb(up.wholeFileEachUploadBytes)} | incremental |`,
  ];
  if (everyTurn) {
    const every = everyTurn.upload;
    rows.push(
      `| ML intern: uploading after every iteration (${every.uploads} commits): bytes per iteration; whole file at each commit would send | ${fmt(every.bytesPerIteration / 1024, 2)} KB (${mb(every.incrementalBytes)} in all); ${mb(every.wholeFileEachUploadBytes)} | incremental |`,
    );
  }
  return rows;
}

const flag = (name) => process.argv[process.argv.indexOf(name) + 1];
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--run")) {
  const minGapMs = process.argv.includes("--min-gap") ? Number(flag("--min-gap")) : undefined;
  console.log(JSON.stringify(await oneRun({ upload: flag("--run") === "upload", hubUrl: flag("--hub"), minGapMs })));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runInternBench();
  console.log(JSON.stringify(figures, null, 2));
  console.error(internRows(figures).join("\n"));
}
