import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runningLocalHub, UsageError } from "@pincer/runtime";
import { createStyle } from "../output/style.js";
import {
  checkDemoPython,
  DEMO_DATASET,
  DEMO_MODEL_REPO,
  DEMO_PAPER_ID,
  DEMO_USER,
  demoAssetsDir,
  seedDemoHub,
} from "./demo-seed.js";
import { hubUser, type InternHub, resolveInternHub } from "./hub.js";
import { exitCodeOf, repoUrl } from "./report.js";
import { runIntern } from "./run.js";

/** The recorded engineer (plugins/provider-replay/cassettes/ml-intern-demo.jsonl). */
export const DEMO_MODEL = "replay/ml-intern-demo";
export const DEMO_TASK = `Reproduce the result of arXiv:${DEMO_PAPER_ID} ("Bag-of-Words MLPs Are Enough for Tiny Reviews") on the Hub dataset ${DEMO_DATASET} (download its splits into ./data: the commands you run have no network), then publish the trained model with its card as ${DEMO_MODEL_REPO}.`;
/** The recording makes fewer calls; a replay that goes past this has diverged. */
const DEMO_MAX_CALLS = 40;

/**
 * `pincer intern demo`: the ML intern end to end, offline. A recorded model drives the real tools
 * against a local Hub: it reads a paper, inspects a dataset and downloads it into the workspace
 * (hf_download), writes and runs a PyTorch training script on this CPU, evaluates it, writes the
 * model card and publishes the model; the session is uploaded as it goes. Only the model's words are recorded; every tool result is live.
 */
export async function runInternDemo(options: {
  home: string;
  env: NodeJS.ProcessEnv;
  paceMs?: number;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** `--dangerously-run-unconfined`: train without the OS sandbox, unasked. */
  unconfined?: boolean;
}): Promise<number> {
  const started = Date.now();
  const out = options.out ?? process.stdout;
  const style = createStyle(out as NodeJS.WriteStream, options.env);
  const missing = checkDemoPython();
  if (missing) {
    process.stderr.write(`${style.red("✗")} ${missing}\n`);
    return 1;
  }
  const assets = demoAssetsDir();
  // The demo never reaches huggingface.co: the user's HF_TOKEN stays out of it.
  const env = { ...options.env };
  delete env.HF_TOKEN;
  const hub = await demoHub(env, options.home, options.unconfined === true);
  try {
    const user = await hubUser(hub);
    if (user !== DEMO_USER) {
      throw new UsageError(
        `The demo was recorded as the local Hub's user "${DEMO_USER}", but ${hub.endpoint} says you are "${user ?? "nobody"}". Unset HF_ENDPOINT to let the demo start its own Hub.`,
      );
    }
    out.write(
      `${style.bold("Pincer ML intern demo")}\n` +
        `${style.dim("model:")}    ${DEMO_MODEL} ${style.yellow("(a recorded model, replayed offline: no network, no API key)")}\n` +
        `${style.dim("live:")}     the kernel, the tools, PyTorch training on this CPU, the local Hub, the session upload\n`,
    );
    out.write(`${style.cyan("●")} seeding the local Hub: paper ${DEMO_PAPER_ID}, dataset ${DEMO_DATASET}\n`);
    await seedDemoHub({
      endpoint: hub.endpoint,
      ...(hub.token ? { token: hub.token } : {}),
      hubDir: join(options.home, "hub"),
      assets,
    });
    // An empty workspace: the engineer downloads the data with hf_download, as it would from huggingface.co.
    const workspace = mkdtempSync(join(tmpdir(), "pincer-intern-demo-"));
    out.write("\n");

    const outcome = await runIntern({
      task: DEMO_TASK,
      cwd: workspace,
      home: options.home,
      env,
      model: DEMO_MODEL,
      hub,
      runner: "local",
      maxCalls: DEMO_MAX_CALLS,
      providerConfig: { replay: { delayMs: options.paceMs ?? 2 } },
      ...(options.unconfined ? { unconfined: true } : {}),
      out,
    });
    const accuracy = readAccuracy(join(workspace, "model", "metrics.json"));
    const lines = [
      "",
      style.bold(outcome.code === 0 ? "The ML intern demo finished" : "The ML intern demo stopped"),
      `${style.dim("model:")}    ${repoUrl(hub.endpoint, `model:${DEMO_MODEL_REPO}`)}`,
      `${style.dim("session:")}  ${outcome.sessionUrl ?? `not uploaded (${outcome.uploadError ?? "see above"}); ${outcome.sessionFile}`}`,
      `${style.dim("accuracy:")} ${accuracy ?? "no metrics.json was written"}${accuracy !== undefined ? " on the held-out test split (the paper reports 0.83)" : ""}`,
      `${style.dim("time:")}     ${((Date.now() - started) / 1000).toFixed(1)}s in all · ${outcome.steps} model calls (replayed)`,
      `${style.dim("workdir:")}  ${workspace}`,
    ];
    if (hub.kind === "embedded") {
      lines.push(
        `${style.dim("browse:")}   ${hub.browse ?? "pincer hub serve"}`,
        style.dim(
          `          (the demo's Hub stopped with it; its data stays in ${join(options.home, "hub")}: this serves it at the URLs above, and prints a link that signs a browser in)`,
        ),
      );
    } else {
      lines.push(`${style.dim("browse:")}   the URLs above, on the running pincer hub serve`);
    }
    out.write(`${lines.join("\n")}\n`);
    return exitCodeOf(outcome);
  } finally {
    await hub.close();
  }
}

/**
 * The Hub the demo seeds: a running `pincer hub serve` of this PINCER_HOME (HF_ENDPOINT may name
 * it), else one started for the demo. Another Hub can't take the paper: papers are files in the
 * local Hub's folder.
 */
async function demoHub(env: NodeJS.ProcessEnv, home: string, unconfined: boolean): Promise<InternHub> {
  const endpoint = env.HF_ENDPOINT?.replace(/\/+$/, "");
  if (endpoint) {
    const running = runningLocalHub(home);
    if (endpoint !== running?.url.replace(/\/+$/, "")) {
      throw new UsageError(
        `The demo puts its paper into the local Hub's folder (PINCER_HOME/hub), so it needs this PINCER_HOME's Hub: HF_ENDPOINT=${endpoint} is not the running pincer hub serve${running ? ` (${running.url})` : ""}. Unset HF_ENDPOINT and the demo starts its own.`,
      );
    }
    return { kind: "running", endpoint, token: running.token, local: true, close: async () => {} };
  }
  return resolveInternHub({ ...env, HF_ENDPOINT: undefined }, home, { unconfined });
}

function readAccuracy(file: string): number | undefined {
  try {
    const value = (JSON.parse(readFileSync(file, "utf8")) as { accuracy?: unknown }).accuracy;
    return typeof value === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}
