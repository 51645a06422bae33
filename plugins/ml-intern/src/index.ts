import { definePlugin } from "@pincer/sdk";
import { githubReadFile, githubSearchCode, githubSearchRepos } from "./github-tools.js";
import { internCommand } from "./intern/command.js";
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
 * The ML intern's own tools. Everything it does on the Hub (papers, datasets, jobs, uploads) goes
 * through the Hugging Face plugin; these read the files the evaluation wrote and write the card
 * and the results table, inside the workspace, and search and read reference code on GitHub.
 */
export default definePlugin({
  tools: [internModelCard, internRecordRun, internResults, githubSearchCode, githubSearchRepos, githubReadFile],
  // `pincer intern …`: the run, pipelines, resume and the demo, driving sessions from this sandbox.
  commands: [internCommand],
});
