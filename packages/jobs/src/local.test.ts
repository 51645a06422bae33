import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { missingModules } from "./dependencies.js";
import { unconfinedLauncher } from "./launcher.js";
import { LocalJobRunner } from "./local.js";
import type { Job } from "./types.js";

// The runner's own behaviour, with plain processes; the OS sandbox around jobs is tested where it
// lives (@pincer/host job-launcher.test.ts) and end to end through the CLI.
const launcher = unconfinedLauncher({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" });

// Real Python: Debian's interpreter with Debian's torch, scikit-learn, pandas and numpy
// (`.ci/run` installs them). A missing one fails the test that needs it, with the fix, instead of
// skipping: these tests are the ML intern's only proof that training runs.
const PYTHON = "/usr/bin/python3";

async function requireModules(...packages: [module: string, debian: string][]): Promise<void> {
  const missing = await missingModules(
    PYTHON,
    packages.map(([module]) => module),
  );
  if (missing.length > 0) {
    const debs = packages.filter(([module]) => missing.includes(module)).map(([, deb]) => deb);
    throw new Error(
      `${PYTHON} lacks ${missing.join(", ")}: install them with \`apt-get install -y ${debs.join(" ")}\``,
    );
  }
}

/** Whether a pid names a live process (a zombie waiting to be reaped counts as gone). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

async function firstLineMatching(job: Job, pattern: RegExp): Promise<string> {
  for await (const line of job.logs()) if (pattern.test(line)) return line;
  throw new Error(`no line matched ${pattern}; tail:\n${job.tail().join("\n")}`);
}

// PINCER_TEST_TIMEOUT_SCALE (as @pincer/testing's until() reads it): a loaded machine stretches
// the deadlines below, which wait on work whose speed is the machine's (a Python start).
const scale = Number(process.env.PINCER_TEST_TIMEOUT_SCALE) > 0 ? Number(process.env.PINCER_TEST_TIMEOUT_SCALE) : 1;

let dir: string;
let runner: LocalJobRunner;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-jobs-"));
  runner = new LocalJobRunner({ dir, killGraceMs: 500, launcher });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("LocalJobRunner: training", () => {
  it("trains a small MLP with torch on the CPU; the loss falls and the JSON metric lines are parsed", async () => {
    await requireModules(["torch", "python3-torch"]);
    const job = await runner.run({
      dependencies: ["torch", "numpy"],
      timeoutMs: 60_000,
      script: `
import json, torch
torch.manual_seed(0)
torch.set_num_threads(2)
# Two interleaved half-moons would need sklearn; a radial rule is enough to need a hidden layer.
x = torch.randn(512, 2)
y = ((x ** 2).sum(dim=1) < 1.0).long()
model = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = torch.nn.CrossEntropyLoss()
print("training on", x.shape[0], "examples")
for step in range(1, 301):
    opt.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    opt.step()
    if step % 20 == 0 or step == 1:
        acc = (logits.argmax(dim=1) == y).float().mean().item()
        print(json.dumps({"step": step, "loss": round(loss.item(), 5), "accuracy": round(acc, 4)}))
`,
    });
    const result = await job.wait();
    expect(result.status, result.tail.join("\n")).toBe("completed");
    expect(result.exitCode).toBe(0);
    const losses = result.metrics.filter((point) => "loss" in point.values).map((point) => point.values.loss!);
    expect(losses.length).toBe(16);
    expect(result.metrics[0]!.values.step).toBe(1);
    expect(result.metrics.at(-1)!.values.step).toBe(300);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 3);
    expect(result.metrics.at(-1)!.values.accuracy).toBeGreaterThan(0.9);
    expect(job.metrics).toEqual(result.metrics);
    // The same job from the files alone, as another process sees it.
    const stored = await new LocalJobRunner({ dir, launcher }).get(job.id);
    expect(stored?.status).toBe("completed");
    expect(stored?.metrics).toEqual(result.metrics);
    expect(readFileSync(join(dir, job.id, "script.py"), "utf8")).toContain("torch.nn.Sequential");
  }, 60_000);

  it("fits a scikit-learn model on a pandas frame; key=value lines are metrics", async () => {
    await requireModules(["sklearn", "python3-sklearn"], ["pandas", "python3-pandas"]);
    const job = await runner.run({
      dependencies: ["scikit-learn", "pandas"],
      timeoutMs: 60_000,
      args: ["--c", "1.0"],
      script: `
import sys
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
c = float(sys.argv[sys.argv.index("--c") + 1])
x, y = make_classification(n_samples=600, n_features=8, n_informative=5, random_state=0)
frame = pd.DataFrame(x).assign(label=y)
train, test = train_test_split(frame, test_size=0.25, random_state=0)
model = LogisticRegression(C=c, max_iter=500).fit(train.drop(columns="label"), train.label)
print(f"C={c} train_accuracy={model.score(train.drop(columns='label'), train.label):.4f}")
print(f"epoch 1 ... accuracy: {model.score(test.drop(columns='label'), test.label):.4f}")
`,
    });
    const result = await job.wait();
    expect(result.status, result.tail.join("\n")).toBe("completed");
    expect(result.metrics[0]!.values).toMatchObject({ c: 1 });
    expect(result.metrics[0]!.values.train_accuracy).toBeGreaterThan(0.7);
    expect(result.metrics[1]!.values.epoch).toBe(1);
    expect(result.metrics[1]!.values.accuracy).toBeGreaterThan(0.7);
  }, 60_000);
});

describe("LocalJobRunner: failures", () => {
  it("reports a crash with its exit code, the exception and the last 50 lines", async () => {
    const job = await runner.run({
      timeoutMs: 20_000,
      script: `
for i in range(80):
    print(f"line {i}")
raise ValueError("the labels have 3 classes but the head has 2")
`,
    });
    const result = await job.wait();
    expect(result.status).toBe("failed");
    expect(result.exitCode).toBe(1);
    expect(result.error).toBe(
      "The script exited with code 1: ValueError: the labels have 3 classes but the head has 2.",
    );
    expect(result.tail).toHaveLength(50);
    expect(result.tail.at(-1)).toBe("ValueError: the labels have 3 classes but the head has 2");
    expect(result.tail).toContain("Traceback (most recent call last):");
    expect(job.tail(3)).toEqual(result.tail.slice(-3));
    const stored = await new LocalJobRunner({ dir, launcher }).get(job.id);
    expect(stored?.tail(50)).toEqual(result.tail);
    expect(JSON.parse(readFileSync(join(dir, job.id, "status.json"), "utf8"))).toMatchObject({
      status: "failed",
      exitCode: 1,
    });
  });

  it("kills a job past its timeout, process group and all, even when the script ignores SIGTERM", async () => {
    // Long enough for Python to start and print on a busy machine: cut short, it printed nothing.
    const timeoutMs = Math.round(5000 * scale);
    const job = await runner.run({
      timeoutMs,
      script: `
import signal, subprocess, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(["sleep", "300"])
print(f"child pid={child.pid}")
print("working")
time.sleep(300)
`,
    });
    const childPid = Number((await firstLineMatching(job, /^child pid=/)).split("=")[1]);
    expect(processAlive(childPid)).toBe(true);
    const started = Date.now();
    const result = await job.wait();
    expect(result.status).toBe("timed_out");
    expect(result.signal).toBe("SIGKILL");
    expect(result.error).toContain(`Timed out after ${timeoutMs} ms`);
    expect(result.tail).toEqual([`child pid=${childPid}`, "working"]);
    expect(Date.now() - started).toBeLessThan(timeoutMs + 10_000 * scale);
    // The child dies with its group; how soon the kernel reaps it is the machine's business.
    await expect.poll(() => processAlive(childPid), { timeout: 15_000 * scale }).toBe(false);
  });

  it.each(["prlimit", "ulimit"] as const)("reports a memory hog under its limit as oom (%s)", async (limiter) => {
    const limited = new LocalJobRunner({ dir, memoryLimiter: limiter, launcher });
    expect(limited.memoryLimiter).toBe(limiter);
    const job = await limited.run({
      timeoutMs: 20_000,
      memoryMb: 256,
      script: `
chunks = []
while True:
    chunks.append(bytearray(32 * 1024 * 1024))
    print(f"allocated_mb={len(chunks) * 32}")
`,
    });
    const result = await job.wait();
    expect(result.status, result.tail.join("\n")).toBe("oom");
    expect(result.error).toMatch(/^Out of memory: the script ran over its 256 MiB memory limit/);
    expect(result.error).toContain(`(address space, set with ${limiter})`);
    expect(result.error).toContain("MemoryError");
    expect(result.metrics.at(-1)!.values.allocated_mb).toBeLessThanOrEqual(256);
  });

  it("fails fast on a missing package, naming it and how to install it", async () => {
    const job = await runner.run({
      dependencies: ["pincer-no-such-package>=1.0", "numpy"],
      timeoutMs: 20_000,
      script: "print('never runs')",
    });
    expect(job.status).toBe("failed");
    const result = await job.wait();
    expect(result.exitCode).toBeNull();
    expect(result.error).toContain("Missing Python package for /usr/bin/python3; the script was not started");
    expect(result.error).toContain(
      "pincer-no-such-package (module pincer_no_such_package): apt-get install python3-pincer-no-such-package (Debian) or pip install pincer-no-such-package",
    );
    expect(result.error).not.toContain("numpy");
    expect(result.tail).not.toContain("never runs");
  });

  it("fails clearly when the interpreter does not exist", async () => {
    const missing = new LocalJobRunner({ dir, python: join(dir, "no-python"), launcher });
    const result = await (await missing.run({ script: "print(1)", timeoutMs: 5000 })).wait();
    expect(result.status).toBe("failed");
    expect(result.error).toContain(`Could not start ${join(dir, "no-python")}`);
  });
});

describe("LocalJobRunner: control and storage", () => {
  it("cancels a running job; its log so far stays readable", async () => {
    const job = await runner.run({
      timeoutMs: 30_000,
      script: `
import time
for i in range(300):
    print(f"tick {i}")
    time.sleep(0.05)
`,
    });
    await firstLineMatching(job, /^tick 3$/);
    expect(job.status).toBe("running");
    await job.cancel();
    expect(job.status).toBe("cancelled");
    const lines: string[] = [];
    for await (const line of job.logs()) lines.push(line);
    expect(lines.slice(0, 4)).toEqual(["tick 0", "tick 1", "tick 2", "tick 3"]);
    expect(lines.length).toBeLessThan(100);
    expect((await job.wait()).error).toBe("Cancelled; the process group was stopped.");
  });

  it("lists, follows and cancels a job from another runner over the same directory", async () => {
    const job = await runner.run({
      timeoutMs: 30_000,
      script: `
import os, time
print("job", os.environ["PINCER_JOB_ID"], "in", os.getcwd() == os.environ["PINCER_JOB_DIR"])
for i in range(600):
    print(f"step={i}")
    time.sleep(0.05)
`,
    });
    const other = new LocalJobRunner({ dir, killGraceMs: 500, launcher });
    const listed = await other.list();
    expect(listed.map((entry) => entry.id)).toEqual([job.id]);
    expect(listed[0]!.status).toBe("running");
    const seen = await other.get(job.id);
    expect(seen).toBeDefined();
    const followed: string[] = [];
    for await (const line of seen!.logs()) {
      followed.push(line);
      if (line === "step=2") break;
    }
    expect(followed[0]).toBe(`job ${job.id} in True`);
    expect(seen!.metrics.length).toBeGreaterThanOrEqual(3);
    await seen!.cancel();
    expect(seen!.status).toBe("cancelled");
    expect((await job.wait()).status).toBe("cancelled");
    expect(await other.get("../etc")).toBeUndefined();
    expect(await other.get("nope")).toBeUndefined();
  });

  it("runs a script file in place with its arguments and environment", async () => {
    const { writeFileSync } = await import("node:fs");
    const project = mkdtempSync(join(tmpdir(), "pincer-jobs-project-"));
    try {
      writeFileSync(join(project, "helper.py"), "GREETING = 'hello'\n");
      writeFileSync(
        join(project, "train.py"),
        "import os, sys\nfrom helper import GREETING\nprint(GREETING, sys.argv[1:], os.environ['RUN_NAME'])\n",
      );
      const job = await runner.run({
        scriptPath: join(project, "train.py"),
        args: ["--epochs", "2"],
        env: { RUN_NAME: "r1" },
        cwd: project,
        timeoutMs: 20_000,
      });
      const result = await job.wait();
      expect(result.status, result.tail.join("\n")).toBe("completed");
      expect(result.tail).toEqual(["hello ['--epochs', '2'] r1"]);
      expect(existsSync(join(dir, job.id, "script.py"))).toBe(true);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
