export { installHint, missingModules, moduleFor, pipName } from "./dependencies.js";
export {
  checkRelativePath,
  INPUTS_DIR,
  listOutputs,
  OUTPUT_LIMITS,
  OUTPUTS_DIR,
  type OutputListing,
  readOutput,
  writeInputs,
} from "./job-files.js";
export { defaultJobsDir } from "./job-store.js";
export { type JobLaunch, type JobLauncher, type JobProcess, unconfinedLauncher } from "./launcher.js";
export { LocalJobRunner, type LocalJobRunnerOptions } from "./local.js";
export { parseMetricLine } from "./metrics.js";
export {
  type Job,
  type JobInfo,
  type JobResult,
  type JobRunner,
  type JobSpec,
  type JobStatus,
  type MetricPoint,
  TERMINAL_STATUSES,
} from "./types.js";
