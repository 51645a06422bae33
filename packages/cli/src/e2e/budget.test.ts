import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { jsonLines, sandbox } from "./run-cli.js";

// A local Hub prices every flavor but its default at Hugging Face's list price (the runner itself
// is free), so a paid job's estimate, the budget and the real job run all play out on this machine.
const token = "hf_e2e_budget_token";
const fx = hubSessionFixture({ token, name: "budget" });

type Body = { messages: Array<{ role: string; content: unknown }> };
/** What the tools told the model, as the last request of the run carried it. */
const toolMessages = (from: number) =>
  ((fx.server.requests.slice(from).at(-1)?.body as Body | undefined)?.messages ?? [])
    .filter((m) => m.role === "tool")
    .map((m) => String(m.content));

const { env } = fx;

/** cpu-xl is $1.00/h: a job allowed `hours` costs an estimated `hours` dollars. */
function callJobs(...hours: number[]): void {
  hours.forEach((h, index) => {
    const args = { script: `print('job ${index}')`, flavor: "cpu-xl", timeoutSeconds: h * 3600, wait: true };
    fx.server.enqueue([
      { toolCalls: [{ id: `call_${index}`, name: "hf_job_run", arguments: args }] },
      { finish: "tool_calls" },
    ]);
  });
  fx.server.enqueue([{ text: "done" }, { finish: "stop" }]);
}

const run = (box: ReturnType<typeof sandbox>, extra: string[]) =>
  box.run(["-p", "train it", "--model", "openai/gpt-5", "--output-format", "stream-json", ...extra]);

describe.skipIf(!existsSync("/usr/bin/python3"))("--budget: an unattended run's dollar cap", () => {
  it("without a budget, a paid job is denied headless and the denial shows the estimate", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    callJobs(2);
    const result = await run(box, []);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ permission_denials: [{ tool_name: "hf_job_run" }] });
    const [told] = toolMessages(from);
    expect(told).toMatch(
      /^Permission denied: hf_job_run needs approval \(estimated \$2\.00: cpu-xl at \$1\.00\/h × up to 2 h ≈ \$2\.00 \(Hugging Face's price/,
    );
    expect(told).toContain("--budget <usd>");
  });

  it("with --budget 5, a $2 job is approved and runs to its end", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    callJobs(2);
    const result = await run(box, ["--budget", "5"]);
    expect(result.code, result.stderr).toBe(0);
    const [told] = toolMessages(from);
    expect(told).toMatch(/it ended COMPLETED/);
    expect(told).toContain("job 0");
    expect(result.stderr).not.toContain("Spending passed");
    // The summary says what the run spent, by kind: the model, and the job as estimated.
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ spend: { job_usd: 2, budget_usd: 5 } });
    expect(result.stderr).toMatch(
      /Spent \$2\.\d\d of a \$5\.00 budget: model \$\d+\.\d\d, job \$2\.00 \(calls as estimated\)/,
    );
  });

  it("a subagent spends from the run's budget: its $2 job is approved under --budget 5", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    const job = { script: "print('sub job')", flavor: "cpu-xl", timeoutSeconds: 7200, wait: true };
    const task = { description: "train", prompt: "run the training job" };
    fx.server.enqueue([{ toolCalls: [{ id: "call_task", name: "task", arguments: task }] }, { finish: "tool_calls" }]);
    fx.server.enqueue([
      { toolCalls: [{ id: "call_job", name: "hf_job_run", arguments: job }] },
      { finish: "tool_calls" },
    ]);
    fx.server.enqueue([{ text: "trained" }, { finish: "stop" }]);
    fx.server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const result = await run(box, ["--budget", "5"]);
    expect(result.code, result.stderr).toBe(0);
    // The subagent's second request carries its job's result: approved by the parent's budget, run.
    const sub = (fx.server.requests[from + 2]!.body as Body).messages.filter((m) => m.role === "tool");
    expect(String(sub[0]?.content)).toMatch(/it ended COMPLETED/);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "done", permission_denials: [] });
  });

  it("denies the job that would pass the cap, saying the cap, the spending and --budget", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    callJobs(2, 2);
    const result = await run(box, ["--budget", "3"]);
    expect(result.code).toBe(1);
    const [first, second] = toolMessages(from);
    expect(first).toMatch(/it ended COMPLETED/);
    expect(second).toBe(
      "Permission denied: hf_job_run would cost an estimated $2.00 (cpu-xl at $1.00/h × up to 2 h ≈ $2.00 (Hugging Face's price; the local Hub at " +
        `${fx.hub.url} rehearses it here)), and this run has spent $2.00 of its $3.00 budget; raise the cap with --budget <usd> to let it run. Do not retry this call; choose a cheaper approach or ask the user.`,
    );
  });

  it("an allow rule does not bypass --budget: a $72 GPU job on the local runner is refused, the run goes on", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    const gpu = { script: "print('expensive')", flavor: "h100x8", timeoutSeconds: 7200, wait: true };
    const cheap = { script: "print('cheap')", flavor: "cpu-xl", timeoutSeconds: 3600, wait: true };
    fx.server.enqueue([
      { toolCalls: [{ id: "call_gpu", name: "hf_job_run", arguments: gpu }] },
      { finish: "tool_calls" },
    ]);
    fx.server.enqueue([
      { toolCalls: [{ id: "call_cpu", name: "hf_job_run", arguments: cheap }] },
      { finish: "tool_calls" },
    ]);
    fx.server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const result = await run(box, ["--budget", "5", "--allowedTools", "hf_job_run"]);
    expect(result.code).toBe(1);
    const [expensive, ran] = toolMessages(from);
    expect(expensive).toMatch(
      /^Permission denied: hf_job_run would cost an estimated \$72\.00 \(h100x8 at \$36\.00\/h × up to 2 h.*this run has spent \$0\.00 of its \$5\.00 budget/,
    );
    expect(ran).toMatch(/it ended COMPLETED/);
    expect(ran).toContain("cheap");
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ permission_denials: [{ tool_name: "hf_job_run" }] });
  });

  it("warns on stderr as spending passes $5", async () => {
    using box = sandbox(env());
    callJobs(3, 3);
    const result = await run(box, ["--budget", "20"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Spending passed \$5\.00: \$6\.00 so far of a \$20\.00 budget/);
  });

  it("refuses a budget that is not a positive number, with exit code 2", async () => {
    using box = sandbox(env());
    for (const value of ["abc", "0", "-3"]) {
      const result = await box.run(["-p", "hi", "--model", "openai/gpt-5", "--budget", value]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--budget must be a positive number of US dollars, e.g. --budget 20");
    }
  });
});
