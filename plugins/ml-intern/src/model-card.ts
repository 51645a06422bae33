import { defineTool, type PluginToolContext, type ToolResult } from "@pincer/sdk";
import { type CardData, type CardDataset, renderCard } from "./card.js";
import { cardMetrics, type ReproInput, reproFiles } from "./card-inputs.js";
import { PUBLIC_HUB } from "./card-usage.js";
import { inferLibrary } from "./library.js";
import { formatMetric, formatValue, MetricsError, metricLabel } from "./metrics.js";
import { absolutePath, shown } from "./paths.js";
import { DEFAULT_RESULTS_FILE } from "./record-run.js";
import { loadResults, type ParamValue, type Results, ResultsError } from "./results.js";

interface ModelCardArgs {
  folder: string;
  name: string;
  repoId?: string;
  license: string;
  baseModel?: string;
  datasets?: string[];
  tags?: string[];
  libraryName?: string;
  pipelineTag?: string;
  task: { type: string; name?: string };
  dataset: CardDataset & { revision?: string };
  metricsFile: string;
  seedMetricsFiles?: string[];
  metrics?: string[];
  summary: string;
  paper?: { id?: string; title?: string; url?: string; metrics?: Record<string, number> };
  trainingData?: string;
  hyperparameters?: Record<string, ParamValue>;
  resultsFile?: string;
  usage?: string;
  limitations?: string;
  reproduce?: ReproInput & { command?: string; seeds?: number[]; packages?: Record<string, string> };
}

const text = { type: "string" } as const;
const names = { type: "array", items: { type: "string", minLength: 1 } } as const;
const file = (description: string) => ({ type: "string", description }) as const;

/**
 * `intern_model_card`: README.md for a model folder, in the Hub's model card format. The numbers
 * in the card are read from the metrics files the evaluation wrote (and results.json for the
 * table of runs), never taken from the model's words, each under the split it was measured on; a
 * missing, unreadable or non-finite metrics file, or a split the file has no number for, is an
 * error naming the file.
 */
export const internModelCard = defineTool<ModelCardArgs>({
  name: "intern_model_card",
  description: [
    "Write README.md (the model card) in a model folder before uploading it: YAML metadata (license, base_model, datasets, tags, library_name, pipeline_tag, model-index with the evaluation results) and sections on how it was made, the evaluation against the paper, how to reproduce it, how to use it, and limitations.",
    "The metric values come from metricsFile (the JSON your evaluation wrote, or lm-evaluation-harness / lighteval results) and the runs from results.json; never type numbers in yourself.",
    "Each metric keeps the split the file says it was measured on (val_accuracy is validation): a card whose dataset.split the file has no number for is refused.",
    "Give the scripts, config and requirements in reproduce: they are copied into the folder and linked.",
  ].join(" "),
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      folder: { type: "string", description: "The model folder; the card is written to <folder>/README.md" },
      name: { type: "string", minLength: 1, description: "The model's name in model-index, usually its repo id" },
      repoId: { type: "string", description: "owner/name on the Hub, for the usage snippet (default: name)" },
      license: { type: "string", minLength: 1, description: "A Hub license id: apache-2.0, mit, cc-by-4.0..." },
      baseModel: {
        type: "string",
        description: "The model it was fine-tuned from, as a Hub id (none: trained from scratch)",
      },
      datasets: { ...names, description: "Hub ids of the training datasets" },
      tags: names,
      libraryName: { type: "string", description: "Default: inferred from the saved files and the training script" },
      pipelineTag: { type: "string", description: "text-classification, tabular-classification..." },
      task: {
        type: "object",
        properties: { type: { type: "string", minLength: 1 }, name: text },
        required: ["type"],
        additionalProperties: false,
      },
      dataset: {
        type: "object",
        description:
          "The evaluation dataset: type is its Hub id, split the held-out split evaluated, revision its commit",
        properties: {
          type: { type: "string", minLength: 1 },
          name: text,
          split: { type: "string", minLength: 1 },
          config: text,
          revision: text,
        },
        required: ["type", "split"],
        additionalProperties: false,
      },
      metricsFile: file("The evaluation's metrics JSON, e.g. runs/run-3/eval.json"),
      seedMetricsFiles: {
        ...names,
        description: "The same evaluation's file for each other seed: the card reports mean ± std",
      },
      metrics: { ...names, description: "Which metrics of the file to publish (default: all but train-split ones)" },
      summary: { type: "string", minLength: 1, description: "What the model is and does, in a few sentences" },
      paper: {
        type: "object",
        properties: {
          id: text,
          title: text,
          url: text,
          metrics: { type: "object", additionalProperties: { type: "number" } },
        },
        additionalProperties: false,
        description: "The paper reproduced; metrics are its reported numbers on the same split",
      },
      trainingData: { type: "string", description: "What it was trained on: dataset, split, size, preprocessing" },
      hyperparameters: { type: "object", additionalProperties: { type: ["string", "number", "boolean"] } },
      resultsFile: { type: "string", description: `Recorded runs (default ${DEFAULT_RESULTS_FILE}, when it exists)` },
      usage: {
        type: "string",
        description: "A Python snippet that loads and runs the model (default: one made for its library)",
      },
      limitations: text,
      reproduce: {
        type: "object",
        description: "What reproduces the model; files are copied into the folder and linked from the card",
        properties: {
          trainingScript: file("e.g. train.py"),
          evalScript: file("e.g. evaluate.py"),
          config: file("The exact config the run used"),
          requirements: file("requirements.txt or pip freeze output with the package versions"),
          command: { type: "string", description: "The command that trained it" },
          seeds: { type: "array", items: { type: "integer" } },
          packages: { type: "object", additionalProperties: { type: "string" }, description: "name -> version" },
        },
        additionalProperties: false,
      },
    },
    required: ["folder", "name", "license", "task", "dataset", "metricsFile", "summary"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolutePath(`${args.folder}/README.md`, cwd) }),
  async execute(args, ctx): Promise<ToolResult> {
    const folder = absolutePath(args.folder, ctx.cwd);
    const folderStat = await ctx.fs.stat(folder);
    if (folderStat?.type !== "directory") {
      return {
        isError: true,
        content: `${shown(folder, ctx.cwd)} is not a folder. Save the trained model there first (model.save_pretrained, joblib.dump, torch.save), then write its card.`,
      };
    }
    let card: CardData;
    try {
      card = await buildCard(args, folder, ctx);
    } catch (error) {
      if (error instanceof MetricsError || error instanceof ResultsError)
        return { isError: true, content: error.message };
      throw error;
    }
    const path = `${folder}/README.md`;
    await ctx.fs.writeFile(path, renderCard(card));
    const target = card.paper?.metrics ?? card.results?.paper?.metrics ?? {};
    const summary = card.metrics.map((metric) => {
      const paper =
        metric.dataset || (metric.split && metric.split !== args.dataset.split) ? undefined : target[metric.name];
      const split = metric.split && metric.split !== args.dataset.split ? ` (${metric.split})` : "";
      return `${metric.dataset ? `${metric.dataset.name}/` : ""}${metric.name}${split} ${formatMetric(metric)}${paper === undefined ? "" : ` (paper ${formatValue(paper)})`}`;
    });
    const unsaid = card.metrics.filter((metric) => !metric.split && /^eval[_/]/.test(metric.key));
    const note = unsaid.length
      ? ` ${unsaid.map((m) => m.key).join(", ")} do${unsaid.length === 1 ? "es" : ""} not say ${unsaid.length === 1 ? "its" : "their"} split: the card says ${args.dataset.split}, as dataset.split does; make sure that is the split evaluated.`
      : "";
    const copied = card.reproduce?.files.length
      ? ` It links ${card.reproduce.files.map((f) => f.path).join(", ")}.`
      : "";
    return {
      content: `Wrote the model card ${shown(path, ctx.cwd)}: ${summary.join(", ")} on ${args.dataset.type} (${args.dataset.split})${card.libraryName ? `, library ${card.libraryName}` : ""}.${copied}${note} Upload the folder with it.`,
      details: {
        path,
        metrics: Object.fromEntries(card.metrics.map((metric) => [metricLabel(metric), metric.value])),
        ...(Object.keys(target).length ? { paper: target } : {}),
        ...(card.libraryName ? { libraryName: card.libraryName } : {}),
        runs: card.results?.runs.length ?? 0,
      },
    };
  },
});

async function buildCard(args: ModelCardArgs, folder: string, ctx: PluginToolContext): Promise<CardData> {
  const files = [args.metricsFile, ...(args.seedMetricsFiles ?? [])].map((path) => absolutePath(path, ctx.cwd));
  const metrics = await cardMetrics(ctx.fs, files, ctx.cwd, {
    ...(args.metrics ? { selection: args.metrics } : {}),
    split: args.dataset.split,
  });
  const results = await optionalResults(ctx.fs, args.resultsFile, ctx.cwd);
  const { reproduce: asked, dataset, ...rest } = args;
  const repro = await reproFiles(ctx.fs, folder, (path) => absolutePath(path, ctx.cwd), asked ?? {});
  const folderFiles = await listFiles(ctx, folder);
  const configJson = folderFiles.includes("config.json")
    ? await ctx.fs.readText(`${folder}/config.json`).catch(() => undefined)
    : undefined;
  const libraryName = args.libraryName ?? inferLibrary(folderFiles, configJson, repro.sources);
  const packages = { ...repro.packages, ...(asked?.packages ?? {}) };
  const reproduce = {
    files: repro.files,
    ...(asked?.command ? { command: asked.command } : {}),
    ...(asked?.seeds?.length ? { seeds: asked.seeds } : {}),
    ...(Object.keys(packages).length ? { packages } : {}),
    ...(dataset.revision ? { dataRevision: dataset.revision } : {}),
  };
  const { revision: _revision, ...cardDataset } = dataset;
  return {
    ...rest,
    dataset: cardDataset,
    repoId: args.repoId ?? args.name,
    ...(libraryName ? { libraryName } : {}),
    metrics,
    metricsFiles: files.map((path) => shown(path, ctx.cwd)),
    hubUrl: (ctx.env.get("HF_ENDPOINT") || PUBLIC_HUB).replace(/\/+$/, ""),
    files: folderFiles,
    ...(Object.keys(reproduce).length > 1 || repro.files.length ? { reproduce } : {}),
    ...(results ? { results } : {}),
  };
}

/** The model folder's files, relative to it (two levels deep: weights sit at the top or in a subfolder). */
async function listFiles(ctx: PluginToolContext, folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await ctx.fs.readdir(folder)) {
    if (entry.type === "directory") {
      for (const inner of await ctx.fs.readdir(`${folder}/${entry.name}`).catch(() => [])) {
        if (inner.type !== "directory") out.push(`${entry.name}/${inner.name}`);
      }
    } else out.push(entry.name);
  }
  return out.sort();
}

/** results.json when asked for or present; a file asked for by name must exist. */
async function optionalResults(
  fs: Parameters<typeof loadResults>[0],
  asked: string | undefined,
  cwd: string,
): Promise<Results | undefined> {
  const file = absolutePath(asked ?? DEFAULT_RESULTS_FILE, cwd);
  if (!(await fs.stat(file))) {
    if (asked) throw new ResultsError(`Results file ${file} does not exist; record runs with intern_record_run first.`);
    return undefined;
  }
  return loadResults(fs, file);
}
