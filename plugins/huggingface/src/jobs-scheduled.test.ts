import { describe, expect, it } from "vitest";
import { imageField } from "./jobs-image.js";
import { estimateSchedule, runsInAWeek } from "./jobs-scheduled.js";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_scheduled_test_token";
const fx = localHubPlugin({ token, name: "scheduled" });

describe("container-image jobs", () => {
  it("reads an image or a Space, and refuses anything else", () => {
    expect(imageField("pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime")).toEqual({
      dockerImage: "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime",
    });
    expect(imageField("https://huggingface.co/spaces/ada/trainer")).toEqual({ spaceId: "ada/trainer" });
    expect(() => imageField("python:3.12; rm -rf /")).toThrow(/is not a Docker image/);
  });

  it("runs a Python command from an image on the local Hub, saying the image was not pulled", async () => {
    const result = await fx.plugin.runTool("hf_job_run_image", {
      image: "python:3.12",
      command: ["python", "-c", "import os; print('hello from', os.environ['STAGE'])"],
      env: { STAGE: "eval" },
      wait: true,
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain("it ended COMPLETED");
    expect(text(result)).toContain("hello from eval");
    const refused = await fx.plugin.runTool("hf_job_run_image", {
      image: "ubuntu:24.04",
      command: ["bash", "-c", "ls"],
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("This Hub runs no containers, so the image ubuntu:24.04 cannot run here");
  });
});

describe("scheduled jobs", () => {
  it("prices a schedule as its first week of runs", () => {
    expect(runsInAWeek("@daily")).toBe(7);
    expect(runsInAWeek("@hourly")).toBe(168);
    expect(runsInAWeek("0 3 * * 1")).toBe(1);
    expect(runsInAWeek("every day")).toBeUndefined();
    expect(
      estimateSchedule({ schedule: "@daily", flavor: "a10g-small", timeoutSeconds: 3600 }, "https://huggingface.co"),
    ).toEqual({
      usd: 7,
      summary:
        "7 runs in its first week × (a10g-small at $1.00/h × up to 1 h ≈ $1.00) ≈ $7.00; it goes on until suspended or deleted",
      category: "job",
    });
    expect(estimateSchedule({ schedule: "@hourly" }, "http://127.0.0.1:7358")?.usd).toBe(0);
  });

  it("estimates in the sandbox, creates, lists, suspends, resumes (with its cost) and deletes", async () => {
    const tools = await fx.plugin.tools();
    const create = tools.find((tool) => tool.name === "hf_scheduled_job_create");
    expect(
      await create?.estimateCost?.({ schedule: "@daily", flavor: "cpu-upgrade", timeoutSeconds: 3600 }, fx.plugin.cwd),
    ).toMatchObject({
      usd: 0.21,
    });
    const made = await fx.plugin.runTool("hf_scheduled_job_create", {
      schedule: "@daily",
      script: "print('nightly eval')",
      flavor: "cpu-basic",
      timeoutSeconds: 600,
    });
    expect(made.isError, text(made)).toBeFalsy();
    const id = (made.details as { id: string }).id;
    expect(text(made)).toMatch(
      new RegExp(`^Scheduled ${id}: @daily, cpu-basic, script; next run \\S+T00:00:00\\.000Z`),
    );
    expect(text(await fx.plugin.runTool("hf_scheduled_jobs", {}))).toContain(`${id}: @daily, cpu-basic, script`);
    const suspended = await fx.plugin.runTool("hf_scheduled_job_manage", { id, action: "suspend" });
    expect(text(suspended)).toContain(`Suspended: ${id}: @daily, cpu-basic, script; suspended`);
    const manage = tools.find((tool) => tool.name === "hf_scheduled_job_manage");
    expect(
      await manage?.estimateCost?.(
        { id, action: "resume", schedule: "@daily", flavor: "cpu-upgrade", timeoutSeconds: 3600 },
        fx.plugin.cwd,
      ),
    ).toMatchObject({ usd: 0.21 });
    // Resuming with another flavor than the job's would count the wrong cost: refused.
    const wrong = await fx.plugin.runTool("hf_scheduled_job_manage", {
      id,
      action: "resume",
      schedule: "@daily",
      flavor: "cpu-upgrade",
    });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toContain(
      `To resume ${id}, give its own schedule "@daily", flavor cpu-basic and timeoutSeconds 600`,
    );
    const resumed = await fx.plugin.runTool("hf_scheduled_job_manage", {
      id,
      action: "resume",
      schedule: "@daily",
      flavor: "cpu-basic",
      timeoutSeconds: 600,
    });
    expect(text(resumed)).toMatch(/^Resumed: .*next run/);
    expect(text(await fx.plugin.runTool("hf_scheduled_job_manage", { id, action: "delete" }))).toBe(
      `Deleted the scheduled job ${id}: it runs no more.`,
    );
    expect(text(await fx.plugin.runTool("hf_scheduled_jobs", {}))).toBe("No scheduled jobs.");
    const bad = await fx.plugin.runTool("hf_scheduled_job_create", { schedule: "sometimes", script: "print(1)" });
    expect(text(bad)).toMatch(/^"sometimes" is not a schedule/);
  });
});
