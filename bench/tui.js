// The interactive terminal's figures: launch to a usable prompt (against `node` printing one
// word, both in a pseudo-terminal), and the cost of drawing while 5,000 tokens stream in
// (frames per second, CPU of the pincer process, and whether every token arrived in order).
// Run alone with `node bench/tui.js [--quick]`, or through bench/run.js.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pty from "@lydell/node-pty";
import { startOpenAIServer } from "@pincer/testing";
import xterm from "@xterm/headless";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "packages/cli/dist/bin.js");
const TOKENS = 5_000;
/** Ink wraps every frame in a synchronized-output block: one of these per frame drawn. */
const FRAME_START = "\x1b[?2026h";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Milliseconds from spawn until each marker first shows in the output. */
function spawnUntil(args, markers, env, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = pty.spawn(process.execPath, args, { cols: 100, rows: 30, cwd, env });
    let output = "";
    const seen = {};
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`not every marker of ${markers} within 20 s; the terminal showed:\n${output.slice(-2000)}`));
    }, 20_000);
    child.onData((data) => {
      output += data;
      for (const marker of markers)
        if (!(marker in seen) && output.includes(marker)) seen[marker] = performance.now() - started;
      if (markers.every((marker) => marker in seen)) {
        clearTimeout(timer);
        child.kill();
        resolve(seen);
      }
    });
  });
}

/**
 * Medians over runs: the prompt box drawn (bin.js draws it before any bundle loads; keys typed
 * from then on are kept), Ink live on the same box, and the session ready (plugins and provider
 * started). The floor is `node` writing one word, spawned the same way.
 */
export async function measureStartup({ runs = 10 } = {}) {
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-tui-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "pincer-bench-tui-cwd-"));
  // The session starts on the recorded model, named: no key, no network, the same work each run.
  const env = { ...process.env, PINCER_HOME: home, PINCER_MODEL: "replay/coding-demo", TERM: "xterm-256color" };
  const floorArgs = ["-e", 'process.stdout.write("ready")'];
  const marks = ["Starting…", "you can type already", "Ask anything"];
  try {
    // One warm-up each: the compile cache and the plugin snapshots are made on a first run.
    await spawnUntil(floorArgs, ["ready"], env, cwd);
    await spawnUntil([cli], marks, env, cwd);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const floor = [];
    const runsSeen = [];
    for (let i = 0; i < runs; i++) {
      floor.push((await spawnUntil(floorArgs, ["ready"], env, cwd)).ready);
      runsSeen.push(await spawnUntil([cli], marks, env, cwd));
    }
    const floorMs = median(floor);
    const at = (marker) => median(runsSeen.map((seen) => seen[marker]));
    return {
      floorMs,
      promptMs: at(marks[0]),
      ratio: at(marks[0]) / floorMs,
      inkLiveMs: at(marks[1]),
      sessionReadyMs: at(marks[2]),
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** user+sys seconds of a process, or of one of its threads, from /proc (in clock ticks of 1/100 s). */
function statSeconds(path) {
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function cpuSeconds(pid) {
  return statSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds by thread: the main thread (the TUI, the kernel), V8's workers (compiling hot code
 * and collecting garbage off the main thread) and the rest (a provider's isolate runs on its own).
 */
function threadSeconds(pid) {
  const out = { main: 0, v8Workers: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const seconds = statSeconds(`/proc/${pid}/task/${tid}/stat`);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      if (tid === String(pid)) out.main += seconds;
      else if (name.startsWith("V8Worker")) out.v8Workers += seconds;
      else out.other += seconds;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Streams TOKENS tokens at the terminal as fast as the loopback model sends them. */
export async function measureStreaming() {
  const server = await startOpenAIServer();
  // Ten tokens a line, a blank line every ten lines: paragraphs, as a model writes them.
  const steps = [];
  for (let index = 0; index < TOKENS; index++) {
    const end = index % 100 === 99 ? "\n\n" : index % 10 === 9 ? "\n" : " ";
    steps.push({ text: `t${String(index).padStart(4, "0")}${end}` });
  }
  steps.push({ finish: "stop" });
  server.enqueue(steps);
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-tui-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "pincer-bench-tui-cwd-"));
  const term = new xterm.Terminal({ cols: 100, rows: 30, scrollback: 20_000, allowProposedApi: true });
  const child = pty.spawn(process.execPath, [cli, "--model", "openai/gpt-5"], {
    cols: 100,
    rows: 30,
    cwd,
    env: {
      ...process.env,
      PINCER_HOME: home,
      TERM: "xterm-256color",
      OPENAI_API_KEY: "sk-bench-key-0000",
      OPENAI_BASE_URL: server.url,
    },
  });
  let output = "";
  child.onData((data) => {
    output += data;
    term.write(data);
  });
  const waitFor = async (predicate, what) => {
    const deadline = Date.now() + 60_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.slice(-1500)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  try {
    await waitFor(() => output.includes("Ask anything"), "the prompt");
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.write("stream please");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cpuBefore = cpuSeconds(child.pid);
    const threadsBefore = threadSeconds(child.pid);
    const framesBefore = output.split(FRAME_START).length;
    const started = performance.now();
    child.write("\r");
    const last = `t${String(TOKENS - 1).padStart(4, "0")}`;
    const screen = () => {
      const buffer = term.buffer.active;
      let text = "";
      for (let row = 0; row < term.rows; row++)
        text += `${buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? ""}\n`;
      return text;
    };
    await waitFor(() => output.includes(last), "the last token");
    await waitFor(() => !screen().includes("esc to interrupt"), "the end of the turn");
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(child.pid) - cpuBefore;
    const threadsAfter = threadSeconds(child.pid);
    const threads = Object.fromEntries(
      Object.entries(threadsAfter).map(([name, seconds]) => [name, Number((seconds - threadsBefore[name]).toFixed(2))]),
    );
    const frames = output.split(FRAME_START).length - framesBefore;
    await new Promise((resolve) => term.write("", resolve));
    // Every token once, in order, in what the terminal shows (scrollback included).
    const buffer = term.buffer.active;
    let text = "";
    for (let row = 0; row < buffer.length; row++) text += `${buffer.getLine(row)?.translateToString(true) ?? ""}\n`;
    const seen = [...text.matchAll(/t(\d{4})/g)].map((match) => Number(match[1]));
    const inOrder = seen.length === TOKENS && seen.every((value, index) => value === index);
    return {
      tokens: TOKENS,
      seconds,
      frames,
      fps: frames / seconds,
      cpuSeconds: cpu,
      /** Where that CPU went: { main, v8Workers, other } seconds. */
      threads,
      cpuShare: cpu / seconds,
      inOrder,
      seen: seen.length,
    };
  } finally {
    child.kill();
    await server.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

export async function runTuiBench({ quick = false } = {}) {
  return { startup: await measureStartup({ runs: quick ? 5 : 15 }), streaming: await measureStreaming() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runTuiBench({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
