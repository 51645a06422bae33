import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HubError, notFound } from "./http.js";

export type RepoType = "model" | "dataset" | "space";
export const REPO_TYPES: readonly RepoType[] = ["model", "dataset", "space"];

/** One file of a commit: its content by sha256 in the blob store, and the git oid the Hub reports. */
export interface FileEntry {
  sha256: string;
  size: number;
  /** Stored through LFS: the git oid is then the pointer file's. */
  lfs: boolean;
  /** Git blob sha1 of the content (regular files) or of the LFS pointer. */
  oid: string;
}

export interface Commit {
  id: string;
  parent: string | null;
  title: string;
  message: string;
  date: string;
  files: Record<string, FileEntry>;
}

export interface RepoMeta {
  type: RepoType;
  id: string;
  private: boolean;
  createdAt: string;
  defaultBranch: string;
  /** A gated repo serves its files only to its owner and the users granted access (as on the Hub). */
  gated?: false | "auto" | "manual";
  accessGranted?: string[];
}

/** A tag: the commit it names, and its message. */
export interface TagRef {
  commit: string;
  message: string;
}

export type Operation = { kind: "put"; path: string; entry: FileEntry } | { kind: "delete"; path: string };

export const gitBlobSha1 = (data: Buffer | string): string => {
  const buffer = typeof data === "string" ? Buffer.from(data) : data;
  return createHash("sha1").update(`blob ${buffer.length}\0`).update(buffer).digest("hex");
};

export const lfsPointer = (sha256: string, size: number): string =>
  `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

export function checkRepoId(id: string): void {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts.every((part) => NAME.test(part) && !part.includes(".."))) {
    throw new HubError(400, `Invalid repo id "${id}": expected {namespace}/{name}`);
  }
}

/** A content store: blobs once each by sha256, and per repo a commit log per branch. */
export class RepoStore {
  readonly #commits = new Map<string, Commit>();
  readonly blobsDir: string;

  constructor(readonly dir: string) {
    this.blobsDir = join(dir, "blobs");
    mkdirSync(this.blobsDir, { recursive: true });
    mkdirSync(join(dir, "tmp"), { recursive: true });
  }

  repoDir(type: RepoType, id: string): string {
    checkRepoId(id);
    return join(this.dir, `${type}s`, id);
  }

  tmpPath(): string {
    return join(this.dir, "tmp", randomBytes(12).toString("hex"));
  }

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new HubError(400, `Invalid sha256 "${sha256}"`);
    return join(this.blobsDir, sha256);
  }

  hasBlob(sha256: string): boolean {
    return existsSync(this.blobPath(sha256));
  }

  /** Stores bytes given inline and returns the commit entry for them. */
  putBlob(data: Buffer, lfs: boolean): FileEntry {
    const sha256 = createHash("sha256").update(data).digest("hex");
    const path = this.blobPath(sha256);
    if (!existsSync(path)) {
      const tmp = this.tmpPath();
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    }
    return {
      sha256,
      size: data.length,
      lfs,
      oid: lfs ? gitBlobSha1(lfsPointer(sha256, data.length)) : gitBlobSha1(data),
    };
  }

  /** The entry for a blob already uploaded through LFS; a declared size must be the object's. */
  lfsEntry(sha256: string, declared?: number): FileEntry {
    if (!this.hasBlob(sha256)) throw new HubError(422, `LFS object ${sha256} was not uploaded`);
    const size = statSync(this.blobPath(sha256)).size;
    if (declared !== undefined && declared !== size) {
      throw new HubError(422, `LFS object ${sha256} is ${size} bytes, not the ${declared} the commit declares`);
    }
    return { sha256, size, lfs: true, oid: gitBlobSha1(lfsPointer(sha256, size)) };
  }

  exists(type: RepoType, id: string): boolean {
    return existsSync(join(this.repoDir(type, id), "repo.json"));
  }

  meta(type: RepoType, id: string): RepoMeta {
    const dir = this.repoDir(type, id);
    try {
      return JSON.parse(readFileSync(join(dir, "repo.json"), "utf8")) as RepoMeta;
    } catch {
      throw notFound("RepoNotFound", `Repository not found: ${type}s/${id}`);
    }
  }

  createRepo(type: RepoType, id: string, options: { private?: boolean } = {}): RepoMeta {
    if (this.exists(type, id)) throw new HubError(409, `You already created this ${type} repo: ${id}`);
    const dir = this.repoDir(type, id);
    mkdirSync(join(dir, "commits"), { recursive: true });
    const meta: RepoMeta = {
      type,
      id,
      private: options.private ?? false,
      createdAt: new Date().toISOString(),
      defaultBranch: "main",
    };
    const initial = this.#writeCommit(type, id, { parent: null, title: "initial commit", message: "", files: {} });
    this.#writeRefs(type, id, { main: initial.id });
    writeFileSync(join(dir, "repo.json"), JSON.stringify(meta, null, 2));
    return meta;
  }

  deleteRepo(type: RepoType, id: string): void {
    this.meta(type, id);
    rmSync(this.repoDir(type, id), { recursive: true, force: true });
  }

  listRepos(type: RepoType): RepoMeta[] {
    const root = join(this.dir, `${type}s`);
    if (!existsSync(root)) return [];
    const out: RepoMeta[] = [];
    for (const owner of readdirSync(root)) {
      for (const name of readdirSync(join(root, owner))) {
        if (existsSync(join(root, owner, name, "repo.json"))) out.push(this.meta(type, `${owner}/${name}`));
      }
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  refs(type: RepoType, id: string): Record<string, string> {
    this.meta(type, id);
    return JSON.parse(readFileSync(join(this.repoDir(type, id), "refs.json"), "utf8")) as Record<string, string>;
  }

  #writeRefs(type: RepoType, id: string, refs: Record<string, string>): void {
    this.writeRepoJson(type, id, "refs.json", refs);
  }

  commit(type: RepoType, id: string, commitId: string): Commit {
    const cached = this.#commits.get(`${type}/${id}@${commitId}`);
    if (cached) return cached;
    if (!/^[0-9a-f]{40}$/.test(commitId)) throw notFound("RevisionNotFound", `Invalid rev id: ${commitId}`);
    let commit: Commit;
    try {
      commit = JSON.parse(readFileSync(join(this.repoDir(type, id), "commits", `${commitId}.json`), "utf8")) as Commit;
    } catch {
      throw notFound("RevisionNotFound", `Invalid rev id: ${commitId}`);
    }
    this.#commits.set(`${type}/${id}@${commitId}`, commit);
    return commit;
  }

  tags(type: RepoType, id: string): Record<string, TagRef> {
    this.meta(type, id);
    return this.readRepoJson<Record<string, TagRef>>(type, id, "tags.json", {});
  }

  /** Pull request heads by number (`refs/pr/{num}`). */
  pullRefs(type: RepoType, id: string): Record<string, string> {
    this.meta(type, id);
    return this.readRepoJson<Record<string, string>>(type, id, "pulls.json", {});
  }

  readRepoJson<T>(type: RepoType, id: string, file: string, empty: T): T {
    const path = join(this.repoDir(type, id), file);
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : empty;
  }

  /** Writes a repo's JSON file whole through a rename, so a reader never sees half of it. */
  writeRepoJson(type: RepoType, id: string, file: string, value: unknown): void {
    const tmp = this.tmpPath();
    writeFileSync(tmp, JSON.stringify(value, null, 2));
    renameSync(tmp, join(this.repoDir(type, id), file));
  }

  /** The head a commit to `rev` moves: a branch (`main`, `refs/heads/main`) or a pull request (`refs/pr/1`). */
  #writableRef(type: RepoType, id: string, rev: string): { kind: "branch" | "pr"; name: string; head: string } | null {
    const pr = /^refs\/pr\/(\d+)$/.exec(rev);
    if (pr) {
      const head = this.pullRefs(type, id)[pr[1] as string];
      return head ? { kind: "pr", name: pr[1] as string, head } : null;
    }
    const name = rev.replace(/^refs\/heads\//, "");
    const head = this.refs(type, id)[name];
    return head ? { kind: "branch", name, head } : null;
  }

  /** A branch, tag or pull request (`refs/heads/x`, `refs/tags/x`, `refs/pr/1` or the bare name), `HEAD`, or a commit id. */
  resolve(type: RepoType, id: string, rev: string): Commit {
    const meta = this.meta(type, id);
    const name = rev === "HEAD" ? meta.defaultBranch : rev;
    const writable = this.#writableRef(type, id, name);
    if (writable) return this.commit(type, id, writable.head);
    const tag = this.tags(type, id)[name.replace(/^refs\/tags\//, "")];
    if (tag) return this.commit(type, id, tag.commit);
    if (/^[0-9a-f]{40}$/.test(rev)) return this.commit(type, id, rev);
    throw notFound("RevisionNotFound", `Invalid rev id: ${rev}`);
  }

  history(type: RepoType, id: string, rev: string): Commit[] {
    const out: Commit[] = [];
    for (let c: Commit | null = this.resolve(type, id, rev); c; c = c.parent ? this.commit(type, id, c.parent) : null) {
      out.push(c);
    }
    return out;
  }

  #writeCommit(type: RepoType, id: string, body: Omit<Commit, "id" | "date">): Commit {
    const date = new Date().toISOString();
    const commitId = createHash("sha1")
      .update(JSON.stringify({ ...body, date, nonce: randomBytes(8).toString("hex") }))
      .digest("hex");
    const commit: Commit = { id: commitId, date, ...body };
    const tmp = this.tmpPath();
    writeFileSync(tmp, JSON.stringify(commit));
    renameSync(tmp, join(this.repoDir(type, id), "commits", `${commitId}.json`));
    this.#commits.set(`${type}/${id}@${commitId}`, commit);
    return commit;
  }

  /** Applies operations on top of `branch`'s head (a branch or `refs/pr/{num}`); `parentCommit`, when given, must be that head. */
  applyCommit(
    type: RepoType,
    id: string,
    branch: string,
    operations: Operation[],
    header: { title: string; message: string; parentCommit?: string },
  ): Commit {
    const ref = this.#writableRef(type, id, branch);
    if (!ref) throw notFound("RevisionNotFound", `Invalid rev id: ${branch}`);
    const head = ref.head;
    if (header.parentCommit && header.parentCommit !== head) {
      throw new HubError(
        412,
        `A commit has happened since: parent commit ${header.parentCommit} is not the head of ${branch}`,
      );
    }
    const files = { ...this.commit(type, id, head).files };
    for (const op of operations) {
      if (op.kind === "put") {
        files[op.path] = op.entry;
        continue;
      }
      const prefix = op.path.endsWith("/") ? op.path : `${op.path}/`;
      const inFolder = Object.keys(files).filter((path) => path.startsWith(prefix));
      if (!files[op.path] && inFolder.length === 0) throw notFound("EntryNotFound", `File not found: ${op.path}`);
      delete files[op.path];
      for (const path of inFolder) delete files[path];
    }
    const commit = this.#writeCommit(type, id, { parent: head, title: header.title, message: header.message, files });
    if (ref.kind === "pr")
      this.writeRepoJson(type, id, "pulls.json", { ...this.pullRefs(type, id), [ref.name]: commit.id });
    else this.#writeRefs(type, id, { ...this.refs(type, id), [ref.name]: commit.id });
    return commit;
  }

  /** Opens `refs/pr/{num}` at the head of `from`. */
  createPullRef(type: RepoType, id: string, num: number, from: string): string {
    const target = this.resolve(type, id, from).id;
    this.writeRepoJson(type, id, "pulls.json", { ...this.pullRefs(type, id), [String(num)]: target });
    return target;
  }

  /** Points `branch` at the pull request's head (a fast-forward merge, or a new commit with its files). */
  mergePull(type: RepoType, id: string, num: number, branch: string, title: string): Commit {
    const head = this.pullRefs(type, id)[String(num)];
    if (!head) throw notFound("RevisionNotFound", `Invalid rev id: refs/pr/${num}`);
    const files = this.commit(type, id, head).files;
    const operations: Operation[] = Object.entries(files).map(([path, entry]) => ({ kind: "put", path, entry }));
    const current = this.resolve(type, id, branch).files;
    for (const path of Object.keys(current)) if (!files[path]) operations.push({ kind: "delete", path });
    return this.applyCommit(type, id, branch, operations, { title, message: "" });
  }

  createTag(type: RepoType, id: string, tag: string, rev: string, message = ""): void {
    const tags = this.tags(type, id);
    if (tags[tag]) throw new HubError(409, `Tag already exists: refs/tags/${tag}`);
    const commit = this.resolve(type, id, rev).id;
    this.writeRepoJson(type, id, "tags.json", { ...tags, [tag]: { commit, message } });
  }

  deleteTag(type: RepoType, id: string, tag: string): void {
    const tags = this.tags(type, id);
    if (!tags[tag]) throw notFound("RevisionNotFound", `Invalid rev id: ${tag}`);
    delete tags[tag];
    this.writeRepoJson(type, id, "tags.json", tags);
  }

  updateMeta(
    type: RepoType,
    id: string,
    change: Partial<Pick<RepoMeta, "gated" | "private" | "accessGranted">>,
  ): RepoMeta {
    const meta = { ...this.meta(type, id), ...change };
    this.writeRepoJson(type, id, "repo.json", meta);
    return meta;
  }

  /**
   * Refuses a gated repo's files to anyone but its owner and the users granted access, with the
   * Hub's words: 401 to an anonymous caller, 403 to a signed-in one, X-Error-Code GatedRepo.
   */
  checkGate(type: RepoType, id: string, user: string | null): void {
    const meta = this.meta(type, id);
    if (!meta.gated || (user && (id.startsWith(`${user}/`) || meta.accessGranted?.includes(user)))) return;
    const page = `${type === "model" ? "" : `${type}s/`}${id}`;
    if (!user) {
      throw new HubError(
        401,
        `Access to ${type} ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
        "GatedRepo",
      );
    }
    throw new HubError(
      403,
      `Access to ${type} ${id} is restricted and you are not in the authorized list. Visit https://huggingface.co/${page} to ask for access.`,
      "GatedRepo",
    );
  }

  createBranch(
    type: RepoType,
    id: string,
    branch: string,
    options: { from?: string; empty?: boolean; overwrite?: boolean },
  ): void {
    const refs = this.refs(type, id);
    if (refs[branch] && !options.overwrite) throw new HubError(409, `Reference already exists: refs/heads/${branch}`);
    let target: string;
    if (options.empty) {
      target = this.#writeCommit(type, id, { parent: null, title: "initial commit", message: "", files: {} }).id;
    } else {
      target = this.resolve(type, id, options.from ?? this.meta(type, id).defaultBranch).id;
    }
    this.#writeRefs(type, id, { ...refs, [branch]: target });
  }

  deleteBranch(type: RepoType, id: string, branch: string): void {
    const refs = this.refs(type, id);
    if (!refs[branch]) throw notFound("RevisionNotFound", `Invalid rev id: ${branch}`);
    if (branch === this.meta(type, id).defaultBranch) throw new HubError(403, "Cannot delete the default branch");
    delete refs[branch];
    this.#writeRefs(type, id, refs);
  }
}
