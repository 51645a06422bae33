import type { PluginToolContext, ToolResult } from "@pincer/sdk";
import { isIdempotent, retryDecision, sleep } from "./retry.js";

/** The public Hub; `HF_ENDPOINT` points the tools elsewhere (a mirror, or a local Hub in tests). */
export const DEFAULT_ENDPOINT = "https://huggingface.co";
/** The dataset viewer of the public Hub; other endpoints serve it under `/datasets-server`. */
export const DATASETS_SERVER = "https://datasets-server.huggingface.co";

export type RepoType = "model" | "dataset" | "space";
export const REPO_TYPES: RepoType[] = ["model", "dataset", "space"];

/** A failed Hub call, with the status and a sentence that says what to do about it. */
export class HubHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Hub {
  endpoint: string;
  /** True when `HF_ENDPOINT` is unset or the public Hub. */
  isPublic: boolean;
  hasToken: boolean;
  /** `fetch` against the endpoint (or an absolute URL) with the token; throws HubHttpError on a failed status. */
  request(path: string, init?: HubRequestInit): Promise<Response>;
  json<T>(path: string, init?: HubRequestInit): Promise<T>;
}

/**
 * `what` names the resource in error messages; `idempotent` marks a POST that is safe to repeat
 * (preupload, the LFS batch), so a 5xx or a dropped connection sends it again (see retry.ts).
 */
export type HubRequestInit = RequestInit & {
  what?: string;
  idempotent?: boolean;
  /** false for a URL the Hub signed (an LFS upload to object storage): HF_TOKEN must not travel there. */
  withToken?: boolean;
};

export function hubOf(ctx: Pick<PluginToolContext, "env" | "signal">): Hub {
  const endpoint = (ctx.env.get("HF_ENDPOINT") || DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const token = ctx.env.get("HF_TOKEN");
  const request = async (path: string, init: HubRequestInit = {}): Promise<Response> => {
    const { what, idempotent, withToken = true, ...rest } = init;
    const url = /^https?:\/\//.test(path) ? path : `${endpoint}${path}`;
    const headers = new Headers(rest.headers);
    if (token && withToken && !headers.has("Authorization")) headers.set("Authorization", `Bearer ${token}`);
    const signal = rest.signal ?? ctx.signal;
    const repeatable = idempotent ?? isIdempotent(rest.method);
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { ...rest, headers, signal });
      } catch (error) {
        if (signal.aborted) throw error;
        const decision = retryDecision(0, null, attempt, repeatable);
        if ("wait" in decision) {
          await sleep(decision.wait, signal);
          continue;
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new HubHttpError(0, `Could not reach ${new URL(url).origin}: ${message}${decision.stop}`);
      }
      if (res.ok) return res;
      const decision = retryDecision(res.status, res.headers.get("retry-after"), attempt, repeatable);
      if ("stop" in decision) throw await httpError(res, what ?? "The resource", Boolean(token), decision.stop);
      await res.body?.cancel().catch(() => undefined);
      await sleep(decision.wait, signal);
    }
  };
  return {
    endpoint,
    isPublic: endpoint === DEFAULT_ENDPOINT,
    hasToken: Boolean(token),
    request,
    async json<T>(path: string, init?: HubRequestInit): Promise<T> {
      return (await (await request(path, init)).json()) as T;
    },
  };
}

async function serverMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = body.error ?? body.message;
    if (typeof message === "string") return message;
  } catch {
    // Not JSON: the text itself, shortened.
  }
  return text.trim().slice(0, 300);
}

/** A failed status as a sentence the model can act on. */
export async function httpError(res: Response, what: string, hasToken: boolean, tries = ""): Promise<HubHttpError> {
  const said = await serverMessage(res);
  const detail = said ? ` (the Hub said: ${said})` : "";
  const status = res.status;
  let advice: string;
  if (status === 401 && res.headers.get("x-error-code") !== "GatedRepo") {
    advice = hasToken
      ? "HF_TOKEN was rejected: set HF_TOKEN to a valid token from https://huggingface.co/settings/tokens."
      : "Authentication is required: set HF_TOKEN to a token from https://huggingface.co/settings/tokens.";
  } else if (status === 403 && res.headers.get("x-error-code") === "GatedRepo") {
    advice = `${what} is gated: open its page on the Hub, accept the conditions or request access with the account of HF_TOKEN, then try again.`;
  } else if (status === 401 && res.headers.get("x-error-code") === "GatedRepo") {
    advice = `${what} is gated: set HF_TOKEN to a token of an account that was granted access on its page.`;
  } else if (status === 403) {
    advice =
      "HF_TOKEN is not allowed to do this: use a token with write access to this repo or its organization (a fine-grained token needs the repo or org listed).";
  } else if (status === 404) {
    advice = `${what} doesn't exist, or it is private or gated and HF_TOKEN can't see it: check the name (owner/name), the repo type and the revision.`;
  } else if (status === 409) {
    advice = `${what} already exists: pick another name, or use the existing one.`;
  } else if (status === 429) {
    const retry = res.headers.get("retry-after");
    advice = `Rate limited by the Hub: wait${retry ? ` ${retry} seconds` : " a minute"} before trying again.`;
  } else if (status >= 500) {
    advice = "The Hub had a server error: try again later.";
  } else {
    advice = "The request was refused: check the arguments.";
  }
  return new HubHttpError(status, `HTTP ${status}${tries}: ${advice}${detail}`);
}

/** Runs a tool body, turning Hub failures into tool errors instead of exceptions. */
export async function guarded(body: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HubHttpError)
      return { content: error.message, isError: true, details: { status: error.status } };
    if (error instanceof Error && error.name === "AbortError") return { content: "Cancelled.", isError: true };
    return { content: error instanceof Error ? error.message : String(error), isError: true };
  }
}

/** `owner/name`, with a clear refusal of anything else. */
export function checkRepoId(repo: string): string {
  const id = repo.trim().replace(/^https?:\/\/[^/]+\//, "");
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) {
    throw new HubHttpError(400, `"${repo}" is not a repo id: write it as owner/name (e.g. "openai-community/gpt2").`);
  }
  return id;
}

/** The `/api/{type}s/{repo}` prefix. */
export const apiRepoPath = (type: RepoType, repo: string): string => `/api/${type}s/${repo}`;

/** The git-side prefix: `/{repo}` for models, `/datasets/{repo}`, `/spaces/{repo}`. */
export const gitRepoPath = (type: RepoType, repo: string): string =>
  type === "model" ? `/${repo}` : `/${type}s/${repo}`;

/** Each path segment URI-encoded, the slashes kept. */
export const encodePath = (path: string): string =>
  path
    .replace(/^\/+/, "")
    .split("/")
    .map((part) => encodeURIComponent(part))
    .join("/");

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The user the token belongs to (`whoami-v2`'s `name`), or "local" without a token; cached per session. */
export async function namespaceOf(hub: Hub, ctx: Pick<PluginToolContext, "state">): Promise<string> {
  const key = `namespace:${hub.endpoint}`;
  const cached = ctx.state.get(key);
  if (typeof cached === "string") return cached;
  let name = "local";
  if (hub.hasToken) {
    const me = await hub.json<{ name?: unknown }>("/api/whoami-v2", { what: "The user of HF_TOKEN" });
    if (typeof me.name === "string" && me.name) name = me.name;
  }
  ctx.state.set(key, name);
  return name;
}

/** UTF-8 text as base64 (the commit API's `encoding: "base64"`). */
export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
