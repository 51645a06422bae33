import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HubError, notFound, readJson, sendJson } from "./http.js";
import type { RepoStore, RepoType } from "./repos.js";

/**
 * Discussions and pull requests, shaped like the Hub's `/api/{type}s/{repo}/discussions` API: a pull
 * request is a discussion with `refs/pr/{num}` behind it, which commits (`?create_pr=1`, or a commit
 * to `refs/pr/{num}`) move, and which a merge copies onto its base branch.
 */

type Repo = { type: RepoType; id: string };
type Status = "open" | "closed" | "merged" | "draft";

interface DiscussionEvent {
  id: string;
  type: "comment" | "status-change" | "commit";
  createdAt: string;
  author: { name: string };
  data: Record<string, unknown>;
}

interface Discussion {
  num: number;
  title: string;
  status: Status;
  isPullRequest: boolean;
  createdAt: string;
  author: string;
  base?: string;
  mergeCommitId?: string;
  events: DiscussionEvent[];
}

const PAGE_SIZE = 50;
const FILE = "discussions.json";

const event = (type: DiscussionEvent["type"], author: string, data: Record<string, unknown>): DiscussionEvent => ({
  id: randomBytes(12).toString("hex"),
  type,
  createdAt: new Date().toISOString(),
  author: { name: author },
  data,
});

const comment = (author: string, text: string): DiscussionEvent =>
  event("comment", author, { edited: false, hidden: false, latest: { raw: text, html: text } });

function load(store: RepoStore, repo: Repo): Discussion[] {
  store.meta(repo.type, repo.id);
  return store.readRepoJson<Discussion[]>(repo.type, repo.id, FILE, []);
}

const save = (store: RepoStore, repo: Repo, all: Discussion[]): void =>
  store.writeRepoJson(repo.type, repo.id, FILE, all);

function summary(repo: Repo, d: Discussion): Record<string, unknown> {
  return {
    num: d.num,
    title: d.title,
    status: d.status,
    isPullRequest: d.isPullRequest,
    createdAt: d.createdAt,
    author: { name: d.author },
    repo: { name: repo.id, type: repo.type },
    numComments: d.events.filter((e) => e.type === "comment").length,
    pinned: false,
    ...(d.isPullRequest ? { topReactions: [], numReactionUsers: 0 } : {}),
  };
}

function details(store: RepoStore, repo: Repo, d: Discussion): Record<string, unknown> {
  return {
    ...summary(repo, d),
    events: d.events,
    ...(d.isPullRequest
      ? {
          changes: { base: `refs/heads/${d.base}`, ...(d.mergeCommitId ? { mergeCommitId: d.mergeCommitId } : {}) },
          filesWithConflicts: [],
          ref: `refs/pr/${d.num}`,
          headCommit: store.pullRefs(repo.type, repo.id)[String(d.num)],
        }
      : {}),
  };
}

/** Opens pull request `num + 1` on `base`'s head; the caller commits onto `refs/pr/{num}` afterwards. */
export function openPullRequest(
  store: RepoStore,
  repo: Repo,
  opening: { title: string; description: string; author: string; base: string; from?: string },
): number {
  const all = load(store, repo);
  const num = all.reduce((max, d) => Math.max(max, d.num), 0) + 1;
  store.createPullRef(repo.type, repo.id, num, opening.from ?? opening.base);
  all.push({
    num,
    title: opening.title,
    status: "open",
    isPullRequest: true,
    createdAt: new Date().toISOString(),
    author: opening.author,
    base: opening.base.replace(/^refs\/heads\//, ""),
    events: [comment(opening.author, opening.description)],
  });
  save(store, repo, all);
  return num;
}

/** Adds a `commit` event to the pull request behind `refs/pr/{num}`, if the revision is one. */
export function recordPullCommit(
  store: RepoStore,
  repo: Repo,
  revision: string,
  commit: { id: string; title: string },
  author: string,
): void {
  const match = /^refs\/pr\/(\d+)$/.exec(revision);
  if (!match) return;
  const all = load(store, repo);
  const found = all.find((d) => d.num === Number(match[1]));
  if (!found) return;
  found.events.push(event("commit", author, { subject: commit.title, oid: commit.id }));
  if (found.status === "draft") found.status = "open";
  save(store, repo, all);
}

function find(all: Discussion[], num: string | undefined): Discussion {
  const found = all.find((d) => String(d.num) === num);
  if (!found) throw notFound("DiscussionNotFound", `Discussion #${num} not found`);
  return found;
}

/**
 * The list filter has two sides, as `numClosedDiscussions` counts them: `open` takes drafts too (a
 * pull request opened empty is open to commits) and `closed` takes merged ones.
 */
const STATUS_FILTER: Record<string, readonly Status[]> = { open: ["open", "draft"], closed: ["closed", "merged"] };

/** `/api/{type}s/{repo}/discussions[/{num}[/comment|status|merge]]`. */
export async function discussionsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  store: RepoStore,
  repo: Repo,
  user: string,
  rest: string[],
): Promise<void> {
  const method = req.method ?? "GET";
  const [num, action] = rest;
  const all = load(store, repo);
  if (!num && method === "GET") {
    const type = url.searchParams.get("type") ?? "all";
    const status = url.searchParams.get("status") ?? "all";
    const author = url.searchParams.get("author");
    const search = (url.searchParams.get("search") ?? "").toLowerCase();
    const matching = all
      .filter((d) => type === "all" || (type === "pull_request") === d.isPullRequest)
      .filter((d) => status === "all" || d.status === status || STATUS_FILTER[status]?.includes(d.status))
      .filter((d) => (!author || d.author === author) && (!search || d.title.toLowerCase().includes(search)))
      .sort((a, b) => b.num - a.num);
    const start = (Number(url.searchParams.get("p")) || 0) * PAGE_SIZE;
    return sendJson(res, 200, {
      discussions: matching.slice(start, start + PAGE_SIZE).map((d) => summary(repo, d)),
      count: matching.length,
      start,
      numClosedDiscussions: all.filter((d) => d.status !== "open" && d.status !== "draft").length,
    });
  }
  if (!num && method === "POST") {
    const body = await readJson<{ title?: string; description?: string; pullRequest?: boolean }>(req);
    const title = body.title?.trim();
    if (!title || title.length < 3) throw new HubError(400, "title must be at least 3 characters long");
    const description = body.description ?? "";
    if (body.pullRequest) {
      const meta = store.meta(repo.type, repo.id);
      const opened = openPullRequest(store, repo, { title, description, author: user, base: meta.defaultBranch });
      // A pull request opened without a commit is a draft until something is pushed to it.
      const fresh = load(store, repo);
      find(fresh, String(opened)).status = "draft";
      save(store, repo, fresh);
      return sendJson(res, 200, { num: opened, pullRequest: true, url: `refs/pr/${opened}` });
    }
    const next = all.reduce((max, d) => Math.max(max, d.num), 0) + 1;
    all.push({
      num: next,
      title,
      status: "open",
      isPullRequest: false,
      createdAt: new Date().toISOString(),
      author: user,
      events: [comment(user, description)],
    });
    save(store, repo, all);
    return sendJson(res, 200, { num: next, pullRequest: false });
  }
  const found = find(all, num);
  if (!action && method === "GET") return sendJson(res, 200, details(store, repo, found));
  if (method !== "POST") throw new HubError(405, `Method ${method} not allowed here`);
  const body = await readJson<{ comment?: string; status?: string }>(req);
  if (action === "comment") {
    if (!body.comment?.trim()) throw new HubError(400, "comment is required");
    const added = comment(user, body.comment);
    found.events.push(added);
    save(store, repo, all);
    return sendJson(res, 200, { newMessage: added });
  }
  if (action === "status") {
    if (body.status !== "open" && body.status !== "closed")
      throw new HubError(400, 'status must be "open" or "closed"');
    if (found.status === "merged") throw new HubError(400, "A merged pull request can't change status");
    found.status = body.status;
    const change = event("status-change", user, { status: body.status });
    found.events.push(change);
    if (body.comment?.trim()) found.events.push(comment(user, body.comment));
    save(store, repo, all);
    return sendJson(res, 200, { newStatus: change });
  }
  if (action === "merge") {
    if (!found.isPullRequest) throw new HubError(400, "Only a pull request can be merged");
    if (found.status !== "open" && found.status !== "draft")
      throw new HubError(400, `Pull request #${found.num} is ${found.status}`);
    const merged = store.mergePull(
      repo.type,
      repo.id,
      found.num,
      found.base ?? "main",
      `Merge #${found.num}: ${found.title}`,
    );
    found.status = "merged";
    found.mergeCommitId = merged.id;
    found.events.push(event("status-change", user, { status: "merged" }));
    if (body.comment?.trim()) found.events.push(comment(user, body.comment));
    save(store, repo, all);
    return sendJson(res, 200, {});
  }
  throw notFound("NotFound", "Not found");
}
