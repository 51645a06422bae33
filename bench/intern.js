// A 300-iteration ML-intern run, replayed: the OpenAI loopback server scripts one `read` tool
// call per model call (30 prompts × 10 tool round trips) through the real CLI session, run as the
// ml-intern agent with its prompt and tools (`--agent default`: the default agent; the openai
// provider and the plugins in their sandboxes, the kernel with compaction on, the session on disk),
// with the ML intern's session uploader (plugins/ml-intern/src/intern/session-upload.ts, run here in
// Node on the session file as the plugin reads it through its transcript) kicked after every
// iteration and pointed at a local Hub.
// Harness overhead is measured honestly: the loopback model and the Hub run in the orchestrating
// process, each variant in a child of its own, so the child's CPU time (process.cpuUsage: the main
// thread, the isolates' threads and libuv's pool) is Pincer's alone; what the bench itself does at
// each iteration (the context estimate, memory samples) is taken out. Reports CPU and wall time per
// iteration (median, and by the size of the context the request carried), memory at every sixth of
// the run (raw RSS, and what is retained after full collections of the main heap and each plugin
// isolate), the peak context against the model window, upload bytes per iteration against the
// session's size, and the servers' CPU beside. The same run without the uploader gives its cost.
// Used by bench/run.js; `node --expose-gc bench/intern.js [--quick] [--only bare|upload|every]`
// prints the figures alone (JSON on stdout, the Markdown rows on stderr); PINCER_BENCH_CPU_PROF=<dir>
// writes each child's V8 CPU profile there, PINCER_BENCH_HEAP_SNAPSHOT=<dir> a heap snapshot of the
// main heap at each retained sample (after its collections; writing one grows RSS, so the memory
// rows of such a run mean nothing). Needs `pnpm -s build`.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalHub } from "@pincer/hub";
import { estimateTokens } from "@pincer/kernel";
import { startOpenAIServer } from "@pincer/testing";

const root = fileURLToPath(new URL("..", import.meta.url));

const quick = process.argv.includes("--quick");
/** --quick (the bench test): fewer iterations. */
const ITERATIONS = process.argv.includes("--iterations")
  ? Number(process.argv[process.argv.indexOf("--iterations") + 1])
  : quick
    ? 100
    : 300;
/** Memory is sampled at the first iteration and at every sixth of the run: flat is a line, not two points. */
const SAMPLES = Array.from({ length: 7 }, (_, i) => Math.max(1, Math.round((ITERATIONS * i) / 6)));
const CALLS_PER_PROMPT = 10;
/** A window small enough that 300 reads of ~3 KB overflow it several times: compaction must keep up. */
const WINDOW = 64_000;
const MODEL = "openai/gpt-4o-mini";
/**
 * The agent the session runs as: the ML intern's own, as `pincer intern` runs it (its prompt and
 * the schemas of its 53 tools in every request, the Hugging Face and ML-intern plugins' isolates
 * beside); `--agent default` for the default agent (10 tools), which this bench ran before.
 */
const AGENT = process.argv.includes("--agent") ? flag("--agent") : "ml-intern";
const accessToken = "hf_bench_intern_token";

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mib = (bytes) => bytes / 2 ** 20;
/** CPU time of this whole process (every thread), in ms. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** CPU time of the main thread alone (the kernel, the host, the event path), in ms. */
const mainCpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
/**
 * CPU ms of this process's threads by what they run (Linux's /proc/self/task; undefined elsewhere):
 * the main thread, the plugin isolates' threads (isolated-vm's, named after the thread that made
 * them), V8's helpers (concurrent collection and compilation, for every isolate) and libuv's pool.
 * Clock ticks (10 ms), so only the run's totals mean anything.
 */
function threadCpuMs() {
  const kinds = { main: 0, isolates: 0, v8Helpers: 0, libuv: 0, other: 0 };
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      if (Number(tid) === process.pid) kinds.main += ms;
      else if (name === "V8Worker") kinds.v8Helpers += ms;
      else if (name.startsWith("libuv-worker")) kinds.libuv += ms;
      else if (name === "MainThread") kinds.isolates += ms;
      else kinds.other += ms;
    }
    return kinds;
  } catch {
    return undefined;
  }
}

/** Context sizes (estimated tokens) the per-iteration figures are grouped by. */
const CONTEXT_BUCKETS = [16_000, 32_000, 48_000, Number.POSITIVE_INFINITY];

function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMiB: mib(rss), heapMiB: mib(heapUsed) };
}

/**
 * Retained memory, as opposed to the collectors' room: a full collection of each live plugin
 * isolate (V8's `gc`, which --expose-gc puts in every context, run in a scratch context of that
 * isolate; a collection takes the whole isolate's heap), then of the main heap, then RSS, the main
 * heap's used bytes and each isolate's used and total heap. Taken between prompts, when no call
 * is in flight, so nothing waits on it.
 */
async function retainedMemory(isolateHeaps) {
  const isolates = await isolateHeaps({ collect: true });
  if (isolates.some((heap) => !heap.collected)) throw new Error("bench/intern.js needs --expose-gc");
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return {
    rssMiB: mib(rss),
    heapMiB: mib(heapUsed),
    heapTotalMiB: mib(heapTotal),
    // Buffers and ArrayBuffers outside the main heap (arrayBuffers is counted in it).
    externalMiB: mib(external),
    isolatesUsedMiB: mib(isolates.reduce((sum, heap) => sum + heap.usedBytes, 0)),
    isolatesTotalMiB: mib(isolates.reduce((sum, heap) => sum + heap.totalBytes, 0)),
    isolates: isolates.length,
    byPlugin: Object.fromEntries(isolates.map((heap) => [heap.plugin, mib(heap.usedBytes)])),
  };
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

async function oneRun({ upload, modelUrl, hubUrl, minGapMs }) {
  // Loaded here, not at the top: bench/run.js imports this file for its rows only.
  const { prepareSession } = await import(join(root, "packages/cli/dist/index.js"));
  const { readTranscript } = await import(join(root, "packages/runtime/dist/index.js"));
  const { isolateHeaps } = await import(join(root, "packages/host/dist/index.js"));
  const { startSessionUploader } = await import(join(root, "plugins/ml-intern/dist/intern/session-upload.js"));
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
    env: { OPENAI_API_KEY: "sk-bench-intern-0000", OPENAI_BASE_URL: modelUrl, PATH: process.env.PATH },
    model: MODEL,
    maxTurns: CALLS_PER_PROMPT + 2,
    ...(AGENT === "default" ? {} : { agent: AGENT }),
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
          // What DrivenSession.transcript answers: complete lines from `offset`.
          transcript: (offset = 0, max = 64 * 2 ** 20) => readTranscript(session.path, offset, max, (text) => text),
        },
        ...(minGapMs !== undefined ? { minGapMs } : {}),
        warn: (message) => process.stderr.write(`${message}\n`),
      })
    : undefined;

  let iteration = 0;
  let compactions = 0;
  let peakContext = 0;
  const samples = {};
  /** Retained memory, sampled after the prompt that holds each sample iteration. */
  const retained = {};
  /** CPU ms of the other threads (by kind) spent taking memory samples (the collections they force). */
  const observingThreads = {};
  /** Counts what the threads other than the main one spent since `before` (threadCpuMs) as observing. */
  const observedThreads = (before) => {
    const now = threadCpuMs();
    if (!before || !now) return;
    for (const kind of Object.keys(now)) {
      if (kind !== "main") observingThreads[kind] = (observingThreads[kind] ?? 0) + now[kind] - before[kind];
    }
  };
  /** Per iteration: wall ms, CPU ms, and the context (estimated tokens) its request carried. */
  const iterations = [];
  let wholeFileEachUpload = 0;
  let uploadsSeen = 0;
  /** CPU the bench spends observing (context estimates, memory samples): not the harness's. */
  let observingCpu = 0;
  let context = 0;
  let observingMainCpu = 0;
  let last = { wall: process.hrtime.bigint(), cpu: cpuMs(), main: mainCpuMs() };
  const systemTokens = 2_000; // generous: the system prompt and tool schemas are ~6 KB
  kernel.bus.on("compaction", () => compactions++);
  kernel.bus.on("tool_end", () => {
    const cpu = cpuMs();
    const main = mainCpuMs();
    const wall = process.hrtime.bigint();
    iteration++;
    iterations.push({
      wallMs: Number(wall - last.wall) / 1e6,
      cpuMs: cpu - last.cpu,
      mainMs: main - last.main,
      context,
    });
    uploader?.kick();
    context = estimateTokens(session.buildContext().messages) + systemTokens;
    peakContext = Math.max(peakContext, context);
    if (SAMPLES.includes(iteration)) {
      // Its full collection marks the main heap with V8's helper threads too: theirs is observing as well.
      const threads = threadCpuMs();
      samples[iteration] = memory();
      observedThreads(threads);
    }
    // What re-sending the whole file at each upload would have cost (sampled when an upload landed).
    if (uploader && uploader.stats().uploads > uploadsSeen) {
      uploadsSeen = uploader.stats().uploads;
      wholeFileEachUpload += statSync(session.path).size;
    }
    const after = { wall: process.hrtime.bigint(), cpu: cpuMs(), main: mainCpuMs() };
    observingCpu += after.cpu - cpu;
    observingMainCpu += after.main - main;
    last = after;
  });

  const threadsBefore = threadCpuMs();
  const started = { wall: process.hrtime.bigint(), cpu: cpuMs(), main: mainCpuMs() };
  for (let prompt = 0; iteration < ITERATIONS; prompt++) {
    // An iteration is one model call and its tool call; a prompt's closing answer is in the totals only.
    last = { wall: process.hrtime.bigint(), cpu: cpuMs(), main: mainCpuMs() };
    const from = iteration;
    const result = await kernel.prompt(`Batch ${prompt}: read the next ${CALLS_PER_PROMPT} shards and note the loss.`);
    if (result.stopReason === "error") throw new Error(`bench run failed: ${result.error}`);
    const sampled = SAMPLES.filter((at) => at > from && at <= iteration);
    if (sampled.length > 0) {
      const observing = { cpu: cpuMs(), main: mainCpuMs(), threads: threadCpuMs() };
      const figure = await retainedMemory(isolateHeaps);
      for (const at of sampled) retained[at] = figure;
      if (process.env.PINCER_BENCH_HEAP_SNAPSHOT) {
        const { writeHeapSnapshot } = await import("node:v8");
        writeHeapSnapshot(join(process.env.PINCER_BENCH_HEAP_SNAPSHOT, `intern-${sampled.at(-1)}.heapsnapshot`));
      }
      observingCpu += cpuMs() - observing.cpu;
      observingMainCpu += mainCpuMs() - observing.main;
      // The collections it forces run on the isolates' threads too: not the harness's either.
      observedThreads(observing.threads);
    }
  }
  const totalMs = Number(process.hrtime.bigint() - started.wall) / 1e6;
  const totalCpuMs = cpuMs() - started.cpu - observingCpu;
  const totalMainMs = mainCpuMs() - started.main - observingMainCpu;
  const threadsAfter = threadCpuMs();
  // Per iteration, by thread; the bench's own observing (on the main thread) taken out there.
  const byThread =
    threadsBefore && threadsAfter
      ? Object.fromEntries(
          Object.keys(threadsAfter).map((kind) => [
            kind,
            (threadsAfter[kind] -
              threadsBefore[kind] -
              (kind === "main" ? observingMainCpu : (observingThreads[kind] ?? 0))) /
              iteration,
          ]),
        )
      : undefined;
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
  rmSync(work, { recursive: true, force: true });
  let floor = 0;
  const byContext = CONTEXT_BUCKETS.map((ceiling) => {
    const within = iterations.filter((it) => it.context >= floor && it.context < ceiling);
    const bucket = {
      fromTokens: floor,
      iterations: within.length,
      cpuMs: median(within.map((it) => it.cpuMs)),
      mainMs: median(within.map((it) => it.mainMs)),
    };
    floor = ceiling;
    return bucket;
  });
  return {
    iterations: iteration,
    totalMs,
    perIterationMs: totalMs / iteration,
    medianIterationMs: median(iterations.map((it) => it.wallMs)),
    cpuPerIterationMs: totalCpuMs / iteration,
    medianIterationCpuMs: median(iterations.map((it) => it.cpuMs)),
    mainThreadPerIterationMs: totalMainMs / iteration,
    medianIterationMainMs: median(iterations.map((it) => it.mainMs)),
    cpuByContext: byContext,
    ...(byThread ? { cpuByThreadPerIterationMs: byThread } : {}),
    memory: samples,
    retained,
    compactions,
    peakContextTokens: peakContext,
    windowTokens: WINDOW,
    sessionBytes,
    ...(uploadFigures ? { upload: uploadFigures } : {}),
  };
}

const VARIANTS = {
  upload: { key: "withUpload", args: ["--run", "upload"] },
  bare: { key: "withoutUpload", args: ["--run", "bare"] },
  every: { key: "everyTurn", args: ["--run", "upload", "--min-gap", "0"] },
};

/**
 * Each variant in its own process (memory figures mean nothing after another run, and its CPU time
 * is then Pincer's alone); the loopback model and the Hub stay here, and what they spend is
 * reported beside (`serversCpuMs`).
 */
export async function runInternBench() {
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-intern-hub-"));
  const hub = await startLocalHub({ dir, token: accessToken, user: "bench" });
  const only = process.argv.includes("--only") ? [flag("--only")] : quick ? ["upload"] : ["upload", "bare", "every"];
  try {
    const figures = {};
    for (const name of only) {
      const variant = VARIANTS[name];
      if (!variant) throw new Error(`--only takes ${Object.keys(VARIANTS).join(", ")}`);
      const server = await startOpenAIServer();
      script(server);
      try {
        const before = cpuMs();
        const run = await child([...variant.args, "--model", server.url, "--hub", hub.url]);
        figures[variant.key] = { ...run, serversCpuPerIterationMs: (cpuMs() - before) / run.iterations };
      } finally {
        await server.close();
      }
    }
    return figures;
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(args) {
  return new Promise((resolve, reject) => {
    const flags = [...args, ...(quick ? ["--quick"] : []), "--iterations", String(ITERATIONS), "--agent", AGENT];
    const profile = process.env.PINCER_BENCH_CPU_PROF
      ? ["--cpu-prof", "--cpu-prof-dir", process.env.PINCER_BENCH_CPU_PROF]
      : [];
    const run = spawn(process.execPath, ["--expose-gc", ...profile, fileURLToPath(import.meta.url), ...flags]);
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
  const { withUpload, withoutUpload: bare, everyTurn } = figures;
  const run = withUpload ?? bare ?? everyTurn;
  const at = Object.keys(run.memory)
    .map(Number)
    .sort((a, b) => a - b);
  const rss = (i) => run.memory[i].rssMiB;
  const half = at.find((i) => i >= run.iterations / 2) ?? at[0];
  const heapAt = [at[0], half, at.at(-1)];
  const cpu = (figure) =>
    `${fmt(figure.medianIterationCpuMs, 2)} ms CPU median (main thread ${fmt(figure.medianIterationMainMs, 2)}), ${fmt(figure.cpuPerIterationMs, 2)} ms in all (wall median ${fmt(figure.medianIterationMs, 1)} ms)`;
  const timing = [];
  if (withUpload) timing.push(`${cpu(withUpload)} with uploads`);
  if (bare) timing.push(`${cpu(bare)} without`);
  if (everyTurn) timing.push(`${cpu(everyTurn)} uploading after every iteration`);
  const buckets = run.cpuByContext
    .filter((bucket) => bucket.iterations > 0)
    .map(
      (bucket) =>
        `${fmt(bucket.cpuMs, 2)} ms from ${Math.round(bucket.fromTokens / 1000)}K tokens (${bucket.iterations})`,
    );
  const rows = [
    `| ML intern: ${run.iterations}-iteration replayed run (${AGENT === "default" ? "the default agent" : `the ${AGENT} agent`}, loopback model, sandboxed openai provider + \`read\`, compaction on): harness overhead per iteration (CPU of the Pincer process; "in all" adds the answers closing each prompt and the compactions) | ${timing.join("; ")} | ≤ 5 ms |`,
    `| ML intern: harness CPU per iteration by the context the request carried; the loopback model and Hub beside | ${buckets.join(", ")}; servers ${fmt(run.serversCpuPerIterationMs, 2)} ms | flat |`,
    ...(run.cpuByThreadPerIterationMs
      ? [
          `| ML intern: harness CPU per iteration by thread, in all (main / plugin isolates / V8's GC and compiler helpers / libuv pool) | ${["main", "isolates", "v8Helpers", "libuv"].map((kind) => fmt(run.cpuByThreadPerIterationMs[kind], 2)).join(" / ")} ms | — |`,
        ]
      : []),
    `| ML intern: RSS MiB at iterations ${at.join(" / ")}, and its growth over the second half; JS heap MiB at ${heapAt.join(" / ")} | ${at.map((i) => fmt(rss(i))).join(" / ")}; ${signed(rss(at.at(-1)) - rss(half))} from ${half}; heap ${heapAt.map((i) => fmt(run.memory[i].heapMiB)).join(" / ")} | flat |`,
    ...(run.retained && Object.keys(run.retained).length > 0 ? [retainedRow(run, at, half)] : []),
    `| ML intern: peak context vs model window (${run.compactions} compactions) | ${Math.round(run.peakContextTokens).toLocaleString("en-US")} / ${run.windowTokens.toLocaleString("en-US")} tokens | < window |`,
  ];
  const up = withUpload?.upload;
  if (up) {
    rows.push(
      `| ML intern: session upload (${up.uploads} commits, default 10 s gap): bytes sent per iteration; in all + on exit vs session size; whole file at each commit would send | ${fmt(up.bytesPerIteration / 1024, 2)} KB; ${mb(up.incrementalBytes)} + ${mb(up.consolidationBytes)} vs ${mb(withUpload.sessionBytes)}; ${mb(up.wholeFileEachUploadBytes)} | incremental |`,
    );
  }
  if (everyTurn) {
    const every = everyTurn.upload;
    rows.push(
      `| ML intern: uploading after every iteration (${every.uploads} commits): bytes per iteration; whole file at each commit would send | ${fmt(every.bytesPerIteration / 1024, 2)} KB (${mb(every.incrementalBytes)} in all); ${mb(every.wholeFileEachUploadBytes)} | incremental |`,
    );
  }
  return rows;
}

/**
 * What stays after full collections (see retainedMemory): the raw RSS row above keeps the
 * collectors' room; this one is what the run holds on to.
 */
function retainedRow(run, at, half) {
  const fmt = (n) => n.toFixed(1);
  const r = (i) => run.retained[i];
  const grows = (pick) => signed(pick(r(at.at(-1))) - pick(r(half)));
  const row = (pick) => at.map((i) => fmt(pick(r(i)))).join(" / ");
  // What V8's heaps have taken from the system (pages), main and isolates together: where RSS
  // moves and this does not, it is the allocator's (malloc arenas, compiler zones), not a heap's.
  const taken = (m) => m.heapTotalMiB + m.isolatesTotalMiB;
  return `| ML intern: retained, after a full collection of each plugin isolate and the main heap (taken when the prompt holding iteration N ends): RSS MiB / main heap used / isolates' heaps used / V8 heaps' pages (main + isolates), at ${at.join(" / ")}; growth over the second half | RSS ${row((m) => m.rssMiB)} (${grows((m) => m.rssMiB)}); main heap ${row((m) => m.heapMiB)} (${grows((m) => m.heapMiB)}); ${r(at[0]).isolates} isolates ${row((m) => m.isolatesUsedMiB)} (${grows((m) => m.isolatesUsedMiB)}); heaps' pages ${row(taken)} (${grows(taken)}) | flat |`;
}

/** A change in MiB with its sign: "+1.2", "-0.4". */
function signed(mib) {
  return `${mib < 0 ? "-" : "+"}${Math.abs(mib).toFixed(1)}`;
}

function flag(name) {
  return process.argv[process.argv.indexOf(name) + 1];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--run")) {
  const minGapMs = process.argv.includes("--min-gap") ? Number(flag("--min-gap")) : undefined;
  const run = { upload: flag("--run") === "upload", modelUrl: flag("--model"), hubUrl: flag("--hub"), minGapMs };
  console.log(JSON.stringify(await oneRun(run)));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runInternBench();
  console.log(JSON.stringify(figures, null, 2));
  console.error(internRows(figures).join("\n"));
}
