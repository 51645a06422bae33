import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commit, createRepo, HubApiError } from "@huggingface/hub";
import { UsageError } from "@pincer/runtime";
import { PACKAGE_ROOT } from "../package-root.js";
import { credentials } from "./session-hub.js";

/** The Hub user the recording was made as: the local Hub's default user. */
export const DEMO_USER = "local";
export const DEMO_DATASET = `${DEMO_USER}/tiny-reviews`;
export const DEMO_MODEL_REPO = `${DEMO_USER}/tiny-reviews-mlp`;
export const DEMO_PAPER_ID = "2607.00042";
export const DEMO_PYTHON = "/usr/bin/python3";
const DATA_FILES = ["train.csv", "test.csv"];

/** The demo's paper, dataset and script, kept in the repository (examples/ml-intern/demo). */
export function demoAssetsDir(): string {
  const dir = join(PACKAGE_ROOT, "..", "..", "examples", "ml-intern", "demo");
  if (!existsSync(join(dir, "paper.md"))) {
    throw new UsageError(
      `The ML intern demo's files (examples/ml-intern/demo) are not next to this Pincer (looked in ${dir}). Run the demo from a clone of the Pincer repository.`,
    );
  }
  return dir;
}

/**
 * Whether this machine can train the demo's model: /usr/bin/python3 with torch. Returns what to
 * do when it can't (the demo installs nothing itself).
 */
export function checkDemoPython(python = DEMO_PYTHON): string | undefined {
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  if (probe.status === 0) return undefined;
  const why = probe.error
    ? `${python} is not there (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`
    : `${python} cannot import torch (${probe.stderr.trim().split("\n").at(-1) ?? "no output"})`;
  return `The ML intern demo trains a real PyTorch model on this machine's CPU, and ${why}.\nInstall them with: sudo apt-get install -y python3-torch python3-pandas\nThen run pincer intern demo again.`;
}

/**
 * Puts what the recorded engineer reads into the local Hub: the paper into its papers folder, and
 * the dataset repo `local/tiny-reviews` (train and test CSV with a card) through the Hub API. The
 * workspace starts empty: the engineer downloads the splits itself with hf_download.
 */
export async function seedDemoHub(options: { endpoint: string; token?: string; hubDir: string; assets: string }) {
  const papers = join(options.hubDir, "papers");
  mkdirSync(papers, { recursive: true });
  copyFileSync(join(options.assets, "paper.md"), join(papers, `${DEMO_PAPER_ID}.md`));
  const access = { hubUrl: options.endpoint, ...credentials({ hubUrl: options.endpoint, ...tokenOf(options) }) };
  try {
    await createRepo({ ...access, repo: { type: "dataset", name: DEMO_DATASET } });
  } catch (error) {
    if (!(error instanceof HubApiError) || error.statusCode !== 409) throw error;
  }
  const files = ["README.md", ...DATA_FILES].map((name) => ({
    path: name,
    bytes: readFileSync(join(options.assets, "dataset", name)),
  }));
  await commit({
    ...access,
    repo: { type: "dataset", name: DEMO_DATASET },
    title: "tiny-reviews: the ML intern demo's dataset",
    operations: files.map((file) => ({
      operation: "addOrUpdate" as const,
      path: file.path,
      content: new Blob([new Uint8Array(file.bytes)]),
    })),
  });
}

const tokenOf = (options: { token?: string }) => (options.token ? { token: options.token } : {});
