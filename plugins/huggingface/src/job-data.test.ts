import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Hub } from "./hub.js";
import { jobDataFields } from "./job-data.js";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_job_data_user_token";
const fx = localHubPlugin({ token, name: "job-data" });

describe("what a job reaches on Hugging Face", () => {
  const hub = { isPublic: true } as Hub;
  const ctx = { env: { get: (name: string) => (name === "HF_TOKEN" ? token : undefined) } } as never;

  it("passes the user's HF_TOKEN only when the call names repos", async () => {
    expect(await jobDataFields({ env: { LR: "0.1" }, args: ["-v"] }, ctx, hub)).toEqual({
      environment: { LR: "0.1" },
      arguments: ["-v"],
    });
    expect(await jobDataFields({ repos: [{ id: "ada/data", type: "dataset" }] }, ctx, hub)).toMatchObject({
      secrets: { HF_TOKEN: token },
    });
  });

  it("refuses inputs, outputs and Pincer's own variables, saying what to do instead", async () => {
    await expect(jobDataFields({ inputs: ["train.csv"] }, ctx, hub)).rejects.toThrow(
      /upload the inputs to a dataset repo/,
    );
    await expect(jobDataFields({ outputs: "out" }, ctx, hub)).rejects.toThrow(/push its results to a repo/);
    for (const name of ["HF_TOKEN", "HF_ENDPOINT", "PINCER_OUTPUTS", "LD_PRELOAD", "PATH"]) {
      await expect(jobDataFields({ env: { [name]: "x" } }, ctx, hub), name).rejects.toThrow(/is set by Pincer/);
    }
    await expect(jobDataFields({ env: { "A B": "x" } }, ctx, hub)).rejects.toThrow(/not an environment variable name/);
  });
});

describe.skipIf(!existsSync("/usr/bin/python3"))("a local job's data, end to end in the plugin", () => {
  it("env, args and workspace inputs in; its outputs copied into the workspace folder when it ends", async () => {
    const workspace = fx.plugin.cwd;
    mkdirSync(join(workspace, "data", "more"), { recursive: true });
    writeFileSync(join(workspace, "data", "train.csv"), "x,y\n1,2\n");
    writeFileSync(join(workspace, "data", "more", "test.csv"), "x,y\n3,4\n");
    writeFileSync(join(workspace, "config.json"), '{"lr": 0.1}');
    const script = [
      "import json, os, sys",
      "inputs = os.environ['PINCER_INPUTS']",
      "rows = open(os.path.join(inputs, 'data', 'train.csv')).read().splitlines()",
      "test = open(os.path.join(inputs, 'data', 'more', 'test.csv')).read().splitlines()",
      "config = json.load(open(os.path.join(inputs, 'config.json')))",
      "print(json.dumps({'rows': len(rows), 'test': len(test), 'lr': config['lr'], 'args': sys.argv[1:], 'seed': os.environ['SEED']}))",
      "out = os.environ['PINCER_OUTPUTS']",
      "os.makedirs(os.path.join(out, 'model'))",
      "open(os.path.join(out, 'model', 'weights.bin'), 'wb').write(bytes(range(256)))",
      "open(os.path.join(out, 'metrics.json'), 'w').write(json.dumps({'accuracy': 0.9}))",
    ].join("\n");
    const result = await fx.plugin.runTool("hf_job_run", {
      script,
      timeoutSeconds: 60,
      env: { SEED: "7" },
      args: ["--epochs", "2"],
      inputs: ["data", "config.json"],
      outputs: "runs/first",
      wait: true,
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain('{"rows": 2, "test": 2, "lr": 0.1, "args": ["--epochs", "2"], "seed": "7"}');
    expect(text(result)).toMatch(/Outputs: 2 file\(s\), 273 B, copied into runs\/first\/\.$/);
    expect(readFileSync(join(workspace, "runs", "first", "model", "weights.bin"))).toEqual(
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    );
    expect(JSON.parse(readFileSync(join(workspace, "runs", "first", "metrics.json"), "utf8"))).toEqual({
      accuracy: 0.9,
    });
  });

  it("a hostile job's links in its outputs never reach the workspace; the rest is copied", async () => {
    const script = [
      "import os",
      "out = os.environ['PINCER_OUTPUTS']",
      "os.symlink('/etc/passwd', os.path.join(out, 'passwd'))",
      "os.symlink('/etc', os.path.join(out, 'etc'))",
      "os.symlink('../../..', os.path.join(out, 'up'))",
      "open(os.path.join(out, 'ok.txt'), 'w').write('fine')",
    ].join("\n");
    const result = await fx.plugin.runTool("hf_job_run", {
      script,
      timeoutSeconds: 60,
      outputs: "runs/hostile",
      wait: true,
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(
      /Outputs: 1 file\(s\), 4 B, copied into runs\/hostile\/\. Left out: etc \(a symbolic link/,
    );
    expect(text(result)).toContain("passwd (a symbolic link (links are never followed))");
    const folder = join(fx.plugin.cwd, "runs", "hostile");
    expect(readdirSync(folder)).toEqual(["ok.txt"]);
    expect(lstatSync(join(folder, "ok.txt")).isFile()).toBe(true);
  });

  it("refuses inputs and outputs outside the workspace before starting anything", async () => {
    for (const args of [
      { inputs: ["../outside.txt"] },
      { inputs: ["/etc/passwd"] },
      { inputs: ["missing.csv"] },
      { outputs: "../escape" },
      { outputs: "/tmp/escape" },
    ]) {
      const result = await fx.plugin.runTool("hf_job_run", { script: "print(1)", ...args });
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(text(result)).toMatch(/must be a relative path inside the workspace|does not exist in the workspace/);
    }
  });
});
