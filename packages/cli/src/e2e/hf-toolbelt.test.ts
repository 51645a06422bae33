import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, type Sandbox, sandbox } from "./run-cli.js";
import { type ScriptedSession, type Step, scriptedSession } from "./scripted-session.js";
import { type ServedHub, serveHub, stopHub } from "./served-hub.js";

// Every tool of the Hugging Face plugin, called by a scripted model in `pincer -p` sessions against
// a real `pincer hub serve` process (the built CLI, its own PINCER_HOME), checked twice: by what the
// tool told the model, and by what the Hub holds afterwards. `pincer hub serve` has no --user: a
// token's caller is "local", so everything lands under local/.

const token = "hf_e2e_toolbelt_token";
const MANIFEST = new URL("../../../../plugins/huggingface/pincer.plugin.json", import.meta.url);
const manifestTools = (JSON.parse(readFileSync(MANIFEST, "utf8")) as { contributes: { tools: string[] } }).contributes
  .tools;

let hub: ServedHub;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });
const json = async <T>(path: string): Promise<T> => {
  const res = await api(path);
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as T;
};

/** A commit through the Hub's NDJSON commit API, the way huggingface_hub writes files. */
async function commitFiles(repo: string, type: "model" | "dataset", files: Record<string, string>): Promise<void> {
  const created = await api("/api/repos/create", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: repo, type }),
  });
  expect(created.status).toBe(200);
  const lines = [
    { key: "header", value: { summary: "Seed", description: "" } },
    ...Object.entries(files).map(([path, content]) => ({
      key: "file",
      value: { path, content: Buffer.from(content).toString("base64"), encoding: "base64" },
    })),
  ];
  const res = await api(`/api/${type}s/local/${repo}/commit/main`, {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body: lines.map((line) => JSON.stringify(line)).join("\n"),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const TRAIN_CSV = "text,label\ngreat film,1\ndull plot,0\nloved it,1\n";
const TEST_CSV = "text,label\nnot bad,1\n";
const LORA_MD = [
  "---",
  'id: "2106.09685"',
  'title: "LoRA: Low-Rank Adaptation of Large Language Models"',
  "authors: [Edward J. Hu]",
  "publishedAt: 2021-06-17T00:00:00Z",
  "upvotes: 42",
  "---",
  "## Abstract",
  "",
  "We freeze the pretrained weights.",
  "",
  "## 4 Our Method",
  "",
  "We add a low-rank update $BA$ to each frozen weight matrix.",
  "",
].join("\n");
const QLORA = {
  id: "2305.14314",
  title: "QLoRA: Efficient Finetuning of Quantized LLMs",
  summary: "We finetune 4-bit quantized models with low-rank adapters.",
  authors: ["Tim Dettmers"],
  publishedAt: "2023-05-23T00:00:00Z",
  submittedOnDailyAt: "2021-06-17T00:00:00Z",
  upvotes: 99,
  references: ["2106.09685"],
};

beforeAll(async () => {
  // Papers go where the Hub reads them (`PINCER_HOME/hub/papers`), before it starts.
  hub = await serveHub(token, (hubDir) => {
    mkdirSync(join(hubDir, "papers"));
    writeFileSync(join(hubDir, "papers", "lora.md"), LORA_MD);
    writeFileSync(join(hubDir, "papers", "qlora.json"), JSON.stringify(QLORA));
  });
  // A dataset with CSV splits whose card cites LoRA, and a model to serve from an endpoint.
  await commitFiles("reviews", "dataset", {
    "README.md": "# Reviews\n\nLabels made for https://arxiv.org/abs/2106.09685 experiments.\n",
    "data/train.csv": TRAIN_CSV,
    "data/test.csv": TEST_CSV,
  });
  await commitFiles("tiny-model", "model", { "config.json": '{"model_type": "gpt2"}\n' });
});

afterAll(async () => {
  if (hub) {
    await stopHub(hub, "SIGTERM");
    hub.box[Symbol.dispose]();
  }
});

const called = new Set<string>();
async function session(box: Sandbox, steps: Step[], flags: string[] = []): Promise<ScriptedSession> {
  const ran = await scriptedSession(box, steps, { flags, env: { HF_ENDPOINT: hub.url, HF_TOKEN: token } });
  for (const call of ran.calls) called.add(call.name);
  return ran;
}

/** The files under `dir` whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => readFileSync(path).includes(text));
}

const texts = (s: ScriptedSession) => s.calls.map((call) => call.text);
/** Every call answered without an error, the run ended "done", and HF_TOKEN reached no output or session file. */
function expectClean(s: ScriptedSession, count: number, box: Sandbox): void {
  expect(s.result.code, s.result.stderr).toBe(0);
  expect(
    s.calls.filter((call) => call.isError),
    "no tool call failed",
  ).toEqual([]);
  expect(s.calls).toHaveLength(count);
  expect(jsonLines(s.result.stdout).at(-1)).toMatchObject({ is_error: false, result: "done" });
  expect(s.result.stdout + s.result.stderr).not.toContain(token);
  expect(filesContaining(box.home, token)).toEqual([]);
}

const WRITE_TOOLS = [
  "hf_create_repo",
  "hf_upload_file",
  "hf_upload_folder",
  "hf_create_branch",
  "hf_delete_branch",
  "hf_create_tag",
  "hf_create_pr",
  "hf_delete_file",
];

describe("pincer hub serve on SIGINT (Ctrl-C)", () => {
  it("exits 0 and removes its server.json", async () => {
    const other = await serveHub(token);
    try {
      expect(existsSync(join(other.dir, "server.json"))).toBe(true);
      expect(await stopHub(other, "SIGINT")).toMatchObject({ code: 0, signal: null });
      expect(existsSync(join(other.dir, "server.json"))).toBe(false);
    } finally {
      other.box[Symbol.dispose]();
    }
  });
});

describe("every Hugging Face tool in pincer -p against pincer hub serve", () => {
  it("serves with its server.json in place while it runs, readable by this user only (it holds the token)", () => {
    const info = JSON.parse(readFileSync(join(hub.dir, "server.json"), "utf8"));
    expect(info).toEqual({ url: hub.url, pid: hub.child.pid, token });
    expect(statSync(join(hub.dir, "server.json")).mode & 0o777).toBe(0o600);
  });

  it("repos, files and refs: create, upload (binary through LFS), list, read, branch, tag, PR, delete, download", async () => {
    using box = sandbox();
    // A trained model's output folder: a binary file, a note, and a cache that must stay home.
    const weights = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    mkdirSync(join(box.cwd, "out", ".cache"), { recursive: true });
    writeFileSync(join(box.cwd, "out", "model.bin"), weights);
    writeFileSync(join(box.cwd, "out", "notes.txt"), "lr 3e-4\n");
    writeFileSync(join(box.cwd, "out", ".cache", "junk"), "x");
    const repo = "local/toolbelt-model";
    const s = await session(
      box,
      [
        () => ["hf_hub_search", { kind: "dataset", query: "reviews" }],
        () => ["hf_create_repo", { name: "toolbelt-model" }],
        () => ["hf_upload_file", { repo, path: "README.md", content: "# Toolbelt model\n" }],
        () => ["hf_upload_folder", { repo, localPath: "out", pathInRepo: "weights" }],
        () => ["hf_repo_files", { repo }],
        () => ["hf_read_file", { repo, path: "README.md" }],
        () => ["hf_create_branch", { repo, branch: "experiment" }],
        () => ["hf_create_tag", { repo, tag: "v1.0", message: "first weights" }],
        () => ["hf_create_pr", { repo, title: "Add eval results", description: "Numbers to come." }],
        () => ["hf_list_refs", { repo }],
        () => ["hf_delete_branch", { repo, branch: "experiment" }],
        () => ["hf_delete_file", { repo, path: "weights/notes.txt" }],
        () => ["hf_download", { repo, localDir: "roundtrip" }],
        () => ["hf_download", { repo: "local/reviews", type: "dataset", patterns: ["*.csv"], localDir: "data" }],
      ],
      ["--permission-mode", "acceptEdits", "--allowedTools", ...WRITE_TOOLS],
    );
    expectClean(s, 14, box);
    const [search, create, upload, folder, files, read, branch, tag, pr, refs, delBranch, delFile, dlModel, dlData] =
      texts(s);
    expect(search).toMatch(/^1 dataset:\nlocal\/reviews/);
    expect(create).toContain(`Created model repo ${repo}`);
    expect(upload).toMatch(/^Uploaded README\.md \(\d+ B\) to local\/toolbelt-model in commit [0-9a-f]{12}/);
    expect(folder).toMatch(/^Uploaded 2 files \(.*, 1 through LFS\) to local\/toolbelt-model in commit/);
    expect(folder).toContain("Left out: weights/.cache");
    expect(files).toContain("3 files in local/toolbelt-model:");
    expect(files).toContain("weights/model.bin (4.0 KB, LFS)");
    expect(read).toBe("# Toolbelt model\n");
    expect(branch).toBe(`Created branch experiment in ${repo} from main. Upload to it with revision "experiment".`);
    expect(tag).toBe(`Tagged main of ${repo} as v1.0.`);
    expect(pr).toMatch(/^Opened draft pull request #1 on local\/toolbelt-model: .*\/discussions\/1\./);
    expect(refs).toMatch(/^Branches: .*experiment \([0-9a-f]{12}\)/);
    expect(refs).toMatch(/Tags: v1\.0 \([0-9a-f]{12}\)/);
    expect(refs).toContain("Open pull requests:\n#1 Add eval results (refs/pr/1, by local, draft)");
    expect(delBranch).toBe(`Deleted branch experiment of ${repo}.`);
    expect(delFile).toMatch(/^Deleted weights\/notes\.txt from local\/toolbelt-model in commit [0-9a-f]{12}\.$/);
    expect(dlModel).toMatch(
      /Downloaded 2 files \(.*\) of the model local\/toolbelt-model at main \(.*\) into \.\/roundtrip\./,
    );
    expect(dlData).toContain("./data/data/train.csv");
    expect(dlData).toMatch(/Downloaded 2 files .* of the dataset local\/reviews at main .* into \.\/data\./);

    // The workspace got the bytes, exactly.
    expect(readFileSync(join(box.cwd, "roundtrip", "weights", "model.bin")).equals(weights)).toBe(true);
    expect(readFileSync(join(box.cwd, "roundtrip", "README.md"), "utf8")).toBe("# Toolbelt model\n");
    expect(existsSync(join(box.cwd, "roundtrip", "weights", "notes.txt"))).toBe(false);
    expect(readFileSync(join(box.cwd, "data", "data", "train.csv"), "utf8")).toBe(TRAIN_CSV);
    expect(readFileSync(join(box.cwd, "data", "data", "test.csv"), "utf8")).toBe(TEST_CSV);

    // And the Hub holds what the tools said.
    const tree = await json<Array<{ path: string; type: string; lfs?: unknown }>>(
      `/api/models/${repo}/tree/main?recursive=true`,
    );
    expect(
      tree
        .filter((e) => e.type === "file")
        .map((e) => e.path)
        .sort(),
    ).toEqual(["README.md", "weights/model.bin"]);
    expect(tree.find((e) => e.path === "weights/model.bin")?.lfs).toBeTruthy();
    const served = await api(`/${repo}/resolve/main/weights/model.bin`);
    expect(Buffer.from(await served.arrayBuffer()).equals(weights)).toBe(true);
    const hubRefs = await json<{ branches: Array<{ name: string }>; tags: Array<{ name: string }> }>(
      `/api/models/${repo}/refs`,
    );
    expect(hubRefs.branches.map((b) => b.name)).toEqual(["main"]);
    expect(hubRefs.tags.map((t) => t.name)).toEqual(["v1.0"]);
    const prs = await json<{
      discussions: Array<{ num: number; title: string; isPullRequest: boolean; status: string }>;
    }>(`/api/models/${repo}/discussions?type=pull_request`);
    expect(prs.discussions).toMatchObject([{ num: 1, title: "Add eval results", isPullRequest: true }]);
  });

  it("datasets, papers and docs: inspect the CSV splits, find, read and rank papers, browse and search the docs", async () => {
    using box = sandbox();
    const s = await session(box, [
      () => ["hf_dataset_inspect", { dataset: "local/reviews", check: "classification" }],
      () => ["hf_papers_search", { query: "low-rank adaptation" }],
      () => ["hf_papers_details", { paper: "2106.09685" }],
      () => ["hf_papers_read", { paper: "arXiv:2106.09685", section: "method" }],
      () => ["hf_papers_trending", { date: "2021-06-17" }],
      () => ["hf_papers_linked", { paper: "https://huggingface.co/papers/2106.09685", kinds: ["datasets"] }],
      () => ["hf_docs_browse", {}],
      () => ["hf_docs_browse", { library: "peft" }],
      () => ["hf_docs_search", { query: "LoRA target_modules" }],
      () => ["hf_docs_fetch", { page: "peft/developer_guides/lora" }],
    ]);
    expectClean(s, 10, box);
    const [inspect, search, details, read, trending, linked, libraries, peft, docsHits, page] = texts(s);
    expect(inspect).toContain("Splits (default): train, test");
    expect(inspect).toContain("Columns (train): text: string, label: int64");
    expect(inspect).toContain("1. text=great film | label=1");
    expect(inspect).toContain(
      "Check classification: fits (classification: target label, 2 classes: 1 (2), 0 (1); inputs text).",
    );
    expect(search).toContain("2106.09685: LoRA: Low-Rank Adaptation of Large Language Models (2021-06-17)");
    expect(details).toMatch(
      /^2106\.09685: LoRA: Low-Rank Adaptation of Large Language Models\nAuthors: Edward J\. Hu\n/,
    );
    expect(details).toContain("Abstract:\nWe freeze the pretrained weights.");
    expect(read).toBe(
      "## 4 Our Method  (2106.09685, from Hugging Face Papers)\n\nWe add a low-rank update $BA$ to each frozen weight matrix.",
    );
    // The day's papers, most upvoted first.
    expect(trending).toMatch(
      /^Daily Papers on 2021-06-17 \(trending\):\n1\. 2305\.14314: QLoRA.*; 99 upvotes\n.*\n2\. 2106\.09685: LoRA.*; 42 upvotes/,
    );
    expect(linked).toBe("Citing 2106.09685 on the Hub:\nDatasets (1):\n  local/reviews (0 downloads)");
    expect(libraries).toMatch(/^\d+ documentation libraries:\n/);
    expect(libraries).toMatch(/^peft — .*\(1 pages?\)$/m);
    expect(peft).toMatch(/^The peft docs, 1 pages? \(from llms\.txt\):\ndeveloper_guides\/lora — LoRA/);
    expect(docsHits).toMatch(/sections? match "LoRA target_modules":\n\[peft\] LoRA.*\(peft\/developer_guides\/lora\)/);
    expect(page).toMatch(/^# LoRA\n/);
    expect(page).toContain("target_modules");
  });

  it("jobs: run one to its end and follow it by id; cancel a sleeping one and its process is gone", async () => {
    using box = sandbox();
    const train = [
      "import json",
      "for step in range(3):",
      '    print(json.dumps({"step": step, "loss": round(1 / (step + 1), 3)}))',
      'print("trained")',
    ].join("\n");
    const sleeper = 'import os, time\nprint(f"pid {os.getpid()}", flush=True)\ntime.sleep(120)';
    // The scripted model reads each job's id from hf_job_run's answer, as a model would.
    const idIn = (text: string | undefined) => /^Started job (\S+) \(/.exec(text ?? "")?.[1] ?? "missing-id";
    const s = await session(
      box,
      [
        () => ["hf_job_run", { script: train }],
        (r) => ["hf_job_logs", { id: idIn(r[0]) }],
        (r) => ["hf_job_status", { id: idIn(r[0]) }],
        () => ["hf_job_run", { script: sleeper, timeoutSeconds: 300 }],
        (r) => ["hf_job_logs", { id: idIn(r[3]), maxLines: 1 }],
        (r) => ["hf_job_cancel", { id: idIn(r[3]) }],
        (r) => ["hf_job_status", { id: idIn(r[3]) }],
        (r) => ["hf_job_wait", { id: idIn(r[0]) }],
      ],
      ["--allowedTools", "hf_job_run", "hf_job_cancel"],
    );
    expectClean(s, 8, box);
    const [started, logs, status, startedSleeper, firstLine, cancelled, cancelledStatus, waited] = texts(s);
    expect(waited).toMatch(/^Job \S+ had already ended COMPLETED .*nobody was waiting\.\n/);
    expect(waited).toContain("  trained");
    const trained = idIn(started);
    const slept = idIn(startedSleeper);
    expect(started).toMatch(/^Started job \S+ \(RUNNING, cpu-basic\)/);
    expect(logs).toBe(
      '{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.333}\ntrained\n[end of log]',
    );
    expect(status).toMatch(new RegExp(`^Job ${trained}: COMPLETED\n`));
    expect(status).toContain("Exit code: 0");
    expect(status).toContain("Metrics (last 3 of 3):");
    const pid = Number(/^pid (\d+)\n\[stopped at 1 lines; the job may still be running\]$/.exec(firstLine!)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(cancelled).toMatch(new RegExp(`^Cancelled\\. Job ${slept}: CANCELED`));
    expect(cancelledStatus).toMatch(new RegExp(`^Job ${slept}: CANCELED`));

    // The Hub agrees, and the script's process is gone.
    const jobs = await json<Array<{ id: string; status: { stage: string } }>>("/api/jobs/local");
    expect(Object.fromEntries(jobs.map((job) => [job.id, job.status.stage]))).toMatchObject({
      [trained]: "COMPLETED",
      [slept]: "CANCELED",
    });
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    // HF_TOKEN reached the jobs as a secret; the Hub kept its name, never its value.
    expect(filesContaining(join(hub.dir, "jobs"), token)).toEqual([]);
  });

  it("paper citations and similar papers; an image job and a scheduled job: create, list, suspend, delete", async () => {
    using box = sandbox();
    // The scripted model reads the scheduled job's id from the create tool's answer, as a model would.
    const idIn = (text: string | undefined) => /^Scheduled (\S+): /.exec(text ?? "")?.[1] ?? "missing-id";
    const s = await session(
      box,
      [
        () => ["hf_papers_citations", { paper: "2106.09685" }],
        () => ["hf_papers_similar", { paper: "2106.09685" }],
        () => [
          "hf_job_run_image",
          { image: "python:3.12", command: ["python", "-c", "print('from the image')"], wait: true },
        ],
        () => ["hf_scheduled_job_create", { schedule: "@daily", script: "print('nightly eval')" }],
        () => ["hf_scheduled_jobs", {}],
        (r) => ["hf_scheduled_job_manage", { id: idIn(r[3]), action: "suspend" }],
        (r) => ["hf_scheduled_job_manage", { id: idIn(r[3]), action: "delete" }],
      ],
      ["--allowedTools", "hf_job_run_image", "hf_scheduled_job_create", "hf_scheduled_job_manage"],
    );
    expectClean(s, 7, box);
    const [citing, similar, image, scheduled, listed, suspended, deleted] = texts(s);
    expect(citing).toContain("Papers citing 2106.09685 (1–1):\n  2305.14314: QLoRA");
    expect(similar).toMatch(/^Papers like 2106\.09685:\n {2}2305\.14314: QLoRA/);
    expect(image).toContain("it ended COMPLETED");
    expect(image).toContain("from the image");
    const id = idIn(scheduled);
    expect(scheduled).toMatch(/^Scheduled \S+: @daily, cpu-basic, script; next run \S+T00:00:00\.000Z/);
    expect(listed).toMatch(new RegExp(`^1 scheduled job:\n${id}: @daily`));
    expect(suspended).toMatch(new RegExp(`^Suspended: ${id}: @daily, cpu-basic, script; suspended`));
    expect(deleted).toBe(`Deleted the scheduled job ${id}: it runs no more.`);
    expect((await api(`/api/scheduled-jobs/local/${id}`)).status).toBe(404);
  });

  it("experiment tracking: log two runs to a dataset, compare them, open the card's table and curves", async () => {
    using box = sandbox();
    writeFileSync(join(box.cwd, "metrics.jsonl"), '{"step": 0, "loss": 0.9}\n{"step": 1, "loss": 0.6}\n');
    const s = await session(
      box,
      [
        () => [
          "hf_track_log",
          { dataset: "local/tracking", project: "demo", run: "a", params: { lr: 0.1 }, metricsFile: "metrics.jsonl" },
        ],
        () => [
          "hf_track_log",
          { dataset: "local/tracking", project: "demo", run: "b", params: { lr: 0.01 }, metrics: [{ loss: 0.5 }] },
        ],
        () => ["hf_track_compare", { dataset: "local/tracking", project: "demo" }],
      ],
      ["--allowedTools", "hf_track_log"],
    );
    expectClean(s, 3, box);
    const [a, b, compared] = texts(s);
    expect(a).toMatch(/^Logged a \(new run\) to local\/tracking, project demo: 2 new steps/);
    expect(b).toContain("| b | 1 | 0.01 | **0.5** |");
    expect(compared).toContain("Best by loss (lower is better): b.");
    const svg = await api("/datasets/local/tracking/resolve/main/demo_curves.svg");
    expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    expect(await svg.text()).toContain("<polyline ");
  });

  it("Inference Endpoints: create, list, describe, pause and delete", async () => {
    using box = sandbox();
    const s = await session(
      box,
      [
        () => ["hf_endpoint_create", { name: "toolbelt-ep", repo: "local/tiny-model", instanceType: "nvidia-t4" }],
        () => ["hf_endpoint_info", {}],
        () => ["hf_endpoint_info", { name: "toolbelt-ep" }],
        () => ["hf_endpoint_manage", { name: "toolbelt-ep", action: "pause" }],
        () => ["hf_endpoint_manage", { name: "toolbelt-ep", action: "delete" }],
      ],
      ["--allowedTools", "hf_endpoint_create", "hf_endpoint_manage(pause *)", "hf_endpoint_manage(delete *)"],
    );
    expectClean(s, 5, box);
    const [created, listed, described, paused, deleted] = texts(s);
    expect(created).toContain("Created. Inference Endpoint local/toolbelt-ep: pending");
    expect(listed).toMatch(
      /^1 Inference Endpoint in local:\ntoolbelt-ep: (pending|initializing|running) — local\/tiny-model on nvidia-t4/,
    );
    expect(described).toMatch(/^Inference Endpoint local\/toolbelt-ep: (pending|initializing|running)/);
    expect(described).toContain("local/tiny-model");
    expect(paused).toMatch(/^Inference Endpoint local\/toolbelt-ep: paused/);
    expect(deleted).toBe("Deleted the Inference Endpoint local/toolbelt-ep.");
    expect((await api("/api/endpoints/v2/endpoint/local/toolbelt-ep")).status).toBe(404);
  });

  it("called every tool the plugin's manifest lists", () => {
    expect([...called].sort()).toEqual([...manifestTools].sort());
  });

  it("stops on SIGTERM: exits 0 and removes its server.json", async () => {
    const result = await stopHub(hub, "SIGTERM");
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(existsSync(join(hub.dir, "server.json"))).toBe(false);
  });
});
