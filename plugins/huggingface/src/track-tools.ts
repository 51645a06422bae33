import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { apiRepoPath, checkRepoId, encodePath, guarded, type Hub, HubHttpError, hubOf } from "./hub.js";
import { textSubject } from "./params.js";
import {
  bestRun,
  CARD_MARKER,
  comparisonTable,
  curvesSvg,
  lastValues,
  lowerIsBetter,
  projectFiles,
  projectSection,
  trackingCard,
} from "./track-report.js";
import { repoPathOf, rowOf, rowsFromText } from "./track-rows.js";
import {
  checkParams,
  checkProject,
  checkRows,
  checkRunName,
  decodeConfigs,
  decodeMetrics,
  encodeConfigs,
  encodeMetrics,
  type LoggedRow,
  mergeConfig,
  mergeMetrics,
  metricNames,
  type ParamValue,
  type ProjectTables,
  TrackError,
} from "./track-table.js";
import { type UploadSource, uploadFiles } from "./upload.js";
import { localSources } from "./upload-tools.js";

/**
 * hf_track_log and hf_track_compare: experiment tracking in a Hub dataset (trackio's layout, see
 * track-table.ts), with the comparison table and the curves in the dataset's card (track-report.ts).
 *
 * Each log call reads the project's two Parquet files at the branch's head, merges the new rows,
 * and commits both files, the curves SVG, the card and any artifacts in one commit whose parent is
 * that head: if another run logged in between, the Hub refuses it (412) and the call starts over
 * from the new head, so parallel runs never overwrite each other's rows.
 */

type Ctx = PluginToolContext;

/** The most bytes read from one Parquet file or metrics file. */
const MAX_READ_BYTES = 64 * 1024 * 1024;
const MAX_ARTIFACTS = 20;
const ATTEMPTS = 4;

const datasetParam = {
  type: "string",
  description: 'The tracking dataset, owner/name (created private if missing), e.g. "ada/experiments".',
};
const projectParam = {
  type: "string",
  description: "The project (trackio's): one comparison table and plot per project; letters, digits, - and _.",
};

async function readHubFile(hub: Hub, dataset: string, revision: string, path: string): Promise<Uint8Array | undefined> {
  let res: Response;
  try {
    res = await hub.request(`/datasets/${dataset}/resolve/${revision}/${encodePath(path)}`, {
      what: `${path} in ${dataset}`,
    });
  } catch (error) {
    if (error instanceof HubHttpError && error.status === 404) return undefined;
    throw error;
  }
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > MAX_READ_BYTES) {
    await res.body?.cancel();
    throw new TrackError(`${path} in ${dataset} is ${length} bytes, over ${MAX_READ_BYTES}: start a new project.`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > MAX_READ_BYTES) throw new TrackError(`${path} in ${dataset} is over ${MAX_READ_BYTES} bytes.`);
  return bytes;
}

/** The dataset's head commit on main; creates the dataset (private) when it does not exist. */
async function headOf(hub: Hub, dataset: string): Promise<string> {
  const revision = async () =>
    (
      await hub.json<{ sha?: string }>(`${apiRepoPath("dataset", dataset)}/revision/main`, {
        what: `The dataset ${dataset}`,
      })
    ).sha;
  try {
    const sha = await revision();
    if (sha) return sha;
  } catch (error) {
    if (!(error instanceof HubHttpError) || error.status !== 404) throw error;
    const [organization, name] = dataset.split("/");
    try {
      await hub.json("/api/repos/create", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name, organization, type: "dataset", private: true }),
        what: `Creating the dataset ${dataset}`,
      });
    } catch (created) {
      // Another run created it meanwhile: log into it.
      if (!(created instanceof HubHttpError) || created.status !== 409) throw created;
    }
  }
  const sha = await revision();
  if (!sha) throw new HubHttpError(502, `The Hub named no head commit for ${dataset}.`);
  return sha;
}

async function loadProject(hub: Hub, dataset: string, sha: string, project: string): Promise<ProjectTables> {
  const files = projectFiles(project);
  const metrics = await readHubFile(hub, dataset, sha, files.metrics);
  const configs = await readHubFile(hub, dataset, sha, files.configs);
  return {
    metrics: metrics ? await decodeMetrics(metrics, files.metrics) : [],
    configs: configs ? await decodeConfigs(configs, files.configs) : [],
  };
}

const textSource = (pathInRepo: string, bytes: Uint8Array): UploadSource => ({
  pathInRepo,
  size: bytes.length,
  origin: pathInRepo,
  read: async (range) => (range ? bytes.subarray(range.offset, range.offset + range.length) : bytes),
});

interface LogArgs {
  dataset: string;
  project: string;
  run: string;
  params?: Record<string, ParamValue>;
  metrics?: Record<string, unknown>[];
  metricsFile?: string;
  artifacts?: string[];
}

export const hfTrackLog = defineTool<LogArgs>({
  name: "hf_track_log",
  description: [
    "Log a training run to an experiment-tracking dataset on the Hub, as it goes: its params, its metrics per step (curves), and artifact files.",
    "Call it when a run starts (params), after each epoch or evaluation (metrics, or metricsFile: the JSON Lines the script writes; logging the same file again only adds new steps), and at the end (artifacts).",
    "Every call rewrites the project's comparison table (params and last metrics of every run, the best in bold) and its curves plot in the dataset's card, which a person opens on the Hub.",
    "The data is in trackio's layout: <project>.parquet and <project>_configs.parquet.",
  ].join(" "),
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      dataset: datasetParam,
      project: projectParam,
      run: { type: "string", description: 'The run\'s name, e.g. "lr3e-4-seed1".' },
      params: {
        type: "object",
        additionalProperties: { type: ["string", "number", "boolean"] },
        description: "The run's settings (learning_rate, epochs, model...); merged over what it had.",
      },
      metrics: {
        type: "array",
        items: { type: "object" },
        description:
          'Rows of numbers, e.g. [{"step": 3, "train_loss": 0.41, "val_accuracy": 0.88}]; without step, the next step.',
      },
      metricsFile: {
        type: "string",
        description:
          "A workspace file of metric rows: JSON Lines (one object a line, as a training script prints) or a JSON array.",
      },
      artifacts: {
        type: "array",
        items: { type: "string" },
        maxItems: MAX_ARTIFACTS,
        description:
          "Workspace files to keep with the run (a checkpoint, eval predictions, a config), under artifacts/<project>/<run>/.",
      },
    },
    required: ["dataset", "project", "run"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.dataset}/${args.project}`),
  execute: (args, ctx) =>
    guarded(async () => {
      try {
        return await logRun(args, ctx);
      } catch (error) {
        if (error instanceof TrackError) throw new HubHttpError(400, `${error.message} Nothing was logged.`);
        throw error;
      }
    }),
});

async function logRun(args: LogArgs, ctx: Ctx) {
  const dataset = checkRepoId(args.dataset);
  const project = checkProject(args.project);
  const run = checkRunName(args.run);
  const rows: LoggedRow[] = (args.metrics ?? []).map((object) => {
    if (!object || typeof object !== "object" || Array.isArray(object))
      throw new TrackError("Each metrics row is an object of numbers.");
    return rowOf(object);
  });
  let skipped = 0;
  if (args.metricsFile) {
    const stat = await ctx.fs.stat(args.metricsFile);
    if (stat?.type !== "file") throw new TrackError(`${args.metricsFile} is not a file in the workspace.`);
    if (stat.size > MAX_READ_BYTES) throw new TrackError(`${args.metricsFile} is over ${MAX_READ_BYTES} bytes.`);
    const read = rowsFromText(new TextDecoder().decode(await ctx.fs.readFile(args.metricsFile)), args.metricsFile);
    rows.push(...read.rows);
    skipped = read.skipped;
  }
  const artifactSources: UploadSource[] = [];
  const artifactPaths: string[] = [];
  for (const path of args.artifacts ?? []) {
    const inRepo = `artifacts/${project}/${encodeRunDir(run)}/${repoPathOf(path)}`;
    const stat = await ctx.fs.stat(path);
    if (stat?.type !== "file")
      throw new TrackError(`${path} is not a file in the workspace (log folders' files one by one).`);
    artifactSources.push(...(await localSources(ctx, path, inRepo)).sources);
    artifactPaths.push(inRepo);
  }
  checkRows(rows);
  checkParams(args.params ?? {});
  if (rows.length === 0 && !args.params && artifactPaths.length === 0)
    throw new TrackError("Give params, metrics, a metricsFile with rows of numbers, or artifacts to log.");

  const hub = hubOf(ctx);
  const files = projectFiles(project);
  for (let attempt = 1; ; attempt++) {
    const sha = await headOf(hub, dataset);
    const tables = await loadProject(hub, dataset, sha, project);
    const now = new Date().toISOString();
    const params: Record<string, ParamValue> = { ...(args.params ?? {}) };
    if (artifactPaths.length > 0) {
      const had = tables.configs.find((row) => row.run_name === run)?.config._artifacts;
      const before = typeof had === "string" ? safeList(had) : [];
      params._artifacts = JSON.stringify([...new Set([...before, ...artifactPaths])]);
    }
    const isNew = mergeConfig(tables, run, params, now);
    const counts = mergeMetrics(tables, run, rows, now);
    const card = await readHubFile(hub, dataset, sha, "README.md");
    const previous = card ? new TextDecoder().decode(card) : undefined;
    const ours = previous === undefined || previous.includes(CARD_MARKER);
    const section = projectSection(project, tables, artifactsOf(tables));
    const encoder = new TextEncoder();
    const sources = [
      textSource(files.metrics, encodeMetrics(tables)),
      textSource(files.configs, encodeConfigs(tables)),
      textSource(files.curves, encoder.encode(curvesSvg(tables, `${dataset} · ${project}`))),
      ...(ours ? [textSource("README.md", encoder.encode(trackingCard(dataset, previous, project, section)))] : []),
      ...artifactSources,
    ];
    try {
      const result = await uploadFiles(
        ctx,
        { type: "dataset", repo: dataset, message: `Log ${run} to ${project}`, parentCommit: sha },
        sources,
      );
      const web = `${hub.endpoint}/datasets/${dataset}`;
      const said = [
        `Logged ${run}${isNew ? " (new run)" : ""} to ${dataset}, project ${project}: ${counts.added} new step${counts.added === 1 ? "" : "s"}, ${counts.updated} updated${args.params ? `, ${Object.keys(args.params).length} params` : ""}${artifactPaths.length ? `, ${artifactPaths.length} artifact${artifactPaths.length === 1 ? "" : "s"}` : ""}.`,
      ];
      if (skipped > 0)
        said.push(
          `${skipped} line${skipped === 1 ? "" : "s"} of ${args.metricsFile} were not JSON objects and were skipped.`,
        );
      said.push(
        ours
          ? `Comparison table and curves: ${web}`
          : `The dataset's README.md is not this tool's, so it was left alone: the curves are in ${files.curves}.`,
        "",
        comparisonTable(tables),
      );
      return {
        content: said.join("\n"),
        details: {
          commit: result.commitOid,
          ...counts,
          runs: tables.configs.length,
          files: result.files.map((f) => f.path),
        },
      };
    } catch (error) {
      // Another writer committed since `sha`: start over from its commit.
      if (error instanceof HubHttpError && error.status === 412 && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}

/** A run name as one folder name in the repo. */
const encodeRunDir = (run: string): string => run.replace(/[^\w.=+-]/g, "_").replace(/^\.+/, "_");

function safeList(json: string): string[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}

function artifactsOf(tables: ProjectTables): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of tables.configs) {
    const list = row.config._artifacts;
    if (typeof list === "string") out.set(row.run_name, safeList(list));
  }
  return out;
}

export const hfTrackCompare = defineTool<{ dataset: string; project: string; metric?: string }>({
  name: "hf_track_compare",
  description:
    "Compare the runs of an experiment-tracking project (logged with hf_track_log, or by trackio): each run's params and last metrics, and the best run by a metric.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      dataset: datasetParam,
      project: projectParam,
      metric: { type: "string", description: "The metric that picks the best run (default: the first logged)." },
    },
    required: ["dataset", "project"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const dataset = checkRepoId(args.dataset);
      let project: string;
      try {
        project = checkProject(args.project);
      } catch (error) {
        throw new HubHttpError(400, (error as Error).message);
      }
      const hub = hubOf(ctx);
      const sha = (
        await hub.json<{ sha?: string }>(`${apiRepoPath("dataset", dataset)}/revision/main`, {
          what: `The dataset ${dataset}`,
        })
      ).sha;
      let tables: ProjectTables;
      try {
        tables = await loadProject(hub, dataset, sha ?? "main", project);
      } catch (error) {
        if (error instanceof TrackError) throw new HubHttpError(400, error.message);
        throw error;
      }
      if (tables.metrics.length === 0 && tables.configs.length === 0)
        return {
          content: `${dataset} has no project ${project} (no ${projectFiles(project).metrics}).`,
          isError: true,
        };
      const metric = args.metric ?? metricNames(tables)[0];
      const best = metric ? bestRun(lastValues(tables), metric) : undefined;
      const verdict =
        metric && best
          ? `Best by ${metric} (${lowerIsBetter(metric) ? "lower" : "higher"} is better): ${best}.`
          : metric
            ? `No run logged ${metric} as a number.`
            : "No metrics logged yet.";
      return {
        content: `${project} in ${dataset}: ${tables.configs.length} runs.\n\n${comparisonTable(tables)}\n\n${verdict}`,
        details: { best: best ?? null, metric: metric ?? null },
      };
    }),
});
