// A caller that decided its Hub runs jobs as plain processes (tests); pincer passes the OS sandbox.
export { type JobLauncher, unconfinedLauncher } from "@pincer/jobs";
export { TREE_PAGE_SIZE } from "./files.js";
export { type JobStage, JobsApi, type JobsApiOptions, stageOf } from "./jobs-api.js";
export { LFS_THRESHOLD } from "./lfs.js";
export { MULTIPART_CHUNK_SIZE, MULTIPART_THRESHOLD, type MultipartOptions } from "./lfs-multipart.js";
export type { Paper } from "./papers.js";
export { type Commit, type FileEntry, type RepoMeta, RepoStore, type RepoType } from "./repos.js";
export {
  bearerToken,
  checkHostAndOrigin,
  isLoopbackHost,
  type Listening,
  type Refusal,
  secretsMatch,
} from "./request-gate.js";
export { type LocalHub, type LocalHubOptions, startLocalHub } from "./server.js";
