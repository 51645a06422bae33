import { formatValue, lowerIsBetter, type Metric } from "./metrics.js";
import type { ParamValue, Results } from "./results.js";
import { toYaml, type YamlValue } from "./yaml.js";

/** Everything a model card says, with the metrics already read from the evaluation's file. */
export interface CardData {
  /** The model-index name; usually the repo id. */
  name: string;
  repoId: string;
  license: string;
  baseModel?: string;
  datasets?: string[];
  tags?: string[];
  libraryName: string;
  pipelineTag?: string;
  task: { type: string; name?: string };
  dataset: { type: string; name?: string; split: string; config?: string };
  metrics: Metric[];
  metricsFile: string;
  summary: string;
  paper?: { id?: string; title?: string; url?: string; metrics?: Record<string, number> };
  trainingData?: string;
  hyperparameters?: Record<string, ParamValue>;
  results?: Results;
  usage?: string;
  limitations?: string;
}

/** The YAML metadata block: the Hub reads license, base_model… and the model-index for its widgets. */
export function cardMetadata(card: CardData): Record<string, YamlValue | undefined> {
  const dataset: Record<string, YamlValue | undefined> = {
    type: card.dataset.type,
    name: card.dataset.name ?? card.dataset.type,
    config: card.dataset.config,
    split: card.dataset.split,
  };
  return {
    license: card.license,
    base_model: card.baseModel,
    datasets: card.datasets?.length ? card.datasets : undefined,
    tags: card.tags?.length ? card.tags : undefined,
    library_name: card.libraryName,
    pipeline_tag: card.pipelineTag,
    "model-index": [
      {
        name: card.name,
        results: [
          {
            task: { type: card.task.type, name: card.task.name ?? titleCase(card.task.type) },
            dataset,
            metrics: card.metrics.map((metric) => ({
              type: metric.name,
              value: metric.value,
              name: titleCase(metric.name),
            })),
          },
        ],
      },
    ],
  };
}

export function renderCard(card: CardData): string {
  const sections = [
    `---\n${toYaml(cardMetadata(card))}---`,
    `# ${card.name}`,
    card.summary.trim(),
    howItWasMade(card),
    evaluation(card),
    `## How to use it\n\n\`\`\`python\n${(card.usage ?? usageSnippet(card)).trim()}\n\`\`\``,
    `## Limitations\n\n${(card.limitations ?? defaultLimitations(card)).trim()}`,
  ];
  return `${sections.join("\n\n")}\n`;
}

function howItWasMade(card: CardData): string {
  const lines = ["## How it was made", ""];
  if (card.paper) lines.push(`- Paper: ${paperLink(card.paper)}`);
  if (card.baseModel) lines.push(`- Base model: [${card.baseModel}](https://huggingface.co/${card.baseModel})`);
  if (card.datasets?.length) {
    lines.push(`- Datasets: ${card.datasets.map((id) => `[${id}](https://huggingface.co/datasets/${id})`).join(", ")}`);
  }
  if (card.trainingData) lines.push(`- Training data: ${card.trainingData.trim()}`);
  const runs = card.results?.runs ?? [];
  if (runs.length) {
    const ok = runs.filter((run) => run.status === "ok").length;
    lines.push(`- Runs: ${runs.length} recorded (${ok} completed); every run is in the evaluation table below.`);
  }
  const params = Object.entries(card.hyperparameters ?? {});
  if (params.length) {
    lines.push("", "### Hyperparameters", "", "| Name | Value |", "| --- | --- |");
    for (const [name, value] of params) lines.push(`| ${name} | ${escapeCell(String(value))} |`);
  }
  return lines.join("\n");
}

function evaluation(card: CardData): string {
  const where = `${card.dataset.name ?? card.dataset.type}, ${card.dataset.split} split`;
  const target = card.paper?.metrics ?? card.results?.paper?.metrics ?? {};
  const hasTarget = card.metrics.some((metric) => target[metric.name] !== undefined);
  const lines = ["## Evaluation", "", `Measured on ${where}; the numbers are read from \`${card.metricsFile}\`.`, ""];
  lines.push(hasTarget ? "| Metric | This model | Paper | Difference |" : "| Metric | This model |");
  lines.push(hasTarget ? "| --- | --- | --- | --- |" : "| --- | --- |");
  for (const metric of card.metrics) {
    const paper = target[metric.name];
    if (!hasTarget) lines.push(`| ${metric.name} | ${formatValue(metric.value)} |`);
    else if (paper === undefined) lines.push(`| ${metric.name} | ${formatValue(metric.value)} | | |`);
    else {
      const note = lowerIsBetter(metric.name) ? " (lower is better)" : "";
      lines.push(
        `| ${metric.name} | ${formatValue(metric.value)} | ${formatValue(paper)} | ${signed(metric.value - paper)}${note} |`,
      );
    }
  }
  const runs = card.results?.runs ?? [];
  if (runs.length) {
    const names = [...new Set([...Object.keys(target), ...runs.flatMap((run) => Object.keys(run.metrics))])];
    lines.push("", "### Every run", "", `| Run | Status | ${names.join(" | ")} | Notes |`);
    lines.push(`| --- | --- | ${names.map(() => "---").join(" | ")} | --- |`);
    if (Object.keys(target).length) {
      lines.push(`| paper | | ${names.map((name) => cell(target[name])).join(" | ")} | |`);
    }
    for (const run of runs) {
      const values = names.map((name) => (name in run.metrics ? cell(run.metrics[name]) : ""));
      lines.push(`| ${run.id} | ${run.status} | ${values.join(" | ")} | ${escapeCell(run.notes ?? "")} |`);
    }
  }
  return lines.join("\n");
}

/** A snippet that runs as written: the pipeline when the task has one, else the raw files. */
export function usageSnippet(card: Pick<CardData, "repoId" | "libraryName" | "pipelineTag">): string {
  if (card.libraryName === "transformers" && card.pipelineTag) {
    return [
      "from transformers import pipeline",
      "",
      `pipe = pipeline("${card.pipelineTag}", model="${card.repoId}")`,
      'print(pipe("Replace this with your input."))',
    ].join("\n");
  }
  if (card.libraryName === "transformers") {
    return [
      "from transformers import AutoModel, AutoTokenizer",
      "",
      `tokenizer = AutoTokenizer.from_pretrained("${card.repoId}")`,
      `model = AutoModel.from_pretrained("${card.repoId}")`,
    ].join("\n");
  }
  return [
    "from huggingface_hub import snapshot_download",
    "",
    `path = snapshot_download("${card.repoId}")`,
    "print(path)  # the model's files; load them as the training script saved them",
  ].join("\n");
}

function defaultLimitations(card: CardData): string {
  return [
    `Evaluated only on the ${card.dataset.split} split of ${card.dataset.name ?? card.dataset.type}; results on other data may differ.`,
    "It inherits the biases and limitations of its base model and training data. Check it on your own data before relying on it.",
  ].join(" ");
}

function paperLink(paper: NonNullable<CardData["paper"]>): string {
  const url = paper.url ?? (paper.id ? `https://arxiv.org/abs/${paper.id}` : undefined);
  const title = paper.title ?? (paper.id ? `arXiv:${paper.id}` : "the paper");
  return url ? `[${title}](${url})` : title;
}

function titleCase(text: string): string {
  return text
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

function cell(value: number | null | undefined): string {
  if (value === undefined) return "";
  return value === null ? "non-finite" : formatValue(value);
}

function signed(delta: number): string {
  return delta < 0 ? `−${formatValue(-delta)}` : `+${formatValue(delta)}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
