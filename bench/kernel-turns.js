// Kernel overhead per turn as a session grows: 1,000 turns (each a tool round trip and an answer) in
// one session written to disk, against a provider that answers at once and never reads the request,
// so what is timed is the kernel's own work per turn (context, compaction check, session writes,
// events). Prints JSON:
// { early, late, ratio } — medians of turns 6–15 and 991–1,000, in ms.
// Usage: node bench/kernel-turns.js [--turns N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKernel, SessionStore } from "@pincer/kernel";

const argv = process.argv.slice(2);
const turnsFlag = argv.indexOf("--turns");
const turns = turnsFlag >= 0 ? Number(argv[turnsFlag + 1]) : 1000;

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
try {
  const kernel = createKernel({
    model: "bench/instant",
    providers: [provider],
    tools: [read],
    models: [
      {
        id: "bench/instant",
        contextWindow: 100_000_000,
        maxOutputTokens: 1000,
        price: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
      },
    ],
    session: new SessionStore(dir).create({ cwd: dir }),
    loopGuard: false,
  });
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
  process.stdout.write(`${JSON.stringify({ turns, early, late, ratio: late / early })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
