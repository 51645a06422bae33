import { definePlugin } from "@pincer/sdk";
import { hfDatasetInspect, hfPapersSearch } from "./datasets.js";
import { hfJobCancel, hfJobLogs, hfJobRun, hfJobStatus } from "./jobs.js";
import { hfCreateRepo, hfDeleteFile, hfHubSearch, hfReadFile, hfRepoFiles, hfUploadFile } from "./repos.js";

export { type CheckResult, checkColumns, type DatasetCheck } from "./datasets.js";

/**
 * The Hugging Face toolbelt: the Hub's HTTP API at HF_ENDPOINT (default https://huggingface.co),
 * with HF_TOKEN when set. Reading never asks; writing to a repo, creating one and running or
 * cancelling a job ask in the default permission mode.
 */
export default definePlugin({
  tools: [
    hfHubSearch,
    hfRepoFiles,
    hfReadFile,
    hfUploadFile,
    hfCreateRepo,
    hfDeleteFile,
    hfDatasetInspect,
    hfPapersSearch,
    hfJobRun,
    hfJobStatus,
    hfJobLogs,
    hfJobCancel,
  ],
});
