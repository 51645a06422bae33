import type { FsCapability } from "@pincer/sdk";
import type { ReproFile } from "./card-usage.js";
import { combineSeeds, type Metric, MetricsError, metricLabel, readMetrics, requireFinite } from "./metrics.js";
import { shown } from "./paths.js";

/** A file for reproducing the model larger than this is refused: scripts and configs are small. */
const REPRO_FILE_LIMIT = 10 * 1024 * 1024;

/**
 * The metrics a card publishes: read from the metrics file (and one file per other seed, averaged),
 * the ones asked for (by name, key or label; default: all but the train split's), all finite, and
 * honest about their split: when the evaluation says where a number was measured, that is its
 * split, and a card claiming a split the file has no number for is refused.
 */
export async function cardMetrics(
  fs: FsCapability,
  files: string[],
  cwd: string,
  options: { selection?: string[]; split: string },
): Promise<Metric[]> {
  const perRun = [];
  for (const file of files) perRun.push({ file: shown(file, cwd), metrics: await readMetrics(fs, file) });
  let metrics = combineSeeds(perRun);
  const where =
    files.length > 1 ? `The metrics files ${perRun.map((run) => run.file).join(", ")}` : `Metrics file ${files[0]}`;
  if (options.selection?.length) {
    const matches = (metric: Metric, wanted: string) =>
      wanted === metric.name || wanted === metric.key || wanted === metricLabel(metric);
    const missing = options.selection.filter((wanted) => !metrics.some((metric) => matches(metric, wanted)));
    if (missing.length) {
      throw new MetricsError(`${where} has no ${missing.join(", ")}; it has ${metrics.map(metricLabel).join(", ")}.`);
    }
    metrics = metrics.filter((metric) => options.selection?.some((wanted) => matches(metric, wanted)));
  } else {
    metrics = metrics.filter((metric) => metric.split !== "train");
  }
  requireFinite(files.join(", "), metrics);
  const own = metrics.filter((metric) => !metric.dataset);
  if (own.length && !own.some((metric) => !metric.split || metric.split === options.split)) {
    const found = own.map((metric) => `${metric.key} is on the ${metric.split} split`).join(", ");
    const splits = [...new Set(own.map((metric) => metric.split))];
    throw new MetricsError(
      `${where} has no ${options.split} metrics: ${found}. The card would call ${own.length === 1 ? "it a" : "them"} ${options.split} number${own.length === 1 ? "" : "s"}: evaluate on the ${options.split} split and give that file, or set dataset.split to "${splits[0]}".`,
    );
  }
  if (metrics.length === 0)
    throw new MetricsError(
      `${where} has no metrics to publish (train-split metrics are left out unless named in metrics).`,
    );
  return metrics;
}

export interface ReproInput {
  trainingScript?: string;
  evalScript?: string;
  config?: string;
  requirements?: string;
}

const ROLES: [keyof ReproInput, ReproFile["role"]][] = [
  ["trainingScript", "training script"],
  ["evalScript", "evaluation script"],
  ["config", "config"],
  ["requirements", "requirements"],
];

const baseName = (path: string): string => path.split("/").pop() ?? path;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * The files that reproduce the model, in the model folder so they are uploaded with it: a file
 * already inside is linked where it is; one outside is copied in (beside the weights, or under
 * `training/` when a different file has its name there). Returns their paths in the repo and the
 * scripts' source (what the library is inferred from).
 */
export async function reproFiles(
  fs: FsCapability,
  folder: string,
  absolute: (path: string) => string,
  given: ReproInput,
): Promise<{ files: ReproFile[]; sources: string[]; packages: Record<string, string> }> {
  const files: ReproFile[] = [];
  const sources: string[] = [];
  let packages: Record<string, string> = {};
  for (const [key, role] of ROLES) {
    const asked = given[key];
    if (!asked) continue;
    const path = absolute(asked);
    const stat = await fs.stat(path);
    if (stat?.type !== "file") throw new MetricsError(`The ${role} ${asked} is not a file in the workspace.`);
    if (stat.size > REPRO_FILE_LIMIT)
      throw new MetricsError(`The ${role} ${asked} is ${stat.size} bytes: a ${role} over 10 MB is not one.`);
    const data = await fs.readFile(path);
    let inRepo: string;
    if (path.startsWith(`${folder}/`)) inRepo = path.slice(folder.length + 1);
    else {
      inRepo = baseName(path);
      const existing = await fs.stat(`${folder}/${inRepo}`);
      if (existing && !sameBytes(await fs.readFile(`${folder}/${inRepo}`), data)) inRepo = `training/${inRepo}`;
      await fs.writeFile(`${folder}/${inRepo}`, data);
    }
    files.push({ role, path: inRepo });
    const text = new TextDecoder().decode(data);
    if (role === "training script" || role === "evaluation script") sources.push(text);
    if (role === "requirements") packages = pinnedPackages(text);
  }
  return { files, sources, packages };
}

/** `name==version` lines of a requirements file or `pip freeze` output. */
export function pinnedPackages(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const pin = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)/.exec(line);
    if (pin && Object.keys(out).length < 200) out[pin[1] as string] = pin[2] as string;
  }
  return out;
}
