import type { CommandContext } from "@pincer/sdk";
import { CommandUsageError } from "@pincer/sdk";
import { hubUser, type InternHub, resolveInternHub } from "./hub.js";
import { toBase64 } from "./hub-client.js";
import { exitCodeOf, repoUrl } from "./report.js";
import { type InternContext, runIntern } from "./run.js";
import { inWorkspace } from "./workspace.js";

/** The Hub user the recording was made as: the local Hub's default user. */
export const DEMO_USER = "local";
export const DEMO_DATASET = `${DEMO_USER}/tiny-reviews`;
export const DEMO_MODEL_REPO = `${DEMO_USER}/tiny-reviews-mlp`;
export const DEMO_PAPER_ID = "2607.00042";
export const DEMO_PYTHON = "/usr/bin/python3";
/** The recorded engineer (plugins/provider-replay/cassettes/ml-intern-demo.jsonl). */
export const DEMO_MODEL = "replay/ml-intern-demo";
export const DEMO_TASK = `Reproduce the result of arXiv:${DEMO_PAPER_ID} ("Bag-of-Words MLPs Are Enough for Tiny Reviews") on the Hub dataset ${DEMO_DATASET} (download its splits into ./data: the commands you run have no network), then publish the trained model with its card as ${DEMO_MODEL_REPO}.`;
/** The recording makes fewer calls; a replay that goes past this has diverged. */
const DEMO_MAX_CALLS = 40;
const DATA_FILES = ["README.md", "train.csv", "test.csv"];

type DemoContext = InternContext & Pick<CommandContext, "fs" | "exec">;

/**
 * `pincer intern demo`: the ML intern end to end, offline. A recorded model drives the real tools
 * against this PINCER_HOME's local Hub: it reads a paper, inspects a dataset and downloads it into
 * an empty workspace (hf_download), writes and runs a PyTorch training script on this CPU,
 * evaluates it, writes the model card and publishes the model; the session is uploaded as it goes.
 * The paper and dataset travel in this plugin (demo/, read through its fs grant) and reach the Hub
 * through its API. Only the model's words are recorded; every tool result is live.
 */
export async function runInternDemo(
  ctx: DemoContext,
  options: { pluginDir: string; tmp: string },
): Promise<{ text: string; exitCode: number }> {
  const started = Date.now();
  const missing = await checkDemoPython(ctx);
  if (missing) throw new Error(missing);
  if (!ctx.sessions) throw new Error("this front end cannot drive sessions");
  await ctx.sessions.check({ model: DEMO_MODEL });
  // The demo never reaches huggingface.co: this PINCER_HOME's own Hub, the user's HF_TOKEN set aside.
  const hub = await resolveInternHub(ctx, { localOnly: true });
  const user = await hubUser(hub);
  if (user !== DEMO_USER) {
    throw new CommandUsageError(
      `The demo was recorded as the local Hub's user "${DEMO_USER}", but ${hub.endpoint} says you are "${user ?? "nobody"}". Unset HF_ENDPOINT to let the demo start its own Hub.`,
    );
  }
  ctx.progress(
    "Pincer ML intern demo\n" +
      `model:    ${DEMO_MODEL} (a recorded model, replayed offline: no network, no API key)\n` +
      "live:     the kernel, the tools, PyTorch training on this CPU, the local Hub, the session upload",
  );
  ctx.progress(`● seeding the local Hub: paper ${DEMO_PAPER_ID}, dataset ${DEMO_DATASET}`);
  await seedDemoHub(ctx, hub, `${options.pluginDir}/demo`);
  // An empty workspace: the engineer downloads the data with hf_download, as it would from huggingface.co.
  const workspace = `${options.tmp}/pincer-intern-demo-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  await ctx.fs.mkdir(workspace);
  const { outcome, text: report } = await runIntern(ctx, {
    task: DEMO_TASK,
    model: DEMO_MODEL,
    hub,
    runner: "local",
    maxCalls: DEMO_MAX_CALLS,
    workdir: workspace,
  });
  const accuracy = await readAccuracy(ctx, inWorkspace(workspace, "model/metrics.json"));
  const lines = [
    report,
    "",
    outcome.code === 0 ? "The ML intern demo finished" : "The ML intern demo stopped",
    `model:    ${repoUrl(hub.endpoint, `model:${DEMO_MODEL_REPO}`)}`,
    `session:  ${outcome.sessionUrl ?? `not uploaded (${outcome.uploadError ?? "see above"}); ${outcome.sessionFile}`}`,
    `accuracy: ${accuracy ?? "no metrics.json was written"}${accuracy !== undefined ? " on the held-out test split (the paper reports 0.83)" : ""}`,
    `time:     ${((Date.now() - started) / 1000).toFixed(1)}s in all · ${outcome.steps} model calls (replayed)`,
    `workdir:  ${workspace}`,
  ];
  if (hub.kind === "started") {
    lines.push(
      `browse:   ${hub.browse ?? "pincer hub serve"}`,
      "          (the demo's Hub stopped with it; its data stays in PINCER_HOME/hub: this serves it at the URLs above, and prints a link that signs a browser in)",
    );
  } else {
    lines.push("browse:   the URLs above, on the running pincer hub serve");
  }
  return { text: lines.join("\n"), exitCode: exitCodeOf(outcome) };
}

/** Whether this machine can train the demo's model: /usr/bin/python3 (what the recording runs) with torch; what to do when not. */
export async function checkDemoPython(
  ctx: Pick<CommandContext, "exec">,
  python = DEMO_PYTHON,
): Promise<string | undefined> {
  let why: string;
  try {
    const probe = await ctx.exec.run(`${python} -c 'import torch'`, { timeoutMs: 60_000 });
    if (probe.exitCode === 0) return undefined;
    const last = probe.output.trim().split("\n").at(-1) ?? "no output";
    why = probe.exitCode === 127 ? `${python} is not there` : `${python} cannot import torch (${last})`;
  } catch (error) {
    why = `${python} could not be run (${(error as Error).message})`;
  }
  return `The ML intern demo trains a real PyTorch model on this machine's CPU, and ${why}.\nInstall them with: sudo apt-get install -y python3-torch python3-pandas\nThen run pincer intern demo again.`;
}

/**
 * Puts what the recorded engineer reads onto the local Hub, through its API: the paper (the local
 * Hub's `PUT /papers/{id}.md`) and the dataset repo `local/tiny-reviews` (train and test CSV with
 * a card, one commit). The workspace starts empty: the engineer downloads the splits itself.
 */
export async function seedDemoHub(ctx: Pick<CommandContext, "fs">, hub: InternHub, assets: string): Promise<void> {
  const headers = (type?: string): Record<string, string> => ({
    ...(hub.token ? { Authorization: `Bearer ${hub.token}` } : {}),
    ...(type ? { "Content-Type": type } : {}),
  });
  const paper = await fetch(`${hub.endpoint}/papers/${DEMO_PAPER_ID}.md`, {
    method: "PUT",
    headers: headers("text/markdown"),
    body: await ctx.fs.readText(`${assets}/paper.md`),
  });
  if (!paper.ok) throw new Error(`the local Hub refused the demo's paper (HTTP ${paper.status})`);
  const [organization, name] = DEMO_DATASET.split("/");
  const created = await fetch(`${hub.endpoint}/api/repos/create`, {
    method: "POST",
    headers: headers("application/json"),
    body: JSON.stringify({ type: "dataset", name, organization }),
  });
  if (!created.ok && created.status !== 409)
    throw new Error(`the local Hub refused the demo's dataset (HTTP ${created.status})`);
  const lines = [JSON.stringify({ key: "header", value: { summary: "tiny-reviews: the ML intern demo's dataset" } })];
  for (const file of DATA_FILES) {
    const text = await ctx.fs.readText(`${assets}/dataset/${file}`);
    lines.push(
      JSON.stringify({
        key: "file",
        value: { path: file, content: toBase64(new TextEncoder().encode(text)), encoding: "base64" },
      }),
    );
  }
  const commit = await fetch(`${hub.endpoint}/api/datasets/${DEMO_DATASET}/commit/main`, {
    method: "POST",
    headers: headers("application/x-ndjson"),
    body: lines.join("\n"),
  });
  if (!commit.ok) throw new Error(`the local Hub refused the demo's data (HTTP ${commit.status})`);
}

async function readAccuracy(ctx: Pick<CommandContext, "fs">, file: string): Promise<number | undefined> {
  try {
    const value = (JSON.parse(await ctx.fs.readText(file)) as { accuracy?: unknown }).accuracy;
    return typeof value === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}
