import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { bearerToken } from "./request-gate.js";

/** A repo a scoped token may reach: read it, and write it too when `write`. */
export interface RepoGrant {
  type: "model" | "dataset" | "space";
  /** `owner/name`. */
  id: string;
  write: boolean;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const TYPES = { models: "model", datasets: "dataset", spaces: "space" } as const;

/** Checks a request's grant list (a job's `tokenScope.repos`): a list of repos, each well formed. */
export function parseRepoGrants(value: unknown): RepoGrant[] {
  if (!Array.isArray(value)) throw new TypeError("`tokenScope.repos` must be a list of repos");
  if (value.length > 50) throw new TypeError("`tokenScope.repos` names at most 50 repos");
  return value.map((entry, index) => {
    const { type = "model", id, write = false } = (entry ?? {}) as Record<string, unknown>;
    if (type !== "model" && type !== "dataset" && type !== "space") {
      throw new TypeError(`tokenScope.repos[${index}].type must be model, dataset or space`);
    }
    if (typeof id !== "string" || !REPO_ID.test(id) || id.includes("..")) {
      throw new TypeError(`tokenScope.repos[${index}].id must be a repo id like owner/name`);
    }
    if (typeof write !== "boolean") throw new TypeError(`tokenScope.repos[${index}].write must be true or false`);
    return { type, id, write };
  });
}

/** The repo a Hub path is about (API, file and git/LFS forms), or undefined for anything else. */
export function repoOfPath(pathname: string): { type: RepoGrant["type"]; id: string } | undefined {
  let parts: string[];
  try {
    parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (parts.some((part) => part === "." || part === ".." || part.includes("/"))) return undefined;
  const [first, second, third, fourth] = parts;
  const stripGit = (name: string | undefined) => name?.replace(/\.git$/, "");
  // /api/{models|datasets|spaces}/{owner}/{name}[/…]
  if (first === "api" && second && second in TYPES && third && fourth) {
    return { type: TYPES[second as keyof typeof TYPES], id: `${third}/${fourth}` };
  }
  // /{datasets|spaces}/{owner}/{name}{/resolve/…|.git/…}
  if ((first === "datasets" || first === "spaces") && second && third && parts.length > 3) {
    return { type: TYPES[first], id: `${second}/${stripGit(third)}` };
  }
  // /{owner}/{name}{/resolve/…|.git/…}: a model
  if (first && second && parts.length > 2 && (third === "resolve" || second.endsWith(".git"))) {
    if (first === "api" || first === "datasets" || first === "spaces") return undefined;
    return { type: "model", id: `${first}/${stripGit(second)}` };
  }
  return undefined;
}

/**
 * Tokens the local Hub mints for its jobs, each reaching only the repos it was minted for (and
 * `whoami`): a job gets the Hub it needs and nothing else of the user's. Held in memory only (as
 * their hashes), revoked when the job ends; a restart of the Hub forgets them all.
 */
export class ScopedTokens {
  readonly #grants = new Map<string, RepoGrant[]>();

  mint(grants: RepoGrant[]): string {
    const token = `hf_job_${randomBytes(24).toString("hex")}`;
    this.#grants.set(digest(token), grants);
    return token;
  }

  revoke(token: string): void {
    this.#grants.delete(digest(token));
  }

  /** Whether the request carries a scoped token that reaches what it asks for. */
  allows(req: IncomingMessage): boolean {
    const token = bearerToken(req);
    if (!token?.startsWith("hf_job_")) return false;
    const grants = this.#grants.get(digest(token));
    if (!grants) return false;
    const method = req.method ?? "GET";
    const reading = method === "GET" || method === "HEAD";
    const pathname = new URL(req.url ?? "/", "http://hub.invalid").pathname;
    if (reading && pathname === "/api/whoami-v2") return true;
    const repo = repoOfPath(pathname);
    if (!repo) return false;
    return grants.some((grant) => grant.type === repo.type && grant.id === repo.id && (reading || grant.write));
  }
}

const digest = (token: string): string => createHash("sha256").update(token).digest("hex");
