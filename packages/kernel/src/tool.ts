import type { ImageContent, TextContent, Usage } from "./messages.js";

/**
 * How a tool touches the world, which decides how permission modes treat it:
 * `read` never asks, `edit` is auto-allowed in acceptEdits, `execute`/`other` ask in default mode.
 */
export type ToolKind = "read" | "edit" | "execute" | "other";

/**
 * What a permission rule's pattern is matched against for one call:
 * a shell command (`bash(npm test:*)`), a file path (`write(src/**)`), or plain text.
 */
export interface PermissionSubject {
  kind: "command" | "path" | "text";
  value: string;
}

/**
 * What a call is expected to cost in US dollars, shown when asking and counted against a budget.
 * An upper bound when the price depends on how long it runs: "a10g-small at $1.00/h × up to 2 h ≈ $2.00".
 */
export interface CostEstimate {
  usd: number;
  /** One line that says how the figure was reached. */
  summary: string;
  /** It repeats on a schedule (a cron job): never approved by a budget, always asked of a person. */
  recurring?: boolean;
  /**
   * What kind of spending this is, for the run's summary ("job", "endpoint"; a short lowercase
   * word). Absent: "tool".
   */
  category?: string;
}

export interface ToolContext {
  toolCallId: string;
  /** Working directory of the session. */
  cwd: string;
  /** Aborted when the turn is aborted; long-running tools must stop promptly. */
  signal: AbortSignal;
  /** Stream partial output (for UIs); does not reach the model. */
  onUpdate: (partial: string) => void;
  /**
   * Asks the permission engine about an action beyond the call itself, taken for the model: a
   * command a plugin spawns is judged as `bash(<command>)`, by the same modes and rules (and
   * prompts). Resolves to undefined when allowed, else the refusal to report. Absent when the
   * tool runs outside a kernel turn.
   */
  authorize?: (action: {
    toolName: string;
    kind: ToolKind;
    subject: PermissionSubject;
    /** A person must answer, whatever the mode and allow rules say; the text says why. */
    mustAsk?: string;
  }) => Promise<string | undefined>;
  /**
   * Reports model usage the call spent for the run, priced (a subagent's model calls, as each
   * answer arrives): it joins the turn's and the session's usage and is kept on the call's result.
   * Absent when the tool runs outside a kernel turn.
   */
  addUsage?: (usage: Usage) => void;
}

export interface ToolResult {
  content: string | Array<TextContent | ImageContent>;
  /** Structured data for the UI and the session; `details.progress` (a ToolProgress) is read by the loop guard. */
  details?: unknown;
  isError?: boolean;
}

/**
 * What a tool reports about work that goes on outside the call (a job, a build, a deployment), as
 * `details.progress`: the loop guard takes checking on it again as progress, not as a loop, while
 * `state` changes or while `active` work's `elapsedSeconds` grows, even when the text is the same.
 */
export interface ToolProgress {
  /** Which work this is (a job id): a new key is new work. */
  key?: string;
  /** Its state as the tool words it ("RUNNING", "COMPLETED"). */
  state: string;
  /** True while the work is still under way. */
  active: boolean;
  /** How long it has been under way. */
  elapsedSeconds: number;
}

/** A result's `details.progress`, when it has the ToolProgress shape. */
export function toolProgress(details: unknown): ToolProgress | undefined {
  const progress = (details as { progress?: unknown } | null | undefined)?.progress;
  if (!progress || typeof progress !== "object") return undefined;
  const { key, state, active, elapsedSeconds } = progress as Record<string, unknown>;
  if (typeof state !== "string" || typeof active !== "boolean") return undefined;
  if (typeof elapsedSeconds !== "number" || !Number.isFinite(elapsedSeconds)) return undefined;
  if (key !== undefined && typeof key !== "string") return undefined;
  return { ...(key !== undefined ? { key } : {}), state, active, elapsedSeconds };
}

export interface Tool<Args = Record<string, unknown>> {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset ajv understands) for the arguments object. */
  parameters: Record<string, unknown>;
  kind: ToolKind;
  /**
   * The string permission-rule patterns match against. Absent: rules match on the tool name only.
   * May be async: a sandboxed plugin computes it inside its isolate.
   */
  permissionSubject?: (
    args: Args,
    cwd: string,
  ) => PermissionSubject | undefined | Promise<PermissionSubject | undefined>;
  /**
   * What this call would cost, for calls that spend money (paid compute, endpoints). Absent, or
   * undefined for a call: nothing to count. Shown in the permission question and the denial, and
   * checked against the session's budget. May be async: a sandboxed plugin computes it in its isolate.
   */
  estimateCost?: (args: Args, cwd: string) => CostEstimate | undefined | Promise<CostEstimate | undefined>;
  /**
   * Rarely needed: its schema reaches the model only once the conversation names the tool (another
   * tool's result pointing to it, the user, a call), which keeps it out of the first request.
   * A tool that only follows another (bash_output after a background bash) is the case.
   */
  deferred?: boolean;
  /**
   * Called as the model starts a call to this tool, before its arguments have arrived, so the
   * tool can get ready meanwhile (a sandboxed plugin starts its isolate). It must run nothing the
   * call needs permission for; what it returns is not awaited and its failures are ignored.
   */
  prepare?: () => void;
  execute(args: Args, ctx: ToolContext): Promise<ToolResult>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every argument type.
export type AnyTool = Tool<any>;
