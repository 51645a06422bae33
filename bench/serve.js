// `pincer serve` under load: the real server process, an instant loopback model, 50 sessions
// prompted at once for several rounds. Measures turns per second, the latency of each turn (POST
// prompt → turn_end on the session's SSE stream) and counts every event, checking that none was
// dropped, reordered or sent to the wrong session. Used by bench/run.js; `node bench/serve.js`
// prints the figures alone (JSON on stdout, the Markdown rows on stderr).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startOpenAIServer } from "@pincer/testing";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "packages/cli/dist/bin.js");
const TOKEN = "bench-serve-token";
const TURN_TIMEOUT_MS = Number(process.env.PINCER_BENCH_TURN_TIMEOUT_MS ?? 30_000);
const TAGS = /s\d{3}r\d{3}/g;
// Each turn runs bash in the OS sandbox. Where this machine has none, the server gets the opt-in a
// user would have to give (without it a headless command is refused), and the figures say so.
const { probeBwrap } = await import(pathToFileURL(join(root, "packages/host/dist/index.js")).href);
const CONFINED = probeBwrap().ok;

/** Round `r` of session `s` says this tag in its prompt and every piece of its reply. */
const tag = (s, r) => `s${String(s).padStart(3, "0")}r${String(r).padStart(3, "0")}`;
const replyPieces = (turnTag) => ["alpha", "bravo", "charlie", "delta", "echo"].map((word) => `${word}-${turnTag} `);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const elapsed = (since) => Number(process.hrtime.bigint() - since) / 1e6;

/** One session's SSE stream, read for the whole run: its events in arrival order. */
class Follower {
  events = [];
  ends = 0;
  #waiters = [];

  constructor(response) {
    this.closed = this.#read(response.body);
  }

  async #read(body) {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let boundary = buffer.indexOf("\n\n"); boundary >= 0; boundary = buffer.indexOf("\n\n")) {
          const data = buffer
            .slice(0, boundary)
            .split("\n")
            .find((line) => line.startsWith("data: "));
          buffer = buffer.slice(boundary + 2);
          if (!data) continue;
          const event = JSON.parse(data.slice(6));
          this.events.push(event);
          if (event.type === "turn_end" || event.type === "turn_error") {
            this.ends++;
            for (const waiter of this.#waiters.splice(0)) waiter();
          }
        }
      }
    } catch {
      // Cancelled at the end of the run.
    }
  }

  /** Resolves once `count` turns have ended on this stream (false on timeout). */
  until(count) {
    return new Promise((resolve) => {
      const check = () => {
        if (this.ends >= count) return resolve(true);
        this.#waiters.push(check);
      };
      setTimeout(() => resolve(false), TURN_TIMEOUT_MS).unref();
      check();
    });
  }
}

/** The event types in order, each run of `stream` events folded into one. */
function shape(events) {
  const types = [];
  for (const event of events) if (!(event.type === "stream" && types.at(-1) === "stream")) types.push(event.type);
  return types;
}

/**
 * Checks one turn's events against what the session was told and the reply the model scripted:
 * returns how many expected events (or reply pieces) are missing, whether they came out of order,
 * how many came that a turn does not send, and how many speak of another turn or session.
 */
function check(events, turnTag, prompt, reference) {
  const anomalies = { dropped: 0, reordered: 0, unexpected: 0, foreign: 0 };
  for (const event of events) {
    const tags = JSON.stringify(event).match(TAGS) ?? [];
    if (tags.some((other) => other !== turnTag)) anomalies.foreign++;
  }
  const types = shape(events.filter((event) => event.type !== "session_start"));
  const extra = [];
  if (reference) {
    const missing = [...reference];
    for (const type of types) {
      const at = missing.indexOf(type);
      if (at >= 0) missing.splice(at, 1);
      else extra.push(type);
    }
    anomalies.dropped += missing.length;
    anomalies.unexpected += Math.max(0, types.length - (reference.length - missing.length));
    if (types.length === reference.length && missing.length === 0 && types.join(" ") !== reference.join(" ")) {
      anomalies.reordered++;
    }
  }
  // The tool ran, in this session, and said this turn's tag.
  const tool = events.find((event) => event.type === "tool_end");
  if (!tool || tool.result?.isError || !JSON.stringify(tool.result?.content).includes(turnTag)) anomalies.dropped++;
  const start = events.find((event) => event.type === "turn_start");
  const end = events.at(-1);
  if (!start || start.prompt !== prompt) anomalies.dropped++;
  if (end?.type !== "turn_end") anomalies.dropped++;
  else if (end.result?.text !== replyPieces(turnTag).join("")) anomalies.dropped++;
  // The pieces of the reply, in the order the text deltas brought them.
  const text = events
    .filter((event) => event.type === "stream" && event.event.type === "text_delta")
    .map((event) => event.event.text)
    .join("");
  const got = text.split(" ").filter(Boolean);
  const want = replyPieces(turnTag).map((piece) => piece.trim());
  const missingPieces = want.filter((piece) => !got.includes(piece)).length;
  anomalies.dropped += missingPieces;
  if (missingPieces === 0 && got.join(" ") !== want.join(" ")) anomalies.reordered++;
  return { anomalies, types, extra };
}

async function waitForUrl(child) {
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /serving on (\S+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    child.on("close", (code) => reject(new Error(`pincer serve exited (${code}): ${stderr}`)));
  });
}

/** CPU time (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): utime and stime, the 12th and 13th, in
    // clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of the children a process has waited for (cutime + cstime, which take in their own
 * waited-for children): for the spawner, the commands it ran, sandbox and shell included.
 */
function reapedCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * The CPU of the server's spawner (the small process that forks its commands, see the host's
 * spawner.ts): its node children, found through /proc; 0 when it forks itself. `commands`: what
 * the commands themselves used (bwrap, bash and the `echo`), the server's and the spawner's
 * finished children — the user's work and the OS sandbox's, not the server's: reported, not counted.
 */
function spawnerCpuMs(pid) {
  const node = realpathSync(process.execPath);
  let total = 0;
  let commands = reapedCpuMs(pid);
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean)) {
        try {
          if (readlinkSync(`/proc/${child}/exe`) !== node) continue;
          total += cpuMs(child) ?? 0;
          commands += reapedCpuMs(child);
        } catch {
          // A command (bwrap, sh) that ended meanwhile or is not ours to read.
        }
      }
    }
  } catch {
    // Not Linux, or the process ended meanwhile.
  }
  return { total, commands };
}

/**
 * CPU milliseconds of a process by thread: the main thread (HTTP, kernels, the bridge's host side),
 * V8's workers (compiling and collecting garbage off the main thread) and the rest (plugin
 * isolates run their calls on isolated-vm's threads; libuv's pool does the file I/O).
 */
function threadCpuMs(pid) {
  const out = { main: 0, v8Workers: 0, other: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const ms = cpuMs(`${pid}/task/${tid}`) ?? 0;
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        if (tid === String(pid)) out.main += ms;
        else if (name.startsWith("V8Worker")) out.v8Workers += ms;
        else out.other += ms;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux, or the process ended meanwhile.
  }
  return out;
}

/** Peak resident memory of a process, from /proc (Linux); undefined elsewhere. */
function peakMiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function runServeBench({
  quick = false,
  // --quick (CI) checks that the bench works, with fewer sessions: its figures are not the budget's.
  sessions = Number(process.env.PINCER_BENCH_SESSIONS ?? (quick ? 10 : 50)),
  rounds = Number(process.env.PINCER_BENCH_ROUNDS ?? (quick ? 2 : 10)),
} = {}) {
  const model = await startOpenAIServer();
  // Instant replies, scripted from the request itself: the tag of the turn picks the text.
  // Each turn is a tool turn: the model first asks the bash tool to echo the turn's tag (run in the
  // OS sandbox, through the permission check), then answers once the tool's result is back.
  model.respond((body) => {
    const prompt = body.messages.findLast((message) => message.role === "user");
    const turnTag = JSON.stringify(prompt).match(TAGS)?.[0] ?? "s999r999";
    if (body.messages.at(-1)?.role === "user") {
      return [{ toolCalls: [{ name: "bash", arguments: { command: `echo ${turnTag}` } }] }];
    }
    return [...replyPieces(turnTag).map((text) => ({ text })), { finish: "stop" }];
  });
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-serve-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "pincer-bench-serve-cwd-"));
  // PINCER_BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops.
  const profile = process.env.PINCER_BENCH_CPU_PROF
    ? ["--cpu-prof", "--cpu-prof-dir", process.env.PINCER_BENCH_CPU_PROF]
    : [];
  // PINCER_BENCH_NODE_FLAGS="--flag …": more node flags for the server (perf's --perf-basic-prof, say).
  const nodeFlags = (process.env.PINCER_BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const unconfined = CONFINED ? [] : ["--dangerously-run-unconfined"];
  const child = spawn(process.execPath, [...profile, ...nodeFlags, cli, "serve", "--port", "0", ...unconfined], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      PINCER_HOME: join(home, ".pincer"),
      NO_COLOR: "1",
      OPENAI_API_KEY: "sk-bench-serve-0000",
      OPENAI_BASE_URL: model.url,
      PINCER_SERVER_TOKEN: TOKEN,
      // PINCER_SPAWNER=never|always: who forks the commands (the baseline for a comparison).
      ...(process.env.PINCER_SPAWNER ? { PINCER_SPAWNER: process.env.PINCER_SPAWNER } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.on("close", resolve));
  const followers = [];
  try {
    const base = await waitForUrl(child);
    const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const post = async (path, body) => {
      const response = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };

    let started = process.hrtime.bigint();
    const ids = (
      await Promise.all(
        Array.from({ length: sessions }, () =>
          post("/sessions", { model: "openai/gpt-5", allowedTools: ["bash(echo *)"] }),
        ),
      )
    ).map((session) => session.id);
    const createMs = elapsed(started);
    for (const id of ids) followers.push(new Follower(await fetch(`${base}/sessions/${id}/events`, { headers })));

    const latencies = [];
    const roundMs = [];
    const anomalies = { dropped: 0, reordered: 0, unexpected: 0, foreign: 0 };
    const unexpectedTypes = new Set();
    let events = 0;
    let reference;
    let serverCpu;
    let spawnerCpu;
    let benchCpu;
    let threadCpu;
    // Round 0 warms up (the first turn of a session also says session_start); it is checked, not timed.
    for (let round = 0; round <= rounds; round++) {
      if (round === 1) {
        serverCpu = cpuMs(child.pid);
        spawnerCpu = spawnerCpuMs(child.pid);
        benchCpu = process.cpuUsage();
        threadCpu = threadCpuMs(child.pid);
      }
      started = process.hrtime.bigint();
      const turns = await Promise.all(
        ids.map(async (id, s) => {
          const follower = followers[s];
          const from = follower.events.length;
          const turnTag = tag(s, round);
          const prompt = `Answer ${turnTag}.`;
          const sent = process.hrtime.bigint();
          // A refused prompt (409: the last turn still running) fails the run: it is a bug.
          await post(`/sessions/${id}/prompt`, { text: prompt });
          const ended = await follower.until(round + 1);
          return { ms: elapsed(sent), ended, events: follower.events.slice(from), turnTag, prompt };
        }),
      );
      if (round > 0) roundMs.push(elapsed(started));
      for (const turn of turns) {
        events += turn.events.length;
        if (round > 0) latencies.push(turn.ms);
        const checked = check(turn.events, turn.turnTag, turn.prompt, reference);
        reference ??= checked.anomalies.dropped === 0 ? checked.types : undefined;
        if (!turn.ended) anomalies.dropped++;
        for (const key of Object.keys(anomalies)) anomalies[key] += checked.anomalies[key];
        for (const type of checked.extra) unexpectedTypes.add(type);
      }
    }
    const serverPeakMiB = peakMiB(child.pid);
    const threadsAfter = threadCpuMs(child.pid);
    // The server's own CPU and its spawner's: the forks it no longer does itself still count.
    const spawnerAfter = spawnerCpuMs(child.pid);
    const spawnerMs = spawnerAfter.total - (spawnerCpu?.total ?? 0);
    const commandsMs = spawnerAfter.commands - (spawnerCpu?.commands ?? 0);
    const serverCpuMs = serverCpu === undefined ? undefined : cpuMs(child.pid) - serverCpu + spawnerMs;
    const { user, system } = process.cpuUsage(benchCpu);
    latencies.sort((a, b) => a - b);
    const totalMs = roundMs.reduce((sum, ms) => sum + ms, 0);
    return {
      sessions,
      rounds,
      turns: latencies.length,
      createMs,
      confined: CONFINED,
      turnsPerSecond: (latencies.length / totalMs) * 1000,
      roundMs: {
        median: [...roundMs].sort((a, b) => a - b)[Math.floor(roundMs.length / 2)],
        max: Math.max(...roundMs),
      },
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies.at(-1),
      },
      events,
      anomalies,
      unexpectedTypes: [...unexpectedTypes],
      // Where the time goes: the server's CPU, and this process's (the model and the 50 clients).
      cpuPerTurnMs: {
        ...(serverCpuMs !== undefined
          ? {
              server: serverCpuMs / latencies.length,
              ofWhichSpawner: spawnerMs / latencies.length,
              // Not in `server`: the commands' own processes (bwrap, bash, echo).
              commandsNotCounted: commandsMs / latencies.length,
              // The server's own share by thread (see threadCpuMs).
              byThread: Object.fromEntries(
                Object.entries(threadsAfter).map(([name, ms]) => [
                  name,
                  Number(((ms - (threadCpu?.[name] ?? 0)) / latencies.length).toFixed(2)),
                ]),
              ),
            }
          : {}),
        bench: (user + system) / 1000 / latencies.length,
      },
      ...(serverPeakMiB !== undefined ? { serverPeakMiB } : {}),
    };
  } finally {
    child.kill("SIGINT");
    await exited;
    await Promise.all(followers.map((follower) => follower.closed));
    await model.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The rows bench/run.js prints, in its `| benchmark | result | budget |` table. */
export function serveRows(figures) {
  const fmt = (n, digits = 1) => n.toFixed(digits);
  const { sessions, rounds, latencyMs, anomalies } = figures;
  const mark = (met) => (met ? "✓" : "✗");
  const memory = figures.serverPeakMiB !== undefined ? `, server peak ${fmt(figures.serverPeakMiB)} MiB` : "";
  const serverCpu = figures.cpuPerTurnMs.server;
  const tail = latencyMs.p99 / latencyMs.p50;
  return [
    `| \`pincer serve\`: ${sessions} sessions created at once (plugin isolates each) | ${fmt(figures.createMs)} ms${memory} | — |`,
    `| \`pincer serve\`: throughput, ${rounds} rounds of ${sessions} concurrent tool turns (bash \`echo\`, ${figures.confined === false ? "unconfined: no OS sandbox on this machine" : "sandboxed"}), instant loopback model | ${fmt(figures.turnsPerSecond)} turns/s | — |`,
    ...(serverCpu !== undefined
      ? [
          `| \`pincer serve\`: server CPU per tool turn (with its spawner's: ${fmt(figures.cpuPerTurnMs.ofWhichSpawner, 2)} ms; without the commands' own processes — bwrap, bash — ${fmt(figures.cpuPerTurnMs.commandsNotCounted, 2)} ms), ${sessions} concurrent | ${fmt(serverCpu, 2)} ms ${mark(serverCpu <= 5)} | ≤ 5 ms |`,
        ]
      : []),
    `| \`pincer serve\`: latency per tool turn, POST prompt → turn_end on SSE, ${sessions} concurrent (p50 / p95 / p99) | ${fmt(latencyMs.p50)} / ${fmt(latencyMs.p95)} / ${fmt(latencyMs.p99)} ms (p99 ${fmt(tail, 2)}× p50) ${mark(tail <= 2)} | p99 ≤ 2× p50 |`,
    `| \`pincer serve\`: events checked (dropped / reordered / unexpected / in the wrong session) | ${figures.events} events: ${anomalies.dropped} / ${anomalies.reordered} / ${anomalies.unexpected} / ${anomalies.foreign} | 0 / 0 / 0 / 0 |`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runServeBench({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(figures, null, 2));
  console.error(serveRows(figures).join("\n"));
  if (Object.values(figures.anomalies).some((count) => count > 0)) process.exitCode = 1;
}
