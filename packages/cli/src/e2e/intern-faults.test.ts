import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commit, createRepo } from "@huggingface/hub";
import { type LocalHub, startLocalHub } from "@pincer/hub";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, RUN_COMMANDS, type Sandbox, sandbox } from "./run-cli.js";

// Issue 9's faults, each driven through `pincer intern` as a user runs it: a scripted model (the
// OpenAI loopback server) calls the real tools against a local Hub, and each run must end in a
// final report that says what was produced, where, what failed and how to go on, with the files
// already made still on disk and the session saved and uploaded.

const token = "hf_e2e_intern_faults_token_7";
const user = "ada";
/** An organization the token's user is not a member of: the Hub refuses every write under it. */
const foreignOrg = "big-lab";
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let hub: LocalHub;
let guarded: { url: string; close(): Promise<void> };
let hubDir: string;

beforeAll(async () => {
  server = await startOpenAIServer();
  hubDir = mkdtempSync(join(tmpdir(), "pincer-e2e-intern-faults-hub-"));
  hub = await startLocalHub({ dir: hubDir, token, user });
  guarded = await startWriteGuard(hub.url, foreignOrg);
  await seedDataset(`${user}/support-chats`, "train.csv", "question,answer\nhow do I reset it?,hold the button\n");
  await seedDataset(`${user}/reviews`, "train.csv", "text,sentiment\ngreat film,positive\ndull plot,negative\n");
});
afterAll(async () => {
  await server.close();
  await guarded.close();
  await hub.close();
  rmSync(hubDir, { recursive: true, force: true });
});

type Body = { messages: Array<{ role: string; content: unknown }> };
const toolMessages = (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
const env = (endpoint = hub.url) => ({
  OPENAI_API_KEY: "sk-test-e2e-key-123456",
  OPENAI_BASE_URL: server.url,
  HF_ENDPOINT: endpoint,
  HF_TOKEN: token,
});
let callCount = 0;
const callTool = (name: string, args: Record<string, unknown>) =>
  server.enqueue([{ toolCalls: [{ id: `call_${++callCount}`, name, arguments: args }] }, { finish: "tool_calls" }]);
const finish = (text: string) => server.enqueue([{ text }, { finish: "stop" }]);

/** Runs `pincer intern` with the scripted model; returns the result and what the model was shown last. */
async function intern(box: Sandbox, task: string, extra: string[] = []) {
  const result = await box.run(["intern", task, "--model", "openai/gpt-5", ...extra, ...RUN_COMMANDS]);
  const seen = toolMessages(server.requests.at(-1)!.body as Body).join("\n");
  return { ...result, seen, report: finalReport(result) };
}

/** The final state: what the command prints on stdout (its progress went to stderr). */
function finalReport(result: CliResult): string {
  return result.stdout;
}

/** The session the report names is on disk, and (when uploaded) on the Hub, with the given text in it. */
async function expectSessionSaved(report: string, contains: string, uploaded = true) {
  const file = /session: +\S+ \((\S+\.jsonl)\)/.exec(report)?.[1];
  expect(file && existsSync(file), report).toBe(true);
  expect(readFileSync(file!, "utf8")).toContain(contains);
  if (!uploaded) {
    expect(report).toContain("uploaded: no (kept on this machine only)");
    return;
  }
  const url = /uploaded: (\S+)/.exec(report)?.[1];
  expect(url, report).toMatch(new RegExp(`/datasets/${user}/pincer-intern-sessions/blob/main/sessions/`));
  const raw = await fetch(url!.replace(guarded.url, hub.url).replace("/blob/", "/resolve/"), {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(raw.status).toBe(200);
  const text = await raw.text();
  expect(text).toContain(contains);
  expect(text).not.toContain(token);
}

describe("pincer intern: every fault ends in a state the user can act on", () => {
  it("a paper that can't be fetched: the model is told what to do, and the report names the paper", async () => {
    using box = sandbox(env());
    callTool("write", { path: "plan.md", content: "# Plan\nReproduce the paper's table 2.\n" });
    callTool("hf_papers_read", { paper: "2401.99999" });
    callTool("hf_papers_details", { paper: "2401.99999" });
    callTool("hf_papers_details", { paper: "the LoRA paper" });
    finish("I could not fetch the paper: 2401.99999 is on neither Hugging Face Papers nor arXiv.");
    const result = await intern(box, "reproduce arXiv 2401.99999");

    // Finished its turn, with problems left: exit 3, not success.
    expect(result.code, result.stderr).toBe(3);
    // Each error reached the model with what to do next.
    expect(result.seen).toContain(
      "HTTP 404: 2401.99999 has no paper page on Hugging Face and no HTML version on arXiv (older papers often lack one): read the abstract with hf_papers_details, or the PDF at https://arxiv.org/pdf/2401.99999.",
    );
    expect(result.seen).toContain(
      "HTTP 404: no paper 2401.99999 on Hugging Face Papers or arXiv: check the id (hf_papers_search finds papers by words).",
    );
    expect(result.seen).toContain('"the LoRA paper" is not an arXiv paper id: write it as 2401.12345');
    // The report says the run finished but the papers were never read, and how to go on.
    expect(result.report).toMatch(/^! finished with 2 problems in [\d.]+s · 5 model calls/);
    expect(result.report).toContain(
      'Problems:\n  ✗ paper "2401.99999": could not be read: HTTP 404: no paper 2401.99999 on Hugging Face Papers or arXiv: check the id (hf_papers_search finds papers by words).\n  ✗ paper "the LoRA paper": could not be read: "the LoRA paper" is not an arXiv paper id',
    );
    expect(result.report).toContain("Produced:\n  files:  plan.md\n");
    const sessionId = /session: +(\S+)/.exec(result.report)?.[1];
    expect(result.report).toContain(`continue: fix what is above, then pincer intern resume ${sessionId}   (here)`);
    expect(readFileSync(join(box.cwd, "plan.md"), "utf8")).toContain("Reproduce the paper's table 2.");
    await expectSessionSaved(result.report, "has no paper page on Hugging Face");
  }, 60_000);

  it("a dataset whose columns don't fit: the columns found and the ones the format needs", async () => {
    using box = sandbox(env());
    callTool("hf_dataset_inspect", { dataset: `${user}/support-chats`, check: "sft" });
    callTool("hf_dataset_inspect", { dataset: `${user}/reviews`, check: "classification" });
    finish("Neither dataset fits as it is: the chats need a messages column, the reviews a label column.");
    const result = await intern(box, "fine-tune on the support chats", ["--no-upload"]);

    // Finished its turn, with problems left: exit 3, not success.
    expect(result.code, result.stderr).toBe(3);
    expect(result.seen).toContain("Columns (train): question: string, answer: string");
    expect(result.seen).toContain(
      "Check sft: does not fit; missing messages (sft needs messages or prompt+completion or text). Rename or map the columns before training.",
    );
    expect(result.seen).toContain("Columns (train): text: string, sentiment: string");
    expect(result.seen).toContain(
      "Check classification: does not fit; missing label (classification needs a label column: label, labels, target, class, y, or name yours with target). Columns that could be the label: text, sentiment.",
    );
    expect(result.report).toMatch(/^! finished with 2 problems/);
    expect(result.report).toContain(
      `  ✗ dataset ${user}/support-chats (sft): has columns question, answer: missing messages (sft needs messages or prompt+completion or text). Rename or map the columns before training.`,
    );
    expect(result.report).toContain(
      `  ✗ dataset ${user}/reviews (classification): has columns text, sentiment: missing label (classification needs a label column: label, labels, target, class, y, or name yours with target). Columns that could be the label: text, sentiment.`,
    );
    expect(result.report).toContain("Produced:\n  nothing yet\n");
    await expectSessionSaved(result.report, "missing label", false);
  }, 60_000);

  it("a training run that diverges: recorded as diverged, no model card with NaN, the table and the files kept", async () => {
    using box = sandbox(env());
    // Gradient descent on w² with a learning rate of 10: |w| grows ×19 a step, overflows, then NaN.
    const train = [
      "import json, os, sys",
      "lr = float(sys.argv[1])",
      "w = 1.0",
      "for step in range(300):",
      "    w = w - lr * 2 * w",
      "loss = w * w",
      "print(f'step 300 loss {loss}', flush=True)",
      "os.makedirs('runs/run-1/model', exist_ok=True)",
      "open('runs/run-1/model/weights.txt', 'w').write(repr(w))",
      "json.dump({'loss': loss, 'accuracy': 0.5}, open('runs/run-1/metrics.json', 'w'))",
    ].join("\n");
    callTool("write", { path: "train.py", content: `${train}\n` });
    callTool("bash", { command: "/usr/bin/python3 train.py 10" });
    callTool("intern_record_run", { id: "run-1", params: { lr: 10 }, metricsFile: "runs/run-1/metrics.json" });
    callTool("intern_model_card", {
      folder: "runs/run-1/model",
      name: `${user}/quadratic`,
      license: "mit",
      task: { type: "regression" },
      dataset: { type: `${user}/reviews`, split: "test" },
      metricsFile: "runs/run-1/metrics.json",
      summary: "A model that minimises w².",
    });
    finish("run-1 diverged (loss NaN); I did not write a card or publish it.");
    const result = await intern(box, "train the quadratic model");

    // Finished its turn, with problems left: exit 3, not success.
    expect(result.code, result.stderr).toBe(3);
    expect(result.seen).toContain("step 300 loss nan");
    expect(result.seen).toContain("Recorded run run-1 (diverged) in results.json.");
    const metricsFile = join(box.cwd, "runs/run-1/metrics.json");
    expect(result.seen).toContain(
      `Metrics file ${metricsFile} has non-finite values (loss=NaN): the run diverged. Record it with intern_record_run (status diverged), fix the training (lower the learning rate, clip gradients), and evaluate a run that converged.`,
    );
    expect(result.report).toMatch(/^! finished with 1 problem in/);
    expect(result.report).toContain(
      `  ✗ model card runs/run-1/model/README.md: not written: Metrics file ${metricsFile} has non-finite values (loss=NaN): the run diverged.`,
    );
    expect(result.report).toContain("  files:  train.py, results.json, results.md\n");
    expect(result.report).toContain("  runs:   run-1 diverged (non-finite loss=NaN) — table in results.md\n");
    // Everything the run made is still there: the table says diverged, and no card was written.
    expect(readFileSync(join(box.cwd, "results.md"), "utf8")).toContain(
      "| run-1 | diverged | 10 | non-finite | 0.5 | non-finite loss=NaN |",
    );
    expect(JSON.parse(readFileSync(join(box.cwd, "results.json"), "utf8")).runs[0]).toMatchObject({
      id: "run-1",
      status: "diverged",
      metrics: { loss: null, accuracy: 0.5 },
    });
    expect(readFileSync(metricsFile, "utf8")).toContain("NaN");
    expect(existsSync(join(box.cwd, "runs/run-1/model/weights.txt"))).toBe(true);
    expect(existsSync(join(box.cwd, "runs/run-1/model/README.md"))).toBe(false);
    await expectSessionSaved(result.report, "non-finite values (loss=NaN)");
  }, 60_000);

  it("an evaluation that fails: its exit code and log tail reach the model, and the report says so", async () => {
    using box = sandbox(env());
    const train = [
      "import json, os",
      "os.makedirs('runs/run-1/model', exist_ok=True)",
      "open('runs/run-1/model/weights.txt', 'w').write('0.25')",
      "json.dump({'loss': 0.31}, open('runs/run-1/metrics.json', 'w'))",
      "print('trained: loss 0.31', flush=True)",
    ].join("\n");
    const evaluate = [
      "import sys",
      "print(f'evaluating {sys.argv[1]}', flush=True)",
      "rows = open('data/test.csv').read().splitlines()",
    ].join("\n");
    callTool("write", { path: "train.py", content: `${train}\n` });
    callTool("write", { path: "eval.py", content: `${evaluate}\n` });
    callTool("bash", { command: "/usr/bin/python3 train.py" });
    callTool("bash", { command: "/usr/bin/python3 eval.py runs/run-1/model" });
    finish("Training worked but the evaluation failed: data/test.csv is missing.");
    const result = await intern(box, "train and evaluate", ["--no-upload"]);

    // Finished its turn, with problems left: exit 3, not success.
    expect(result.code, result.stderr).toBe(3);
    expect(result.seen).toContain("evaluating runs/run-1/model");
    expect(result.seen).toContain("FileNotFoundError: [Errno 2] No such file or directory: 'data/test.csv'");
    expect(result.seen).toContain("exit code 1");
    expect(result.report).toMatch(/^! finished with 1 problem in/);
    expect(result.report).toContain(
      "! the last run (bash: /usr/bin/python3 eval.py runs/run-1/model) failed, and no later run succeeded:",
    );
    expect(result.report).toContain(
      "  │ FileNotFoundError: [Errno 2] No such file or directory: 'data/test.csv'\n  │ exit code 1",
    );
    expect(result.report).toContain("  files:  train.py, eval.py\n");
    expect(readFileSync(join(box.cwd, "runs/run-1/model/weights.txt"), "utf8")).toBe("0.25");
    expect(existsSync(join(box.cwd, "runs/run-1/metrics.json"))).toBe(true);
    await expectSessionSaved(result.report, "No such file or directory: 'data/test.csv'", false);
  }, 60_000);

  it("a push the Hub rejects: the error says why, the model folder stays, nothing is published, and a retry works", async () => {
    using box = sandbox(env(guarded.url));
    const repo = `${foreignOrg}/sentiment-classifier`;
    callTool("write", { path: "model/config.json", content: '{"labels": ["negative", "positive"]}\n' });
    callTool("bash", {
      command: "/usr/bin/python3 -c \"open('model/weights.bin', 'wb').write(bytes(range(256)))\"",
    });
    callTool("hf_create_repo", { name: repo });
    callTool("hf_upload_folder", { repo, localPath: "model" });
    finish(`The Hub refused the push to ${repo}: this token cannot write there.`);
    const result = await intern(box, `train a classifier and publish it as ${repo}`);

    // Finished its turn, with problems left: exit 3, not success.
    expect(result.code, result.stderr).toBe(3);
    const refusal =
      "HTTP 403: HF_TOKEN is not allowed to do this: use a token with write access to this repo or its organization (a fine-grained token needs the repo or org listed).";
    expect(result.seen).toContain(
      `${refusal} (the Hub said: You don't have the rights to create a model under the namespace "${foreignOrg}")`,
    );
    expect(result.seen).toContain(
      `(the Hub said: You don't have write access to this repo); nothing was committed, so ${repo} is unchanged.`,
    );
    const modelDir = join(box.cwd, "model");
    expect(result.report).toMatch(/^! finished with 1 problem in/);
    expect(result.report).toContain(`  ✗ model ${repo}: hf_upload_folder of model failed: HTTP 403`);
    const sessionId = /session: +(\S+)/.exec(result.report)?.[1];
    expect(result.report).toContain(
      `    not published; the files are still in ${modelDir}. To publish: give HF_TOKEN write access to ${repo} (or pick a repo you own), then pincer intern resume ${sessionId}, or upload it yourself: hf upload ${repo} ${modelDir}`,
    );
    expect(result.report).toContain("  files:  model/config.json\n  hub:    nothing published\n");
    expect(readFileSync(join(modelDir, "weights.bin"))).toHaveLength(256);
    expect(existsSync(join(modelDir, "config.json"))).toBe(true);
    expect(
      (await fetch(`${hub.url}/api/models/${repo}`, { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(404);
    await expectSessionSaved(result.report, "You don't have write access to this repo");

    // With a token that can write there (the Hub without the guard), resuming the session publishes it.
    callTool("hf_create_repo", { name: repo });
    callTool("hf_upload_folder", { repo, localPath: "model" });
    finish(`Published ${repo}.`);
    const resumed = await box.run(["intern", "resume", sessionId!, "--no-upload", ...RUN_COMMANDS], {
      env: { HF_ENDPOINT: hub.url },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = finalReport(resumed);
    expect(report).toMatch(/^✓ finished in/);
    expect(report).toContain(`  model:  ${hub.url}/${repo} (model/)`);
    const weights = await fetch(`${hub.url}/${repo}/resolve/main/weights.bin`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(weights.status).toBe(200);
    expect((await weights.arrayBuffer()).byteLength).toBe(256);
  }, 60_000);
});

/** A dataset repo on the local Hub with one data file (the dataset viewer reads CSV). */
async function seedDataset(name: string, path: string, content: string) {
  const access = { hubUrl: hub.url, accessToken: token };
  await createRepo({ ...access, repo: { type: "dataset", name } });
  await commit({
    ...access,
    repo: { type: "dataset", name },
    title: `seed ${name}`,
    operations: [{ operation: "addOrUpdate", path, content: new Blob([content]) }],
  });
}

/**
 * The Hub as a user without rights in `org` sees it: a proxy in front of the local Hub (which lets
 * its one token write anywhere) that answers 403, with the Hub's wording, to creating a repo in
 * `org` and to uploading into one of its repos. Everything else passes through.
 */
async function startWriteGuard(target: string, org: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const refused = (req: IncomingMessage, body: Buffer): string | undefined => {
    const path = (req.url ?? "").replace(/\?.*$/, "");
    if (req.method === "POST" && path === "/api/repos/create") {
      const asked = JSON.parse(body.toString("utf8") || "{}") as {
        name?: string;
        organization?: string;
        type?: string;
      };
      const owner = asked.organization ?? asked.name?.split("/")[0];
      if (owner === org)
        return `You don't have the rights to create a ${asked.type ?? "model"} under the namespace "${org}"`;
    }
    const write = new RegExp(`^/api/(models|datasets|spaces)/${org}/[^/]+/(preupload|commit)/`);
    if (req.method === "POST" && write.test(path)) return "You don't have write access to this repo";
    return undefined;
  };
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const reason = refused(req, body);
      if (reason) {
        res.writeHead(403, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: reason }));
        return;
      }
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}
