import { defineTool, type ToolResult } from "@pincer/sdk";
import { type CardData, renderCard } from "./card.js";
import { formatValue, MetricsError, readMetrics, requireFinite } from "./metrics.js";
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
  dataset: { type: string; name?: string; split: string; config?: string };
  metricsFile: string;
  metrics?: string[];
  summary: string;
  paper?: { id?: string; title?: string; url?: string; metrics?: Record<string, number> };
  trainingData?: string;
  hyperparameters?: Record<string, ParamValue>;
  resultsFile?: string;
  usage?: string;
  limitations?: string;
}

const text = { type: "string" } as const;
const names = { type: "array", items: { type: "string", minLength: 1 } } as const;

/**
 * `intern_model_card`: README.md for a model folder, in the Hub's model card format. The numbers
 * in the card are read from the metrics file the evaluation wrote (and results.json for the
 * table of runs), never taken from the model's words; a missing, unreadable or non-finite
 * metrics file is an error naming it.
 */
export const internModelCard = defineTool<ModelCardArgs>({
  name: "intern_model_card",
  description: [
    "Write README.md (the model card) in a model folder before uploading it: YAML metadata (license, base_model, datasets, tags, library_name, pipeline_tag, model-index with the evaluation results) and sections on how it was made, the evaluation against the paper, how to use it, and limitations.",
    "The metric values come from metricsFile (the JSON your evaluation wrote on the held-out split) and the runs from results.json; never type numbers in yourself.",
  ].join(" "),
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      folder: { type: "string", description: "The model folder; the card is written to <folder>/README.md" },
      name: { type: "string", minLength: 1, description: "The model's name in model-index, usually its repo id" },
      repoId: { type: "string", description: "owner/name on the Hub, for the usage snippet (default: name)" },
      license: { type: "string", minLength: 1, description: "A Hub license id: apache-2.0, mit, cc-by-4.0…" },
      baseModel: { type: "string", description: "The model it was fine-tuned from, as a Hub id" },
      datasets: { ...names, description: "Hub ids of the training datasets" },
      tags: names,
      libraryName: { type: "string", description: "default transformers" },
      pipelineTag: { type: "string", description: "text-classification, text-generation…" },
      task: {
        type: "object",
        properties: { type: { type: "string", minLength: 1 }, name: text },
        required: ["type"],
        additionalProperties: false,
      },
      dataset: {
        type: "object",
        description: "The evaluation dataset: type is its Hub id, split the held-out split evaluated",
        properties: {
          type: { type: "string", minLength: 1 },
          name: text,
          split: { type: "string", minLength: 1 },
          config: text,
        },
        required: ["type", "split"],
        additionalProperties: false,
      },
      metricsFile: { type: "string", description: "The evaluation's metrics JSON, e.g. runs/run-3/eval.json" },
      metrics: { ...names, description: "Which metrics of the file to publish (default: all)" },
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
        description: "A Python snippet that loads and runs the model (default: one made from the pipeline tag)",
      },
      limitations: text,
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
        content: `${shown(folder, ctx.cwd)} is not a folder. Save the trained model there first (model.save_pretrained), then write its card.`,
      };
    }
    const metricsFile = absolutePath(args.metricsFile, ctx.cwd);
    let card: CardData;
    try {
      let metrics = await readMetrics(ctx.fs, metricsFile);
      if (args.metrics?.length) {
        const missing = args.metrics.filter((name) => !metrics.some((metric) => metric.name === name));
        if (missing.length) {
          throw new MetricsError(
            `Metrics file ${metricsFile} has no ${missing.join(", ")}; it has ${metrics.map((metric) => metric.name).join(", ")}.`,
          );
        }
        metrics = metrics.filter((metric) => args.metrics!.includes(metric.name));
      }
      requireFinite(metricsFile, metrics);
      const results = await optionalResults(ctx.fs, args.resultsFile, ctx.cwd);
      card = {
        ...args,
        repoId: args.repoId ?? args.name,
        libraryName: args.libraryName ?? "transformers",
        metrics,
        metricsFile: shown(metricsFile, ctx.cwd),
        ...(results ? { results } : {}),
      };
    } catch (error) {
      if (error instanceof MetricsError || error instanceof ResultsError)
        return { isError: true, content: error.message };
      throw error;
    }
    const path = `${folder}/README.md`;
    await ctx.fs.writeFile(path, renderCard(card));
    const target = card.paper?.metrics ?? card.results?.paper?.metrics ?? {};
    const summary = card.metrics.map((metric) => {
      const paper = target[metric.name];
      return `${metric.name} ${formatValue(metric.value)}${paper === undefined ? "" : ` (paper ${formatValue(paper)})`}`;
    });
    return {
      content: `Wrote the model card ${shown(path, ctx.cwd)}: ${summary.join(", ")} on ${args.dataset.type} (${args.dataset.split}). Upload the folder with it.`,
      details: {
        path,
        metrics: Object.fromEntries(card.metrics.map((metric) => [metric.name, metric.value])),
        ...(Object.keys(target).length ? { paper: target } : {}),
        runs: card.results?.runs.length ?? 0,
      },
    };
  },
});

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
