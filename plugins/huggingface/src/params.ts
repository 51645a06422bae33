import { REPO_TYPES } from "./hub.js";

/** The argument schemas every repo tool shares, so the model sees them worded one way. */
export const typeParam = {
  type: "string",
  enum: REPO_TYPES,
  description: 'The repo type: "model" (default), "dataset" or "space".',
};
export const repoParam = { type: "string", description: 'The repo id, owner/name (e.g. "ada/my-model").' };
export const revisionParam = { type: "string", description: 'A branch, tag or commit (default "main").' };

/** What a permission rule matches for a repo tool: plain text such as `owner/name@branch`. */
export const textSubject = (value: string) => ({ kind: "text" as const, value });
