import { definePlugin } from "@pincer/sdk";
import { hfDatasetInspect } from "./datasets.js";
import { hfDocsBrowse, hfDocsFetch, hfDocsSearch } from "./docs.js";
import { hfDownload } from "./download.js";
import { hfEndpointCreate, hfEndpointInfo, hfEndpointManage } from "./endpoints.js";
import { hfJobWait } from "./job-wait.js";
import { hfJobCancel, hfJobLogs, hfJobRun, hfJobStatus } from "./jobs.js";
import { hfJobRunImage } from "./jobs-image.js";
import { hfScheduledJobCreate, hfScheduledJobManage, hfScheduledJobs } from "./jobs-scheduled.js";
import { hfPapersDetails, hfPapersLinked, hfPapersSearch, hfPapersTrending } from "./papers.js";
import { hfPapersCitations, hfPapersSimilar } from "./papers-graph.js";
import { hfPapersRead } from "./papers-read.js";
import { hfCreateBranch, hfCreatePr, hfCreateTag, hfDeleteBranch, hfListRefs } from "./refs.js";
import { hfCreateRepo, hfDeleteFile, hfHubSearch, hfReadFile, hfRepoFiles } from "./repos.js";
import { hfTrackCompare, hfTrackLog } from "./track-tools.js";
import { hfUploadFile, hfUploadFolder } from "./upload-tools.js";

export {
  type CheckResult,
  type ColumnInfo,
  checkDataset,
  DATASET_CHECKS,
  type DatasetCheck,
  roleOf,
} from "./dataset-checks.js";

/**
 * The Hugging Face toolbelt: the Hub's HTTP API at HF_ENDPOINT (default https://huggingface.co),
 * with HF_TOKEN when set. Reading never asks; writing to a repo, creating one, running or
 * cancelling a job and creating or managing an Inference Endpoint ask in the default permission mode.
 */
export default definePlugin({
  tools: [
    hfHubSearch,
    hfRepoFiles,
    hfReadFile,
    hfDownload,
    hfUploadFile,
    hfUploadFolder,
    hfListRefs,
    hfCreateBranch,
    hfDeleteBranch,
    hfCreateTag,
    hfCreatePr,
    hfCreateRepo,
    hfDeleteFile,
    hfDatasetInspect,
    hfPapersSearch,
    hfPapersDetails,
    hfPapersRead,
    hfPapersTrending,
    hfPapersLinked,
    hfPapersCitations,
    hfPapersSimilar,
    hfJobRun,
    hfJobStatus,
    hfJobLogs,
    hfJobCancel,
    hfJobWait,
    hfJobRunImage,
    hfScheduledJobCreate,
    hfScheduledJobs,
    hfScheduledJobManage,
    hfDocsBrowse,
    hfDocsSearch,
    hfDocsFetch,
    hfEndpointCreate,
    hfEndpointInfo,
    hfEndpointManage,
    hfTrackLog,
    hfTrackCompare,
  ],
});
