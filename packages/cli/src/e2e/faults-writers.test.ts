import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, type Sandbox, sandbox, servingAddress } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });

/** A reply the test releases when it wants: the run that gets it holds the session meanwhile. */
function heldReply(text: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  server.enqueue([{ gate }, { text }, { finish: "stop" }]);
  return release;
}

function lastUserText(): unknown {
  const body = server.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> } | undefined;
  return body?.messages.filter((message) => message.role === "user").at(-1)?.content;
}

async function shown(box: Sandbox, id: string): Promise<string> {
  const result = await box.run(["sessions", "show", id]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe("one writer per session", () => {
  it("two -p --continue runs at once: the second is turned away naming the first, or forks when asked; no turn is lost", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "answer one" }, { finish: "stop" }]);
    const first = await box.run(["-p", "turn one", "--model", "openai/gpt-5", "--output-format", "json"]);
    expect(first.code, first.stderr).toBe(0);
    const id = jsonLines(first.stdout)[0]!.session_id as string;

    // Run A continues the session and holds it while its reply is held.
    const release = heldReply("answer A");
    const a = box.start(["-p", "turn A", "--continue", "--output-format", "json"]);
    await until(() => lastUserText() === "turn A", "run A's request");

    const b = await box.run(["-p", "turn B", "--continue", "--output-format", "json"]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`Session ${id} is being written by pid ${a.child.pid} (pincer -p) since `);
    expect(b.stderr).toContain("--fork");
    expect(b.stdout).toBe("");

    server.enqueue([{ text: "answer C" }, { finish: "stop" }]);
    const c = await box.run(["-p", "turn C", "--continue", "--fork", "--output-format", "json"]);
    expect(c.code, c.stderr).toBe(0);
    const forkId = jsonLines(c.stdout)[0]!.session_id as string;
    expect(forkId).not.toBe(id);

    release();
    const doneA = await a.done;
    expect(doneA.code, doneA.stderr).toBe(0);
    expect(jsonLines(doneA.stdout)[0]).toMatchObject({ session_id: id, is_error: false, result: "answer A" });

    const original = await shown(box, id);
    for (const text of ["turn one", "answer one", "turn A", "answer A"]) expect(original).toContain(text);
    expect(original).not.toContain("turn B");
    const fork = await shown(box, forkId);
    for (const text of ["turn one", "answer one", "turn C", "answer C"]) expect(fork).toContain(text);
    // The lock went with the process that held it.
    expect(existsSync(join(box.env.PINCER_HOME!, "sessions", `${id}.jsonl.lock`))).toBe(false);
  });

  it("a start that fails writes no session, and --continue skips one an older Pincer left empty", async () => {
    using box = sandbox(openai());
    const sessions = join(box.env.PINCER_HOME!, "sessions");
    server.enqueue([{ text: "the real answer" }, { finish: "stop" }]);
    const real = await box.run(["-p", "the real conversation", "--model", "openai/gpt-5", "--output-format", "json"]);
    const id = jsonLines(real.stdout)[0]!.session_id as string;

    const misspelled = await box.run(["-p", "hi", "--model", "opneai/gpt-5"]);
    expect(misspelled.code).toBe(2);
    expect(readdirSync(sessions).filter((name) => name.endsWith(".jsonl"))).toEqual([`${id}.jsonl`]);
    // What an older Pincer left after such a start: a header and nothing else, newer than the real one.
    const header = { type: "session", version: 1, id: "29990101-000000-000000", cwd: box.cwd, createdAt: "t" };
    writeFileSync(join(sessions, "29990101-000000-000000.jsonl"), `${JSON.stringify(header)}\n`);

    server.enqueue([{ text: "still here" }, { finish: "stop" }]);
    const next = await box.run(["-p", "go on", "--continue", "--output-format", "json"]);
    expect(next.code, next.stderr).toBe(0);
    expect(jsonLines(next.stdout)[0]!.session_id).toBe(id);
  });
});

describe("pincer serve and the session lock", () => {
  async function serve(box: Sandbox) {
    const server = box.start(["serve", "--port", "0"], { env: { PINCER_SERVER_TOKEN: "t0k3n-writers" } });
    const base = await servingAddress(server);
    const headers = { authorization: "Bearer t0k3n-writers", "content-type": "application/json" };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
    };
    return { server, post };
  }

  it("resuming a session the server has open reuses it; one another process writes is refused (409) or forked", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "answer one" }, { finish: "stop" }]);
    const first = await box.run(["-p", "turn one", "--model", "openai/gpt-5", "--output-format", "json"]);
    const id = jsonLines(first.stdout)[0]!.session_id as string;
    const { server: served, post } = await serve(box);
    try {
      const opened = await post("/sessions", { resume: id, cwd: box.cwd });
      expect(opened.status).toBe(201);
      expect(opened.body.id).toBe(id);
      const again = await post("/sessions", { resume: id.slice(0, 17), cwd: box.cwd });
      expect(again).toMatchObject({ status: 200, body: { id, reused: true } });
      // A start the server refuses (a misspelled provider: 400) leaves no session behind.
      const sessionsDir = join(box.env.PINCER_HOME!, "sessions");
      const before = readdirSync(sessionsDir).sort();
      const refusedStart = await post("/sessions", { model: "opneai/gpt-5", cwd: box.cwd });
      expect(refusedStart.status).toBe(400);
      expect(readdirSync(sessionsDir).sort()).toEqual(before);

      // Another process continues a second session and holds it: the server is refused it, or forks it.
      server.enqueue([{ text: "answer two" }, { finish: "stop" }]);
      const other = await box.run(["-p", "another", "--model", "openai/gpt-5", "--output-format", "json"]);
      const otherId = jsonLines(other.stdout)[0]!.session_id as string;
      const release = heldReply("held");
      const holder = box.start(["-p", "hold it", "--resume", otherId, "--output-format", "json"]);
      await until(() => lastUserText() === "hold it", "the holder's request");
      const refused = await post("/sessions", { resume: otherId, cwd: box.cwd });
      expect(refused.status).toBe(409);
      expect(String(refused.body.error)).toContain(`being written by pid ${holder.child.pid} (pincer -p)`);
      expect(String(refused.body.error)).toContain('"fork": true');
      const forked = await post("/sessions", { resume: otherId, fork: true, cwd: box.cwd });
      expect(forked.status).toBe(201);
      expect(forked.body.id).not.toBe(otherId);
      release();
      expect((await holder.done).code).toBe(0);
    } finally {
      served.child.kill("SIGTERM");
      await served.done;
    }
  });
});
