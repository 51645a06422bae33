import { definePlugin } from "@pincer/sdk";
import { internModelCard } from "./model-card.js";
import { internRecordRun, internResults } from "./record-run.js";

export { type CardData, cardMetadata, renderCard } from "./card.js";
export { usageSnippet } from "./card-usage.js";
export { inferLibrary } from "./library.js";
export { metricsOf } from "./metric-formats.js";
export { combineSeeds, type Metric, MetricsError, metricLabel, readMetrics } from "./metrics.js";
export { bestRun, type Results, type RunRecord, renderResultsMarkdown } from "./results.js";
export { toYaml } from "./yaml.js";

/**
 * The ML intern's own tools. Everything it does outside the workspace (papers, datasets, jobs,
 * uploads) goes through the Hugging Face plugin; these only read the files the evaluation wrote
 * and write the card and the results table, inside the workspace.
 */
export default definePlugin({ tools: [internModelCard, internRecordRun, internResults] });
