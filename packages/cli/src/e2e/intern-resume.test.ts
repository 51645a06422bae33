import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadFile, listFiles } from "@huggingface/hub";
import { type LocalHub, startLocalHub } from "@pincer/hub";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

// A multi-day run on machine A (`pincer intern`) uploads its session as it goes; A is killed
// outright; machine B (`pincer intern resume owner/name:id`) fetches it from the Hub and goes on
// with nothing lost, uploading the rest and consolidating it when it ends.

const token = "hf_e2e_intern_token_000000000000000";
const secret = "trainingsecret-do-not-upload-1234";
const repo = "ada/intern-runs";
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let hub: LocalHub;
let hubDir: string;
beforeAll(async () => {
  server = await startOpenAIServer();
  hubDir = mkdtempSync(join(tmpdir(), "pincer-e2e-intern-hub-"));
  hub = await startLocalHub({ dir: hubDir, token, user: "ada" });
});
afterAll(async () => {
  await server.close();
  await hub.close();
  rmSync(hubDir, { recursive: true, force: true });
});

const env = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url, TRAINING_API_KEY: secret });
type Body = { messages: Array<{ role: string; content: unknown; tool_calls?: Array<{ id: string }> }> };

/** The session files on the Hub (beside them, the repo's README.md is its dataset card). */
async function hubFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of listFiles({
    repo: { type: "dataset", name: repo },
    recursive: true,
    hubUrl: hub.url,
    accessToken: token,
  })) {
    if (entry.type !== "file" || !entry.path.startsWith("sessions/")) continue;
    const blob = await downloadFile({
      repo: { type: "dataset", name: repo },
      path: entry.path,
      hubUrl: hub.url,
      accessToken: token,
    });
    files.set(entry.path, await blob!.text());
  }
  return files;
}

describe("a run killed mid-way continues on another machine from the Hub", () => {
  it("pincer intern uploads while running, survives SIGKILL, and intern resume goes on with the earlier messages", async () => {
    const hubEnv = { HF_ENDPOINT: hub.url, HF_TOKEN: token };
    using machineA = sandbox({ ...env(), ...hubEnv });
    writeFileSync(join(machineA.cwd, "notes.txt"), `baseline accuracy 0.81\nkey=${secret}\n`);
    const from = server.requests.length;
    server.enqueue([
      { toolCalls: [{ id: "call_read", name: "read", arguments: { path: "notes.txt" } }] },
      { finish: "tool_calls" },
    ]);
    // The second model call never answers: the run is mid-way when it is killed.
    server.enqueue([{ text: "Training the next model…" }, { hang: true }]);
    const { child, done } = machineA.start([
      "intern",
      "improve the baseline",
      "--model",
      "openai/gpt-5",
      "--sessions-repo",
      repo,
    ]);
    await until(() => server.requests.length - from === 2, "both model calls");
    // The plugin's uploader sends what the session holds after the tool call, as a part.
    let afterCrash = new Map<string, string>();
    await until(
      async () => {
        afterCrash = await hubFiles().catch(() => new Map());
        return [...afterCrash.values()].join("").includes("baseline accuracy 0.81");
      },
      { message: "the first part on the Hub", intervalMs: 50 },
    );
    child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");

    const sessionsDir = join(machineA.env.PINCER_HOME!, "sessions");
    const [fileName] = readdirSync(sessionsDir);
    const sessionId = fileName!.replace(/\.jsonl$/, "");
    const header = JSON.parse(readFileSync(join(sessionsDir, fileName!), "utf8").split("\n")[0]!) as {
      createdAt: string;
    };
    // Machine A is gone, with its uploader: no consolidation, only the parts are on the Hub.
    const day = header.createdAt.slice(0, 10);
    expect([...afterCrash.keys()].every((path) => path.startsWith(`sessions/${day}/${sessionId}/part-`))).toBe(true);
    expect([...afterCrash.values()].join("")).not.toContain(secret);

    using machineB = sandbox({ ...env(), ...hubEnv });
    const resumedFrom = server.requests.length;
    server.enqueue([{ text: "Picked up where the run stopped: the baseline is 0.81." }, { finish: "stop" }]);
    const resumed = await machineB.run(["intern", "resume", `${repo}:${sessionId}`, "--model", "openai/gpt-5"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Fetched session ${sessionId} from ${hub.url}`);
    const request = server.requests[resumedFrom]!.body as Body;
    const roles = request.messages.map((message) => message.role);
    expect(roles.filter((role) => role !== "system")).toEqual(["user", "assistant", "tool", "user"]);
    expect(request.messages.find((message) => message.role === "user")?.content).toBe("improve the baseline");
    expect(request.messages.find((message) => message.role === "assistant")?.tool_calls?.[0]?.id).toBe("call_read");
    const toolResult = String(request.messages.find((message) => message.role === "tool")?.content);
    expect(toolResult).toContain("baseline accuracy 0.81");
    expect(toolResult).not.toContain(secret);

    // Machine B's uploader went on with the same session and consolidated it when the run ended.
    const final = await hubFiles();
    expect([...final.keys()]).toEqual([`sessions/${day}/${sessionId}.jsonl`]);
    const consolidated = final.get(`sessions/${day}/${sessionId}.jsonl`)!;
    expect(consolidated).toContain("improve the baseline");
    expect(consolidated).toContain("Picked up where the run stopped");
    expect(consolidated).not.toContain(secret);
  }, 60_000);
});
