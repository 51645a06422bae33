import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Session } from "@pincer/kernel";
import { scaledTimeout, startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, RUN_COMMANDS, type Sandbox, sandbox } from "./run-cli.js";

// The crash suite: `pincer -p` killed with SIGKILL at random moments — while plugins start, while
// the model streams, while a tool runs, while the session is written — again and again on the same
// sessions. After every kill every session file must open; every few kills, and for every session
// at the end, a resumed run must complete. The quick form (CI) kills 24 times in 2 lanes;
// PINCER_CRASH_KILLS=N kills N times (the full form: 200 or more). PINCER_CRASH_SEED replays a run.

const KILLS = Number(process.env.PINCER_CRASH_KILLS) > 0 ? Number(process.env.PINCER_CRASH_KILLS) : 24;
const LANES = KILLS >= 100 ? 4 : 2;
const SEED = Number(process.env.PINCER_CRASH_SEED) || Date.now() % 100_000;
/** Kill moments are spread over about one run (start-up, or a tool call and a streamed answer). */
const KILL_WINDOW_MS = 600;

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
  // Every run: a tool call that writes to the workspace, then an answer streamed a little at a time.
  server.respond((body) => {
    const last = body.messages.at(-1) as { role: string };
    if (last.role === "tool") return [{ trickle: { text: "done, all of it.", everyMs: 15 } }, { finish: "stop" }];
    return [{ toolCalls: [{ name: "bash", arguments: { command: "echo step >> steps.log" } }] }];
  });
});
afterAll(() => server.close());

/** Whether the model server has been asked `prompt` (the run got as far as its first model call). */
function asked(prompt: string): boolean {
  return server.requests.some((request) =>
    (request.body as { messages?: Array<{ content?: unknown }> }).messages?.some(
      (message) => message.content === prompt,
    ),
  );
}

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sessionFiles(box: Sandbox): string[] {
  const dir = join(box.env.PINCER_HOME!, "sessions");
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".jsonl"))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** Every session file opens (read-only, as a reader beside a writer would), its tree intact. */
function checkAllOpen(box: Sandbox, when: string): void {
  for (const file of sessionFiles(box)) {
    try {
      Session.open(file, { readOnly: true });
    } catch (error) {
      throw new Error(`${when}: ${file} does not open (seed ${SEED}): ${(error as Error).message}`);
    }
  }
}

const args = (prompt: string, more: string[] = []) => [
  "-p",
  prompt,
  "--model",
  "openai/gpt-5",
  "--allowedTools",
  "bash",
  "--output-format",
  "json",
  ...RUN_COMMANDS,
  ...more,
];

/** What the runs after a kill found and repaired, summed over the suite (printed at the end). */
const seen = { tookOver: 0, tornLines: 0, interruptedTools: 0 };
function count(stderr: string): void {
  if (stderr.includes("took over this session")) seen.tookOver++;
  if (stderr.includes("dropped an incomplete last line")) seen.tornLines++;
  if (/tool call\(s\) had no result/.test(stderr)) seen.interruptedTools++;
}

/** A run that must finish: it resumes `more` (--continue, --resume id) and answers in full. */
async function completes(box: Sandbox, prompt: string, more: string[]): Promise<string> {
  const result = await box.run(args(prompt, more));
  count(result.stderr);
  if (result.code !== 0)
    throw new Error(`"${prompt}" ${more.join(" ")} exited ${result.code} (seed ${SEED}): ${result.stderr}`);
  const line = jsonLines(result.stdout)[0]!;
  expect(line).toMatchObject({ is_error: false, result: "done, all of it." });
  return line.session_id as string;
}

async function lane(index: number, kills: number): Promise<number> {
  using box = sandbox({ OPENAI_API_KEY: "sk-crash-test-000001", OPENAI_BASE_URL: server.url });
  const next = random(SEED + index);
  const completed: string[] = [];
  await completes(box, `lane ${index} begins`, []);
  for (let kill = 1; kill <= kills; kill++) {
    // Mostly the same session again (its damage accumulates); now and then a new one.
    const more = next() < 0.15 ? [] : ["--continue"];
    const prompt = `lane ${index} kill ${kill}`;
    const { child, done } = box.start(args(prompt, more));
    let exited = false;
    void done.then(() => (exited = true));
    // Half the kills anywhere in a run's life (most land while it starts); half once the model was
    // asked, so they land in the turn itself: the tool, its result being written, the streamed answer.
    if (next() < 0.5) await until(() => exited || asked(prompt), { message: `the request of "${prompt}"` });
    await new Promise((resolve) => setTimeout(resolve, next() * KILL_WINDOW_MS));
    child.kill("SIGKILL");
    count((await done).stderr);
    checkAllOpen(box, `after kill ${kill} of lane ${index}`);
    if (kill % 6 === 0) {
      const prompt = `lane ${index} resume after kill ${kill}`;
      await completes(box, prompt, ["--continue"]);
      completed.push(prompt);
    }
  }
  // Every session resumes and answers; the main one kept every turn that completed.
  for (const file of sessionFiles(box)) {
    const id = file.slice(file.lastIndexOf("/") + 1, -".jsonl".length);
    if (Session.open(file, { readOnly: true }).entries().length === 0) continue;
    await completes(box, `lane ${index} final check`, ["--resume", id]);
  }
  checkAllOpen(box, `at the end of lane ${index}`);
  const prompts = sessionFiles(box).flatMap((file) =>
    Session.open(file, { readOnly: true })
      .entries()
      .flatMap((entry) => (entry.type === "message" && entry.message.role === "user" ? [entry.message.content] : [])),
  );
  for (const prompt of completed) expect(prompts).toContain(prompt);
  return kills;
}

describe("the crash suite", () => {
  it(
    `kill -9 at random moments (${KILLS} kills): every session opens and resumes`,
    async () => {
      const perLane = Math.ceil(KILLS / LANES);
      const done = await Promise.all(Array.from({ length: LANES }, (_, index) => lane(index, perLane)));
      expect(done.reduce((sum, kills) => sum + kills, 0)).toBeGreaterThanOrEqual(KILLS);
      process.stderr.write(
        `crash suite (seed ${SEED}): ${KILLS} kills; the next runs took over ${seen.tookOver} dead writers' locks, ` +
          `cut ${seen.tornLines} torn last lines, marked ${seen.interruptedTools} interrupted tool calls\n`,
      );
    },
    scaledTimeout(60_000 + KILLS * 3_000),
  );
});
