import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { sandbox } from "./run-cli.js";

const token = "hf_e2e_intern_token_42";
const fx = hubSessionFixture({ token, name: "intern-hub" });

type Body = { messages: Array<{ role: string; content: unknown }> };
const toolMessages = (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
const { env } = fx;
const callTool = (id: string, name: string, args: Record<string, unknown>) =>
  fx.server.enqueue([{ toolCalls: [{ id, name, arguments: args }] }, { finish: "tool_calls" }]);

describe("pincer intern, unattended, when things go wrong", () => {
  it("refuses to start when its model's key is missing: before a Hub is reached or a session uploaded", async () => {
    const { OPENAI_API_KEY: _, ...withoutKey } = env();
    using box = sandbox(withoutKey);
    const from = fx.server.requests.length;
    const result = await box.run(["intern", "train a classifier", "--model", "openai/gpt-5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OPENAI_API_KEY is not set: openai/gpt-5 needs it");
    expect(result.stdout).toBe("");
    expect(fx.server.requests.length).toBe(from);
    expect(existsSync(`${box.env.PINCER_HOME}/sessions`)).toBe(false);
  });

  it("is a plugin's command: listed in pincer --help, its own --help, and usage mistakes exit 2 before any model call", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    const help = await box.run(["--help"]);
    expect(help.stdout).toContain("pincer intern <task|run|resume|demo>");
    expect(help.stdout).toContain("(@pincer/plugin-ml-intern)");
    const own = await box.run(["intern", "--help"]);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain("pincer intern run <pipeline.yaml>");
    expect(own.stdout).toMatch(/--sessions-repo <owner\/name>/);
    for (const [args, message] of [
      [[], "Say what to do, in quotes"],
      [["train", "--max-calls", "0"], "--max-calls must be a positive integer."],
      [["train", "--sessions-repo", "not a repo"], '--sessions-repo must be owner/name, not "not a repo".'],
      [["train", "--runner", "cloud"], "--runner"],
      [["train", "--max-cals", "3"], "--max-calls"],
    ] as const) {
      const wrong = await box.run(["intern", ...args, "--model", "openai/gpt-5"]);
      expect(wrong.code, wrong.stderr).toBe(2);
      expect(wrong.stderr).toContain(message);
    }
    expect(fx.server.requests.length).toBe(from);
  });

  it("an unfinished plan: the engineer is sent back once; still unfinished, the run exits 3 saying which steps", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    const plan = (done: number) => ({
      todos: ["read the paper", "train", "publish"].map((content, index) => ({
        content,
        status: index < done ? "completed" : "pending",
      })),
    });
    callTool("call_plan", "todo", plan(1));
    fx.server.enqueue([{ text: "I have read the paper. That is all for now." }, { finish: "stop" }]);
    // Sent back, it answers in words again: the plan stays where it was.
    fx.server.enqueue([{ text: "Training would take too long." }, { finish: "stop" }]);
    const result = await box.run(["intern", "reproduce the paper", "--model", "openai/gpt-5", "--no-upload"]);
    expect(result.code, result.stderr).toBe(3);
    expect(fx.server.requests.length - from).toBe(3);
    const back = (fx.server.requests.at(-1)!.body as Body).messages.at(-1) as { content: string };
    expect(back.content).toContain("your plan is not finished: 2 steps still open.\n- [ ] train\n- [ ] publish");
    expect(result.stderr).toContain("↻ the plan is not finished (2 of 3 steps open): back to work");
    expect(result.stdout).toMatch(/^! finished with 1 problem/);
    expect(result.stdout).toContain("✗ plan: 2 of 3 steps not done after 2 turns: train; publish");
    expect(result.stdout).toContain("continue: fix what is above, then pincer intern resume");

    // Sent back, it finishes the plan: a clean exit, and --output-format json gives the report as one result.
    const again = fx.server.requests.length;
    callTool("call_plan2", "todo", plan(1));
    fx.server.enqueue([{ text: "Paper read." }, { finish: "stop" }]);
    callTool("call_plan3", "todo", plan(3));
    fx.server.enqueue([{ text: "Trained and published." }, { finish: "stop" }]);
    const done = await box.run([
      "intern",
      "reproduce it",
      "-m",
      "openai/gpt-5",
      "--no-upload",
      "--output-format",
      "json",
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(fx.server.requests.length - again).toBe(4);
    const line = JSON.parse(done.stdout.trim()) as { exit_code: number; is_error: boolean; result: string };
    expect(line).toMatchObject({ type: "result", command: "intern", exit_code: 0, is_error: false });
    expect(line.result).toMatch(/^✓ finished in/);
  });

  it("a crashing training job: its exit code and log tail reach the model, the run ends saying so, and another machine resumes it", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    callTool("call_job", "hf_job_run", {
      script: "print('loading data', flush=True)\nraise ValueError(\"train.csv has no column 'label'\")",
      wait: true,
      timeoutSeconds: 120,
    });
    fx.server.enqueue([{ text: "The training job crashed: train.csv has no label column." }, { finish: "stop" }]);
    const result = await box.run(["intern", "train a classifier", "--model", "openai/gpt-5"]);
    // The engineer ended its turn, but the training it needed failed: exit 3, not success.
    expect(result.code, result.stderr).toBe(3);
    const seen = toolMessages(fx.server.requests.at(-1)!.body as Body).join("\n");
    expect(fx.server.requests.length - from).toBe(2);
    expect(seen).toContain("Exit code: 1");
    expect(seen).toContain("ValueError: train.csv has no column 'label'");

    expect(result.stdout).toContain("! the last run (hf_job_run) failed, and no later run succeeded:");
    expect(result.stdout).toMatch(/job: +\S+ \(ERROR\)/);
    // The session went to the user's private dataset, with the token redacted.
    const url = /uploaded: (\S+)/.exec(result.stdout)?.[1];
    expect(url).toMatch(new RegExp(`^${fx.hub.url}/datasets/ada/pincer-intern-sessions/blob/main/sessions/`));
    const raw = await fetch(url!.replace("/blob/", "/resolve/"), { headers: { Authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(200);
    const uploaded = await raw.text();
    expect(uploaded).toContain("train.csv has no column");
    expect(uploaded).not.toContain(token);
    const info = (await (
      await fetch(`${fx.hub.url}/api/datasets/ada/pincer-intern-sessions`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json()) as { private?: boolean };
    expect(info.private).toBe(true);

    // Another machine (a fresh PINCER_HOME) continues the run from the Hub.
    using other = sandbox(env());
    const sessionId = /session: +(\d{8}-\d{6}-\w+)/.exec(result.stdout)?.[1];
    fx.server.enqueue([{ text: "Resumed: the label column needs mapping first." }, { finish: "stop" }]);
    const resumed = await other.run(["intern", "resume", `ada/pincer-intern-sessions:${sessionId}`, "--no-upload"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Fetched session ${sessionId} from ${fx.hub.url}`);
    expect(resumed.stderr).toContain("model:    openai/gpt-5");
    const body = fx.server.requests.at(-1)!.body as Body;
    expect(toolMessages(body).join("\n")).toContain("ValueError: train.csv has no column 'label'");
    expect(String(body.messages.at(-1)!.content)).toContain("Continue the task from where this session stopped.");
  }, 120_000);

  it("a budget exhausted mid-run: stops with the reason, keeps the session and says how to resume", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    // Within $1: a CPU job on the local runner, priced as Hugging Face would ($0.03/h × 10 min).
    callTool("call_cheap", "hf_job_run", {
      script: "import json\nprint(json.dumps({'loss': 0.5}))",
      flavor: "cpu-upgrade",
      timeoutSeconds: 600,
      wait: true,
    });
    // Over it: two hours of an A10G.
    callTool("call_gpu", "hf_job_run", { script: "print('train')", flavor: "a10g-large", timeoutSeconds: 7200 });
    const result = await box.run([
      "intern",
      "fine-tune on a GPU",
      "--model",
      "openai/gpt-5",
      "--runner",
      "hf",
      "--budget",
      "1",
      "--no-upload",
    ]);
    expect(result.code, result.stdout).toBe(1);
    // Nothing after the refused call: the run stopped there rather than let the model wander on.
    expect(fx.server.requests.length - from).toBe(2);
    expect(result.stdout).toContain("✗ stopped: the budget ran out: hf_job_run would cost an estimated $3.00");
    expect(result.stdout).toMatch(/job: +\S+ \(COMPLETED\)/);
    const sessionId = /session: +(\d{8}-\d{6}-\w+)/.exec(result.stdout)?.[1];
    expect(result.stdout).toContain(`continue: pincer intern resume ${sessionId} --budget <more dollars>`);
    expect(result.stdout).toContain("uploaded: no (kept on this machine only)");
    const file = /session: +\S+ \((\S+\.jsonl)\)/.exec(result.stdout)?.[1];
    expect(file && existsSync(file)).toBe(true);
    const saved = readFileSync(file!, "utf8");
    expect(saved).toContain("call_cheap");
    expect(saved).toContain("COMPLETED");
  }, 120_000);
});
