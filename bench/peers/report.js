// Turns a `bench/peers/peers.sh measure` run into the README's table: medians, ratios to the floor
// (`node -e 0`) measured in the same rounds, the first request's size, the machine and the date.
//   node bench/peers/report.js [PEERS_DIR] [--write README.md]
// With --write, the table replaces what stands between <!-- peers:begin --> and <!-- peers:end -->.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const writeAt = args.indexOf("--write");
const target = writeAt >= 0 ? args[writeAt + 1] : undefined;
// The folder is the first argument that is not --write or its file (with no --write, writeAt + 1 is 0:
// the folder itself was skipped, and every run reported ~/.cache/pincer-peers).
const dir =
  args.find((arg, i) => !arg.startsWith("--") && !(writeAt >= 0 && i === writeAt + 1)) ??
  join(homedir(), ".cache/pincer-peers");
const logs = join(dir, "logs");

const run = Object.fromEntries(
  readFileSync(join(dir, "run.env"), "utf8")
    .trim()
    .split("\n")
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).trim()]),
);
const tools = run.tools.split(/\s+/).filter(Boolean);
const missing = run.missing.split(/\s+/).filter(Boolean);
const versions = Object.fromEntries(
  run.versions
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => pair.split(":")),
);

const median = (values) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
};

/** The counted runs of one tool in one figure: wall ms, peak KiB, exit code, start and end (epoch ms). */
function runsOf(name, figure) {
  const file = join(logs, `time-${name}-${figure}.txt`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [wall, peak, exit, t0, t1] = line.split(" ").map(Number);
      return { wall, peak, exit, t0, t1 };
    });
}

/** The model requests each run made (the fake server logs every one with its arrival time). */
function requestsOf(name, figure) {
  const file = join(logs, `req-${figure}.jsonl`);
  if (!existsSync(file)) return [];
  const requests = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((request) => request.kind);
  return runsOf(name, figure).map((one) => requests.filter((request) => request.t >= one.t0 && request.t <= one.t1));
}

const floor = Object.fromEntries(
  ["version", "oneshot", "toolturn"].map((figure) => [figure, median(runsOf("floor", figure).map((one) => one.wall))]),
);

function timeCell(name, figure) {
  const runs = runsOf(name, figure);
  if (runs.length === 0) return "—";
  const failed = runs.filter((one) => one.exit !== 0).length;
  if (failed > runs.length / 2) return `fails (exit ${runs.find((one) => one.exit !== 0).exit})`;
  const ms = median(runs.filter((one) => one.exit === 0).map((one) => one.wall));
  return `${Math.round(ms)} ms (${(ms / floor[figure]).toFixed(1)}×)`;
}

function peakCell(name) {
  const runs = runsOf(name, "oneshot").filter((one) => one.exit === 0);
  return runs.length ? `${Math.round(median(runs.map((one) => one.peak)) / 1024)} MiB` : "—";
}

function requestCell(name) {
  const perRun = requestsOf(name, "oneshot").filter((requests) => requests.length > 0);
  if (perRun.length === 0) return "—";
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const first = kb(median(perRun.map((requests) => requests[0].bytes)));
  const calls = median(perRun.map((requests) => requests.length));
  return calls > 1 ? `${first} + ${calls - 1} more call${calls > 2 ? "s" : ""}` : first;
}

const label = (name) =>
  name === "pincer"
    ? `**Pincer**${run.pincer ? ` ${run.pincer}` : " (this checkout)"}`
    : `${name} ${versions[name] ?? ""}`.trim();
const lines = [
  `Measured ${run.date} on ${run.cpus}, ${run.memory}, Node ${run.node}; load average ${run.load} before, ${run.load_after ?? "?"} after (a shared machine).`,
  `Medians of ${run.n} rounds after a warm-up; each round runs \`node -e 0\` and then every tool once, so load lands on all alike. Ratios are to that floor in the same rounds (first row).`,
  "",
  '| | `--version` | one-shot "ok" | tool turn (`echo hi`) | peak RSS, one-shot | first request |',
  "|---|---|---|---|---|---|",
  `| floor: \`node -e 0\` | ${Math.round(floor.version)} ms | ${Math.round(floor.oneshot)} ms | ${Math.round(floor.toolturn)} ms | ${peakCell("floor")} | — |`,
];
for (const name of tools) {
  lines.push(
    `| ${label(name)} | ${timeCell(name, "version")} | ${timeCell(name, "oneshot")} | ${timeCell(name, "toolturn")} | ${peakCell(name)} | ${requestCell(name)} |`,
  );
}
for (const name of missing)
  lines.push(`| ${label(name)} | not installed here (\`peers.sh install\` needs npm) | | | | |`);
const table = lines.join("\n");
console.log(table);

if (target) {
  const text = readFileSync(target, "utf8");
  const begin = "<!-- peers:begin -->";
  const end = "<!-- peers:end -->";
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${target} has no ${begin} … ${end} section`);
  writeFileSync(target, `${text.slice(0, from + begin.length)}\n${table}\n${text.slice(to)}`);
}
