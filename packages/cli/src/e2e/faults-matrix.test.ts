import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { client, ndJsonStream, type SessionNotification } from "@agentclientprotocol/sdk";
import { readServerSentEvents, scaledTimeout } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANSWER,
  FAULTS,
  type Fault,
  faultRounds,
  inParallel,
  MODEL,
  PROVIDERS,
  type ProviderName,
  providerSetup,
  startFaultServers,
} from "./fault-catalog.js";
import { CLI, jsonLines, sandbox, servingAddress } from "./run-cli.js";

// Every fault × every provider × every way of asking (-p in text, json and stream-json; ACP;
// serve): a transient fault ends in the whole answer, a permanent one in an error, and no run
// ever reports success with anything but the whole answer. The quick form (CI) runs each fault once
// per provider and way of asking, the -p formats taking turns (40 -p runs, 40 ACP prompts, 40 serve
// turns); PINCER_FAULT_ROUNDS=N runs the full matrix — every format for every fault — N times.

let servers: Awaited<ReturnType<typeof startFaultServers>>;
beforeAll(async () => {
  servers = await startFaultServers();
});
afterAll(() => servers.close());

const ROUNDS = faultRounds();
const FULL = process.env.PINCER_FAULT_ROUNDS !== undefined;
const FORMATS = ["text", "json", "stream-json"] as const;
let runs = 0;

/** One observed outcome: whether the front end said it succeeded, and the answer it gave. */
interface Outcome {
  where: string;
  fault: Fault;
  succeeded: boolean;
  answer: string;
  detail: string;
}

/** What every cell must satisfy; a list of the cells that did not. */
function violations(outcomes: Outcome[]): string[] {
  const wrong: string[] = [];
  for (const outcome of outcomes) {
    const expected = outcome.fault.answer ?? ANSWER;
    const label = `${outcome.where} / ${outcome.fault.name}`;
    if (outcome.succeeded && outcome.answer !== expected) {
      wrong.push(`${label}: reported success with ${outcome.answer.length} chars, not the whole answer`);
    } else if (outcome.succeeded !== outcome.fault.transient) {
      wrong.push(`${label}: ${outcome.succeeded ? "succeeded" : "failed"} (${outcome.detail.slice(-600)})`);
    }
  }
  return wrong;
}

function prompt(fault: Fault, where: string): string {
  return `Answer. fault=${FAULTS.indexOf(fault)} key=${where.replace(/\W+/g, "-")}-${++runs}`;
}

async function headlessOutcome(provider: ProviderName, format: (typeof FORMATS)[number], fault: Fault) {
  using box = sandbox();
  const env = providerSetup(provider, box.env.PINCER_HOME!, servers);
  const where = `pincer -p (${provider}, ${format})`;
  const result = await box.run(["-p", prompt(fault, where), "--model", MODEL[provider], "--output-format", format], {
    env,
  });
  let succeeded = result.code === 0;
  let answer = result.stdout.replace(/\n$/, "");
  if (format !== "text") {
    const lines = jsonLines(result.stdout);
    const last = lines.at(-1) as { type?: string; is_error?: boolean; result?: string } | undefined;
    // The exit code and is_error must agree, whatever happened.
    if (last?.type !== "result" || last.is_error === (result.code === 0)) {
      return { where, fault, succeeded: true, answer: "<exit code and is_error disagree>", detail: result.stdout };
    }
    succeeded = last.is_error === false && result.code === 0;
    answer = last.result ?? "";
  }
  return { where, fault, succeeded, answer, detail: result.stderr } satisfies Outcome;
}

describe.each(PROVIDERS)("the fault matrix: %s", (provider) => {
  it(
    "pincer -p in text, json and stream-json",
    async () => {
      const tasks = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const [index, fault] of FAULTS.entries()) {
          // The quick form (CI) asks each fault in one format, taking turns; the full form asks all three.
          const formats = FULL ? FORMATS : [FORMATS[(index + PROVIDERS.indexOf(provider)) % FORMATS.length]!];
          for (const format of formats) tasks.push(() => headlessOutcome(provider, format, fault));
        }
      }
      const outcomes = await inParallel(tasks, 3);
      expect(violations(outcomes)).toEqual([]);
    },
    scaledTimeout(240_000 * ROUNDS),
  );

  it(
    "ACP: a prompt's stop reason and error agree with what happened",
    async () => {
      using box = sandbox();
      const env = providerSetup(provider, box.env.PINCER_HOME!, servers);
      const child = spawn(process.execPath, [CLI, "acp", "--model", MODEL[provider]], {
        cwd: box.cwd,
        env: { ...box.env, ...env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      const notifications: SessionNotification[] = [];
      const connection = client({ name: "fault-editor" })
        .onRequest("session/request_permission", async () => ({ outcome: { outcome: "cancelled" } }))
        .onNotification("session/update", ({ params }) => {
          notifications.push(params);
        })
        .connect(
          ndJsonStream(
            Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>,
            Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
          ),
        );
      const exited = new Promise((resolve) => child.on("close", resolve));
      try {
        await connection.agent.request("initialize", { protocolVersion: 1, clientCapabilities: {} });
        const tasks = [];
        for (let round = 0; round < ROUNDS; round++)
          for (const fault of FAULTS)
            tasks.push(async (): Promise<Outcome> => {
              const where = `ACP (${provider})`;
              const { sessionId } = await connection.agent.request("session/new", { cwd: box.cwd, mcpServers: [] });
              try {
                const response = await connection.agent.request("session/prompt", {
                  sessionId,
                  prompt: [{ type: "text", text: prompt(fault, where) }],
                });
                await new Promise((resolve) => setImmediate(resolve));
                const text = notifications
                  .filter((n) => n.sessionId === sessionId)
                  .map((n) =>
                    n.update.sessionUpdate === "agent_message_chunk" && n.update.content.type === "text"
                      ? n.update.content.text
                      : "",
                  )
                  .join("");
                // A retried answer is shown again after the notice; what counts is what follows the last one.
                const answer = text.split("[The connection was cut; the answer starts again.]\n\n").at(-1) ?? "";
                const succeeded = response.stopReason === "end_turn";
                return { where, fault, succeeded, answer, detail: response.stopReason };
              } catch (error) {
                return { where, fault, succeeded: false, answer: "", detail: (error as Error).message };
              }
            });
        const outcomes = await inParallel(tasks, 3);
        expect(violations(outcomes)).toEqual([]);
      } finally {
        child.stdin!.end();
        await exited;
        connection.close();
      }
    },
    scaledTimeout(120_000 * ROUNDS),
  );

  it(
    "serve: turn_end says what happened",
    async () => {
      using box = sandbox({ PINCER_SERVER_TOKEN: "fault-token" });
      const env = providerSetup(provider, box.env.PINCER_HOME!, servers);
      const server = box.start(["serve", "--port", "0"], { env });
      const base = await servingAddress(server);
      const headers = { authorization: "Bearer fault-token", "content-type": "application/json" };
      try {
        const tasks = [];
        for (let round = 0; round < ROUNDS; round++)
          for (const fault of FAULTS)
            tasks.push(async (): Promise<Outcome> => {
              const where = `serve (${provider})`;
              const created = await fetch(`${base}/sessions`, {
                method: "POST",
                headers,
                body: JSON.stringify({ model: MODEL[provider], cwd: box.cwd }),
              });
              const { id } = (await created.json()) as { id: string };
              const started = await fetch(`${base}/sessions/${id}/prompt`, {
                method: "POST",
                headers,
                body: JSON.stringify({ text: prompt(fault, where) }),
              });
              const { after } = (await started.json()) as { after: number };
              const end = await turnEnd(`${base}/sessions/${id}/events?after=${after}`, headers);
              await fetch(`${base}/sessions/${id}`, { method: "DELETE", headers });
              const succeeded = end.result.stopReason === "end_turn" && !end.result.error;
              return { where, fault, succeeded, answer: end.result.text, detail: end.result.error ?? "" };
            });
        const outcomes = await inParallel(tasks, 3);
        expect(violations(outcomes)).toEqual([]);
      } finally {
        server.child.kill("SIGTERM");
        await server.done;
      }
    },
    scaledTimeout(120_000 * ROUNDS),
  );
});

/** Reads a session's SSE events until its turn_end, which it returns. */
async function turnEnd(
  url: string,
  headers: Record<string, string>,
): Promise<{ result: { stopReason: string; text: string; error?: string } }> {
  const response = await fetch(url, { headers });
  const events = await readServerSentEvents(
    response,
    (event) => event.type === "turn_end" || event.type === "turn_error",
  );
  const last = events.at(-1);
  if (last?.type === "turn_error") {
    return { result: { stopReason: "error", text: "", error: (last.message as string | undefined) ?? "turn_error" } };
  }
  if (last?.type === "turn_end")
    return last as unknown as { result: { stopReason: string; text: string; error?: string } };
  throw new Error(`the event stream ended before turn_end: ${JSON.stringify(events.slice(-3)).slice(-500)}`);
}
