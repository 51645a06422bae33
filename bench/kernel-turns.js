// Kernel overhead per turn as a session grows: 1,000 turns (each a tool round trip and an answer) in
// one session written to disk, against a provider that answers at once and never reads the request,
// so what is timed is the kernel's own work per turn (context, compaction check, session writes,
// events). Prints JSON:
// { early, late, ratio } — medians of turns 6–15 and 991–1,000, in ms — then keeps prompting until
// the session holds 10,000 entries and resumes it as `--resume` does (the file read, the kernel made
// on it, the context the next request sends): { resume: { entries, ms, cpuMs } }, medians of 5.
// Usage: node bench/kernel-turns.js [--quick] [--turns N] [--resume-entries N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKernel, SessionStore } from "@pincer/kernel";

const argv = process.argv.slice(2);
const turnsFlag = argv.indexOf("--turns");
// --quick (CI) only checks that the bench works: fewer turns and entries.
const quick = argv.includes("--quick");
const turns = turnsFlag >= 0 ? Number(argv[turnsFlag + 1]) : quick ? 200 : 1000;
const entriesFlag = argv.indexOf("--resume-entries");
const resumeEntries = entriesFlag >= 0 ? Number(argv[entriesFlag + 1]) : quick ? 2_000 : 10_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const answer = "Done: I read the file and changed the function as asked. ".repeat(4);
let calls = 0;
/** Each turn: a tool call (a file read), then the answer; the request itself is never looked at. */
const provider = {
  id: "bench",
  async *stream() {
    calls++;
    yield { type: "usage", usage: { input: 1000, output: 50 } };
    if (calls % 2 === 1) {
      yield { type: "toolcall_start", index: 0, id: `call_${calls}`, name: "read" };
      yield { type: "toolcall_delta", index: 0, argumentsDelta: JSON.stringify({ path: `src/file${calls}.ts` }) };
      yield { type: "toolcall_end", index: 0 };
      yield { type: "stop", reason: "toolUse" };
      return;
    }
    yield { type: "text_delta", text: answer };
    yield { type: "stop", reason: "stop" };
  },
};
const fileText = "export function parse(flags: string[]): Options {\n  return {};\n}\n".repeat(40);
const read = {
  name: "read",
  description: "Reads a file",
  kind: "read",
  parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  execute: async () => ({ content: fileText }),
};

const dir = mkdtempSync(join(tmpdir(), "pincer-bench-turns-"));
const models = [
  {
    id: "bench/instant",
    contextWindow: 100_000_000,
    maxOutputTokens: 1000,
    price: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
  },
];
const kernelOn = (session) =>
  createKernel({ model: "bench/instant", providers: [provider], tools: [read], models, session, loopGuard: false });
try {
  const store = new SessionStore(dir);
  const session = store.create({ cwd: dir });
  const kernel = kernelOn(session);
  const times = [];
  const prompt = "Please look at src/app.ts and tidy the function that parses the flags. ".repeat(3);
  for (let turn = 1; turn <= turns; turn++) {
    const started = process.hrtime.bigint();
    const result = await kernel.prompt(`${prompt} (${turn})`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.stopReason !== "end_turn") throw new Error(`turn ${turn} ended with ${result.stopReason}`);
  }
  const early = median(times.slice(5, 15));
  const late = median(times.slice(turns - 10));
  let extra = turns;
  while (session.entries().length < resumeEntries) await kernel.prompt(`${prompt} (${++extra})`);
  session.close();
  const resumes = [];
  const resumeCpu = [];
  let entries = 0;
  for (let run = 0; run < 5; run++) {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const resumed = store.open(session.id);
    kernelOn(resumed);
    const context = resumed.buildContext();
    resumes.push(Number(process.hrtime.bigint() - started) / 1e6);
    const { user, system } = process.cpuUsage(cpu);
    resumeCpu.push((user + system) / 1000);
    entries = resumed.entries().length;
    if (context.messages.length === 0) throw new Error("the resumed session has no context");
    resumed.close();
  }
  const resume = { entries, ms: median(resumes), cpuMs: median(resumeCpu) };
  process.stdout.write(`${JSON.stringify({ turns, early, late, ratio: late / early, resume })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
