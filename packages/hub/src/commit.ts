import type { IncomingMessage, ServerResponse } from "node:http";
import { openPullRequest, recordPullCommit } from "./discussions.js";
import { checkContentType, HubError, JSON_TYPES, readBody, sendJson } from "./http.js";
import { LFS_THRESHOLD } from "./lfs.js";
import type { Operation, RepoStore, RepoType } from "./repos.js";

interface NdLine {
  key: string;
  value: Record<string, unknown>;
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== "string" || value === "") throw new HubError(400, `Commit: missing ${what}`);
  return value;
};

/**
 * The most a commit's NDJSON may weigh: files under the LFS threshold travel inside it, base64, so
 * a commit of many small files is large; anything bigger goes through LFS (streamed to disk).
 */
export const COMMIT_BODY_LIMIT = 256 * 1024 * 1024;

export function checkPath(path: string): string {
  const clean = path.replace(/^\/+/, "");
  if (!clean || clean.split("/").some((part) => part === ".." || part === "." || part === "") || clean.includes("\0")) {
    throw new HubError(400, `Invalid path "${path}"`);
  }
  return clean;
}

/** Parses the commit NDJSON (`header`, `file`, `lfsFile`, `deletedFile`, `deletedFolder`) into operations. */
export function parseCommit(
  body: string,
  store: RepoStore,
): { header: { title: string; message: string; parentCommit?: string }; operations: Operation[] } {
  const lines = body
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as NdLine;
      } catch {
        throw new HubError(400, "Commit: body is not valid NDJSON");
      }
    });
  const head = lines.find((line) => line.key === "header")?.value ?? {};
  const header = {
    title: typeof head.summary === "string" && head.summary ? head.summary : "Upload files",
    message: typeof head.description === "string" ? head.description : "",
    ...(typeof head.parentCommit === "string" ? { parentCommit: head.parentCommit } : {}),
  };
  const operations: Operation[] = [];
  for (const { key, value } of lines) {
    switch (key) {
      case "header":
        break;
      case "file": {
        const path = checkPath(str(value.path, "file path"));
        const encoding = value.encoding === "base64" ? "base64" : "utf8";
        const data = Buffer.from(typeof value.content === "string" ? value.content : "", encoding);
        operations.push({ kind: "put", path, entry: store.putBlob(data, data.length >= LFS_THRESHOLD) });
        break;
      }
      case "lfsFile": {
        const path = checkPath(str(value.path, "lfsFile path"));
        if (value.algo !== undefined && value.algo !== "sha256")
          throw new HubError(400, "Commit: lfsFile algo must be sha256");
        const oid = str(value.oid, "lfsFile oid");
        // `size` is optional in the Hub's API (older huggingface_hub sends none): the stored object knows it.
        const entry = store.lfsEntry(oid, value.size === undefined ? undefined : Number(value.size));
        operations.push({ kind: "put", path, entry });
        break;
      }
      case "deletedFile":
      case "deletedFolder":
        operations.push({ kind: "delete", path: checkPath(str(value.path, "deleted path")) });
        break;
      default:
        throw new HubError(400, `Commit: unknown key "${key}"`);
    }
  }
  return { header, operations };
}

/**
 * `POST /api/{type}s/{repo}/commit/{rev}[?create_pr=1]`. With `create_pr`, the commit opens pull
 * request `refs/pr/{num}` from `rev`'s head instead of moving `rev`, and the answer carries
 * `pullRequestUrl` (as on the Hub).
 */
export async function commitRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  baseUrl: string,
  repo: { type: RepoType; id: string },
  branch: string,
  user = "local",
): Promise<void> {
  store.meta(repo.type, repo.id);
  const query = new URL(req.url ?? "/", baseUrl).searchParams;
  const createPr = ["1", "true"].includes(query.get("create_pr") ?? "");
  checkContentType(req, [/^application\/x-ndjson$/, ...JSON_TYPES]);
  const body = (await readBody(req, COMMIT_BODY_LIMIT)).toString("utf8");
  const { header, operations } = parseCommit(body, store);
  // Check the base before opening anything, so a bad revision leaves no empty pull request behind.
  if (createPr) store.resolve(repo.type, repo.id, branch);
  // A pull request starts from `parentCommit` when given (huggingface_hub's create_pr + parent_commit).
  const pr = createPr
    ? openPullRequest(store, repo, {
        title: header.title,
        description: header.message,
        author: user,
        base: branch,
        from: header.parentCommit ?? branch,
      })
    : undefined;
  const target = pr ? `refs/pr/${pr}` : branch;
  const commit = store.applyCommit(
    repo.type,
    repo.id,
    target,
    operations,
    pr ? { title: header.title, message: header.message } : header,
  );
  recordPullCommit(store, repo, target, commit, user);
  const prefix = repo.type === "model" ? "" : `${repo.type}s/`;
  sendJson(res, 200, {
    success: true,
    commitOid: commit.id,
    commitUrl: `${baseUrl}/${prefix}${repo.id}/commit/${commit.id}`,
    commitMessage: header.title,
    hookOutput: "",
    ...(pr ? { pullRequestUrl: `${baseUrl}/${prefix}${repo.id}/discussions/${pr}` } : {}),
  });
}
