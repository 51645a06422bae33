import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { estimateJob, isLoopback, JOB_FLAVORS, unknownFlavor } from "./flavors.js";
import { jsonMetrics } from "./job-follow.js";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_jobs_test_token";

const fx = localHubPlugin({
  token,
  name: "jobs",
});

describe("job flavors and their cost", () => {
  it("prices a job as the hourly price × its timeout", () => {
    expect(estimateJob({ flavor: "a10g-small", timeoutSeconds: 7200, endpoint: "https://huggingface.co" })).toEqual({
      usd: 2,
      summary: "a10g-small at $1.00/h × up to 2 h ≈ $2.00",
      category: "job",
    });
    // No timeout: the default 30 minutes.
    expect(estimateJob({ flavor: "h100x8", endpoint: "https://huggingface.co" })).toEqual({
      usd: 18,
      summary: "h100x8 at $36.00/h × up to 30 min ≈ $18.00",
      category: "job",
    });
    expect(estimateJob({ endpoint: "https://huggingface.co" })?.usd).toBeCloseTo(0.005);
    expect(estimateJob({ flavor: "b200", endpoint: "https://huggingface.co" })).toBeUndefined();
  });

  it("on a local Hub, the default flavor is this machine ($0); others keep Hugging Face's price", () => {
    expect(estimateJob({ endpoint: "http://127.0.0.1:4000" })).toEqual({
      usd: 0,
      summary: "cpu-basic on the local Hub's runner (http://127.0.0.1:4000): this machine, $0",
      category: "job",
    });
    const rehearsed = estimateJob({ flavor: "cpu-xl", timeoutSeconds: 5400, endpoint: "http://localhost:4000" });
    expect(rehearsed?.usd).toBe(1.5);
    expect(rehearsed?.summary).toBe(
      "cpu-xl at $1.00/h × up to 1.5 h ≈ $1.50 (Hugging Face's price; the local Hub at http://localhost:4000 rehearses it here)",
    );
    expect(isLoopback("http://[::1]:80")).toBe(true);
    expect(isLoopback("https://hub.example.com")).toBe(false);
  });

  it("lists the known flavors when refusing an unknown one", () => {
    const message = unknownFlavor("b200");
    expect(message).toMatch(/^Unknown flavor "b200"\. Hugging Face Jobs flavors: cpu-basic \(\$0\.01\/h\), /);
    for (const flavor of JOB_FLAVORS) expect(message).toContain(flavor.name);
  });

  it("reads metrics from JSON lines only", () => {
    expect(jsonMetrics('{"step": 2, "loss": 0.25, "tag": "x"}')).toEqual({ step: 2, loss: 0.25 });
    expect(jsonMetrics("loss=0.5")).toBeUndefined();
    expect(jsonMetrics('{"note": "none"}')).toBeUndefined();
  });

  it("estimates in the plugin's sandbox, reading HF_ENDPOINT there", async () => {
    const run = (await fx.plugin.tools()).find((tool) => tool.name === "hf_job_run");
    if (!run) throw new Error("hf_job_run is missing");
    expect(await run.estimateCost?.({ script: "", flavor: "a10g-small", timeoutSeconds: 7200 }, fx.plugin.cwd)).toEqual(
      {
        usd: 2,
        summary: `a10g-small at $1.00/h × up to 2 h ≈ $2.00 (Hugging Face's price; the local Hub at ${fx.hub.url} rehearses it here)`,
        category: "job",
      },
    );
    expect(await run.estimateCost?.({ script: "" }, fx.plugin.cwd)).toMatchObject({ usd: 0 });
    expect(await run.estimateCost?.({ script: "", flavor: "b200" }, fx.plugin.cwd)).toBeUndefined();
    const flavorSchema = (run.parameters.properties as Record<string, { enum?: string[] }>).flavor;
    expect(flavorSchema?.enum).toContain("a100-large");
  });

  it("refuses an unknown flavor before starting anything", async () => {
    const refused = await fx.plugin.runTool("hf_job_run", { script: "print(1)", flavor: "b200" });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^Unknown flavor "b200"\. Hugging Face Jobs flavors: .*a10g-small \(\$1\.00\/h\)/);
  });
});

describe.skipIf(!existsSync("/usr/bin/python3"))("hf_job_run with wait: true on the local Hub", () => {
  it("follows the job to its end and returns status, exit code, metrics and log tail", async () => {
    const script = [
      "import json",
      "print('training starts')",
      "for step in range(1, 4):",
      "    print(json.dumps({'step': step, 'loss': round(1.0 / step, 3)}), flush=True)",
      "print('done')",
    ].join("\n");
    fx.plugin.updates.length = 0;
    const result = await fx.plugin.runTool("hf_job_run", { script, timeoutSeconds: 60, wait: true });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(/^Waited \d+s for job [\w.-]+; it ended COMPLETED\./);
    expect(text(result)).toContain("Exit code: 0");
    expect(text(result)).toContain('{"step":3,"loss":0.333}');
    expect(text(result)).toMatch(/Log tail:\n {2}training starts\n[\s\S]* {2}done$/);
    expect(fx.plugin.updates).toContain("training starts");
    expect(fx.plugin.updates).toContain("done");
    expect(result.details).toMatchObject({ finished: true, exitCode: 0, logLines: 5 });
  });

  it("gives a crashing script's exit code and traceback back as an error", async () => {
    const script = ["print('loading data')", "raise ValueError('labels column is missing')"].join("\n");
    const result = await fx.plugin.runTool("hf_job_run", { script, timeoutSeconds: 60, wait: true });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/it ended ERROR/);
    expect(text(result)).toContain("Exit code: 1");
    expect(text(result)).toContain("ValueError: labels column is missing");
    expect(text(result)).toContain("loading data");
  });

  it("stops following when the turn is aborted", async () => {
    const controller = new AbortController();
    const running = fx.plugin.runTool(
      "hf_job_run",
      { script: "import time\nprint('sleeping', flush=True)\ntime.sleep(30)", timeoutSeconds: 60, wait: true },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 1500);
    const started = Date.now();
    const result = await running;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.isError).toBe(true);
  });
});
