import { PUBLIC_HUB, type Reproduce, reproduceSection, usageSnippet } from "./card-usage.js";
import { formatMetric, formatValue, lowerIsBetter, type Metric } from "./metrics.js";
import { columnMeasure, type ParamValue, paperValue, type Results } from "./results.js";
import { toYaml, type YamlValue } from "./yaml.js";

/** The evaluation dataset as the card names it. */
export interface CardDataset {
  type: string;
  name?: string;
  split: string;
  config?: string;
}

/** Everything a model card says, with the metrics already read from the evaluation's files. */
export interface CardData {
  /** The model-index name; usually the repo id. */
  name: string;
  repoId: string;
  license: string;
  baseModel?: string;
  datasets?: string[];
  tags?: string[];
  /** The library used; none when nothing showed it (the card then names none). */
  libraryName?: string;
  pipelineTag?: string;
  task: { type: string; name?: string };
  dataset: CardDataset;
  /** Each with its split (the card's split where the evaluation did not say) and its dataset when it had its own. */
  metrics: Metric[];
  /** The metrics files, as the user reads them (several: one per seed). */
  metricsFiles: string[];
  summary: string;
  paper?: { id?: string; title?: string; url?: string; metrics?: Record<string, number> };
  trainingData?: string;
  hyperparameters?: Record<string, ParamValue>;
  results?: Results;
  usage?: string;
  limitations?: string;
  /** The Hub the repo is on (HF_ENDPOINT): every Hub link points there. */
  hubUrl?: string;
  /** The model folder's files, for the usage snippet. */
  files?: string[];
  reproduce?: Reproduce;
}

const hubOf = (card: CardData): string => (card.hubUrl ?? PUBLIC_HUB).replace(/\/+$/, "");

/** Results grouped as model-index wants them: one entry per dataset and split. */
function resultGroups(card: CardData): { dataset: Record<string, YamlValue | undefined>; metrics: Metric[] }[] {
  const groups = new Map<string, { dataset: Record<string, YamlValue | undefined>; metrics: Metric[] }>();
  for (const metric of card.metrics) {
    const own = metric.dataset;
    const split = metric.split ?? card.dataset.split;
    const dataset: Record<string, YamlValue | undefined> = own
      ? { type: own.type ?? own.name, name: own.name, config: own.config, split }
      : {
          type: card.dataset.type,
          name: card.dataset.name ?? card.dataset.type,
          config: card.dataset.config,
          split,
          revision: card.reproduce?.dataRevision,
        };
    const key = JSON.stringify(dataset);
    const group = groups.get(key) ?? { dataset, metrics: [] };
    group.metrics.push(metric);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The YAML metadata block: the Hub reads license, base_model… and the model-index for its widgets. */
export function cardMetadata(card: CardData): Record<string, YamlValue | undefined> {
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
        results: resultGroups(card).map((group) => ({
          task: { type: card.task.type, name: card.task.name ?? titleCase(card.task.type) },
          dataset: group.dataset,
          metrics: group.metrics.map((metric) => ({
            type: metric.name,
            value: metric.value,
            name: titleCase(metric.name),
          })),
        })),
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
    reproduceSection(card.reproduce, card.dataset, hubOf(card)),
    `## How to use it\n\n\`\`\`python\n${(card.usage ?? usageSnippet({ ...card, hubUrl: hubOf(card) })).trim()}\n\`\`\``,
    `## Limitations\n\n${(card.limitations ?? defaultLimitations(card)).trim()}`,
  ].filter(Boolean);
  return `${sections.join("\n\n")}\n`;
}

function howItWasMade(card: CardData): string {
  const hub = hubOf(card);
  const lines = ["## How it was made", ""];
  if (card.paper) lines.push(`- Paper: ${paperLink(card.paper)}`);
  if (card.baseModel) lines.push(`- Base model: [${card.baseModel}](${hub}/${card.baseModel})`);
  if (card.libraryName) lines.push(`- Library: ${card.libraryName}`);
  if (card.datasets?.length) {
    lines.push(`- Datasets: ${card.datasets.map((id) => `[${id}](${hub}/datasets/${id})`).join(", ")}`);
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

/** The paper's number for a metric measured on the card's own dataset and split. */
function paperTarget(card: CardData, metric: Metric): number | undefined {
  if (metric.dataset || (metric.split && metric.split !== card.dataset.split)) return undefined;
  return (card.paper?.metrics ?? card.results?.paper?.metrics)?.[metric.name];
}

function evaluation(card: CardData): string {
  const where = `${card.dataset.name ?? card.dataset.type}, ${card.dataset.split} split`;
  const files = card.metricsFiles.map((file) => `\`${file}\``).join(", ");
  const seeds = card.metrics.find((metric) => metric.runs)?.runs;
  const hasTarget = card.metrics.some((metric) => paperTarget(card, metric) !== undefined);
  const lines = [
    "## Evaluation",
    "",
    `Measured on ${where} unless a row says otherwise; the numbers are read from ${files}.`,
  ];
  if (seeds) lines.push(`Each value is the mean ± standard deviation over ${seeds} seeds (one metrics file each).`);
  if (card.metrics.some((metric) => metric.stderr !== undefined))
    lines.push("± is the evaluation harness's standard error.");
  lines.push("");
  lines.push(hasTarget ? "| Metric | Split | This model | Paper | Difference |" : "| Metric | Split | This model |");
  lines.push(hasTarget ? "| --- | --- | --- | --- | --- |" : "| --- | --- | --- |");
  for (const metric of card.metrics) {
    const name = metric.dataset ? `${metric.dataset.name}/${metric.name}` : metric.name;
    const split = metric.split ?? card.dataset.split;
    const paper = paperTarget(card, metric);
    if (!hasTarget) lines.push(`| ${escapeCell(name)} | ${split} | ${formatMetric(metric)} |`);
    else if (paper === undefined) lines.push(`| ${escapeCell(name)} | ${split} | ${formatMetric(metric)} | | |`);
    else {
      const note = lowerIsBetter(metric.name) ? " (lower is better)" : "";
      lines.push(
        `| ${escapeCell(name)} | ${split} | ${formatMetric(metric)} | ${formatValue(paper)} | ${signed(metric.value - paper)}${note} |`,
      );
    }
  }
  const runs = card.results?.runs ?? [];
  if (runs.length) {
    const names = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))];
    // A column is labelled with its split (`mae (test)`); the paper's numbers are keyed by metric name.
    const paperFor = (label: string): number | undefined => {
      const measure = columnMeasure(runs, label);
      if (card.results?.paper) return paperValue(card.results, measure);
      return measure.dataset ? undefined : card.paper?.metrics?.[measure.name];
    };
    lines.push("", "### Every run", "", `| Run | Status | ${names.map(escapeCell).join(" | ")} | Notes |`);
    lines.push(`| --- | --- | ${names.map(() => "---").join(" | ")} | --- |`);
    if (names.some((label) => paperFor(label) !== undefined))
      lines.push(`| paper | | ${names.map((label) => cell(paperFor(label))).join(" | ")} | |`);
    for (const run of runs) {
      const values = names.map((label) => (label in run.metrics ? cell(run.metrics[label]) : ""));
      lines.push(`| ${run.id} | ${run.status} | ${values.join(" | ")} | ${escapeCell(run.notes ?? "")} |`);
    }
  }
  return lines.join("\n");
}

function defaultLimitations(card: CardData): string {
  const splits = [...new Set(card.metrics.map((metric) => metric.split ?? card.dataset.split))].join(" and ");
  return [
    `Evaluated only on the ${splits} split${splits.includes(" and ") ? "s" : ""} of ${card.dataset.name ?? card.dataset.type}; results on other data may differ.`,
    card.baseModel
      ? `It inherits the biases and limitations of its base model (${card.baseModel}) and its training data.`
      : "It inherits the biases and limitations of its training data.",
    "Check it on your own data before relying on it.",
  ].join(" ");
}

function paperLink(paper: NonNullable<CardData["paper"]>): string {
  const url = paper.url ?? (paper.id ? `https://arxiv.org/abs/${paper.id}` : undefined);
  const title = paper.title ?? (paper.id ? `arXiv:${paper.id}` : "the paper");
  return url ? `[${title}](${url})` : title;
}

/** Metric names written as initials, as the Hub's cards spell them (MAE, not Mae). */
const INITIALISMS = new Set([
  "mae",
  "mse",
  "rmse",
  "mape",
  "smape",
  "auc",
  "roc",
  "map",
  "mrr",
  "ndcg",
  "wer",
  "cer",
  "bleu",
  "ppl",
  "iou",
  "r2",
  "f1",
  "em",
]);

function titleCase(text: string): string {
  return text
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) =>
      INITIALISMS.has(word.toLowerCase()) ? word.toUpperCase() : word.charAt(0).toUpperCase() + word.slice(1),
    )
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
