import type { CommandContext, DrivenEvent, DrivenSession, DrivenTurn } from "@pincer/sdk";
import { describeHub, hubUser, type InternHub, resolveInternHub } from "./hub.js";
import { createLedger, type Produced } from "./ledger.js";
import { CONTINUATIONS, continuationPrompt, createPlanTracker, describeUnfinished } from "./plan.js";
import { createProgressRenderer } from "./progress.js";
import { finalState } from "./report.js";
import { type SessionUploader, startSessionUploader } from "./session-upload.js";

/** The engineer agent (this plugin's agents/ml-intern.md): its prompt and tools shape the session. */
export const INTERN_AGENT = "ml-intern";
/** Model calls an unattended run may make per user turn, unless --max-calls says otherwise. */
export const DEFAULT_MAX_CALLS = 300;
/** The private dataset sessions go to, under the user's namespace, unless --sessions-repo names one. */
export const DEFAULT_SESSIONS_REPO_NAME = "pincer-intern-sessions";

/**
 * Commands an unattended engineer may run without asking: Python and a few read-only shell tools.
 * Everything else a person would be asked about is denied (and the model told how to get it
 * allowed); the OS sandbox confines what these do. Each is listed in the manifest under
 * capabilities.sessions.allow, so the user granted it when the plugin was installed.
 */
export const INTERN_COMMAND_RULES = [
  "bash(/usr/bin/python3:*)",
  "bash(python3:*)",
  "bash(python:*)",
  "bash(ls:*)",
  "bash(cat:*)",
  "bash(head:*)",
  "bash(tail:*)",
  "bash(wc:*)",
  "bash(mkdir:*)",
  "bash(nvidia-smi:*)",
];
/**
 * Publishing is the task: creating repos and pushing files to them is allowed unattended, and so is
 * logging the runs to their tracking dataset (without it, an unattended run was denied every log).
 */
const PUBLISH_RULES = ["hf_create_repo", "hf_upload_file", "hf_upload_folder", "hf_track_log"];

export type Runner = "local" | "hf";

/** The engineer as a pipeline sees it: one prompt, one turn to its end. */
export interface Engineer {
  prompt(text: string): Promise<DrivenTurn>;
}

export interface InternRunOptions {
  /** What the engineer is asked to do (or, when resuming, to carry on with). */
  task: string;
  model?: string;
  /** Most model calls in this turn (default 300). */
  maxCalls?: number;
  /** Where training runs: this machine, or Hugging Face Jobs (default: local when the Hub is local). */
  runner?: Runner;
  /** `owner/name` of the private dataset for the session (default `<user>/pincer-intern-sessions`). */
  sessionsRepo?: string;
  /** false: keep the session on this machine only. */
  upload?: boolean;
  /** A session id on this machine to continue. */
  resume?: string;
  /** The folder the engineer works in (default: the command's). */
  workdir?: string;
  /** A Hub already chosen (and perhaps seeded) by the caller: the demo. Otherwise resolved here. */
  hub?: InternHub;
  /** Lines the banner shows before the task (the resume's "Fetched session …"). */
  notes?: string[];
  /** Upload interval (tests). */
  uploadIntervalMs?: number;
  /**
   * What to do with the engineer (default: one turn with the task). A pipeline drives several
   * turns and decides itself whether the run succeeded; `summary` joins the final state.
   */
  work?: (engineer: Engineer, note: (line: string) => void) => Promise<{ ok: boolean; summary?: string }>;
}

export interface InternRunOutcome {
  code: number;
  /** The last turn's result. */
  result?: DrivenTurn;
  /** Model calls over every turn of this run, and what the model cost. */
  steps: number;
  costUsd: number;
  /** The costed tool calls' estimates that went ahead, by kind ("job", "endpoint", "tool"), in USD. */
  toolSpendUsd?: Record<string, number>;
  summary?: string;
  sessionId: string;
  sessionFile: string;
  sessionUrl?: string;
  uploaded: boolean;
  uploadError?: string;
  produced: Produced;
  workdir?: string;
  hubEndpoint: string;
  wallMs: number;
  budgetExhausted?: string;
  signalled?: "SIGINT";
}

export type InternContext = Pick<
  CommandContext,
  "cwd" | "sessions" | "services" | "env" | "progress" | "signal" | "budgetUsd" | "model"
>;

/**
 * An unattended engineer session: the ml-intern agent with a dollar cap and a call limit, the
 * Hugging Face tools pointed at the right Hub, progress as it works, the session uploaded to the
 * user's private dataset as it goes, and at the end a plain account of what was produced, where,
 * and how to continue (the text the command prints).
 */
export async function runIntern(
  ctx: InternContext,
  options: InternRunOptions,
): Promise<{ outcome: InternRunOutcome; text: string }> {
  const sessions = ctx.sessions;
  if (!sessions) throw new Error("this front end cannot drive sessions: run pincer intern from the command line");
  const note = (line: string) => ctx.progress(line);
  const started = Date.now();
  // No provider configured, or the model's key missing: say how to set one up before a Hub starts.
  await sessions.check(options.model ? { model: options.model } : {});
  const hub = options.hub ?? (await resolveInternHub(ctx));
  const runner = options.runner ?? (hub.local ? "local" : "hf");
  const maxCalls = options.maxCalls ?? DEFAULT_MAX_CALLS;
  const drive = {
    maxTurns: maxCalls,
    instructions: runnerInstructions(runner, hub),
    allow: internRules(hub, runner),
    ...(options.model ? { model: options.model } : {}),
    ...(options.workdir ? { cwd: options.workdir } : {}),
  };
  const session: DrivenSession = options.resume
    ? await sessions.resume(options.resume, drive)
    : await sessions.start({ ...drive, agent: INTERN_AGENT });
  const workdir = options.workdir ?? ctx.cwd;
  const budget = ctx.budgetUsd;
  note(
    "Pincer intern · unattended\n" +
      `model:    ${session.model}\n` +
      `hub:      ${describeHub(hub)}\n` +
      `runner:   ${runner === "local" ? "this machine" : "Hugging Face Jobs"}\n` +
      `limits:   ${maxCalls} model calls${budget !== undefined ? ` · budget $${budget}` : " · no budget: costed calls are refused"}\n` +
      `workdir:  ${workdir}\n` +
      `session:  ${session.id}${options.resume ? " (resumed)" : ""}`,
  );
  for (const line of options.notes ?? []) note(line);
  const upload = await startUploader(ctx, options, hub, session);
  const uploader = upload?.uploader;
  if (uploader) note(`upload:   ${uploader.url}`);
  note(`task:     ${options.task}\n`);

  const ledger = createLedger();
  const render = createProgressRenderer(note);
  const plan = createPlanTracker();
  let budgetExhausted: string | undefined;
  let result: DrivenTurn | undefined;
  let steps = 0;
  let costUsd = 0;
  let toolSpendUsd: Record<string, number> | undefined;
  const onEvent = (event: DrivenEvent) => {
    ledger.listener(event);
    plan.listener(event);
    render(event);
    if (event.type === "turn_end" || event.type === "tool_end") uploader?.kick();
    // A costed call the budget can't cover: stop here rather than let the model wander on.
    if (event.type === "denied" && event.code === "budget_exceeded" && !budgetExhausted) {
      budgetExhausted = event.reason;
    }
  };
  const engineer: Engineer = {
    async prompt(text) {
      // Out of budget: the turn ends at the refused call, not one model call later.
      const turn = await session.prompt(text, { onEvent, stopOnDenied: ["budget_exceeded"] });
      result = turn;
      steps += turn.steps;
      costUsd += turn.usage.costUsd;
      // The session's tally so far: the last turn's is the run's.
      if (turn.spend) toolSpendUsd = turn.spend.calls;
      return turn;
    },
  };

  let failure: string | undefined;
  let worked: { ok: boolean; summary?: string } | undefined;
  try {
    worked = options.work ? await options.work(engineer, note) : await workOnTask(engineer, options.task, plan, note);
  } catch (error) {
    failure = (error as Error).message;
  }
  const produced = ledger.produced();
  const open = plan.unfinished();
  // The engineer ended its turns with steps of its plan still open: not a success a script may take.
  if (!options.work && worked?.ok && open.length > 0) {
    produced.problems.push({ subject: "plan", what: describeUnfinished(open, plan.size()) });
  }
  const closed = uploader ? await uploader.close() : undefined;
  const signalled = ctx.signal.aborted ? ("SIGINT" as const) : undefined;
  const outcome: InternRunOutcome = {
    code: worked?.ok && !budgetExhausted && !signalled ? 0 : signalled ? 130 : 1,
    ...(result ? { result } : {}),
    steps,
    costUsd,
    ...(toolSpendUsd ? { toolSpendUsd } : {}),
    ...(worked?.summary ? { summary: worked.summary } : {}),
    sessionId: session.id,
    sessionFile: session.file,
    ...(uploader && closed?.uploaded ? { sessionUrl: uploader.url } : {}),
    uploaded: closed?.uploaded ?? false,
    ...(closed?.error ? { uploadError: closed.error } : {}),
    produced,
    workdir,
    hubEndpoint: hub.endpoint,
    wallMs: Date.now() - started,
    ...(budgetExhausted ? { budgetExhausted } : {}),
    ...(signalled ? { signalled } : {}),
  };
  const text = finalState(outcome, {
    ...(failure ? { failure } : {}),
    ...(upload ? { sessionsRepo: upload.repo } : {}),
  });
  return { outcome, text };
}

/**
 * One task, to the end of its plan: a turn that ends with steps of the plan still open (a
 * text-only reply, say) sends the engineer back to them, up to CONTINUATIONS times; what is still
 * open after that is a problem of the run (exit code 3).
 */
async function workOnTask(
  engineer: Engineer,
  task: string,
  plan: ReturnType<typeof createPlanTracker>,
  note: (line: string) => void,
): Promise<{ ok: boolean }> {
  let turn = await engineer.prompt(task);
  for (let left = CONTINUATIONS; left > 0 && turn.stopReason === "end_turn"; left--) {
    const open = plan.unfinished();
    if (open.length === 0) break;
    note(`↻ the plan is not finished (${open.length} of ${plan.size()} steps open): back to work`);
    turn = await engineer.prompt(continuationPrompt(open));
  }
  return { ok: turn.stopReason === "end_turn" };
}

/** The allow rules of an unattended run (exported for its test). */
export function internRules(hub: InternHub, runner: Runner): string[] {
  // The local runner is this machine: free, so it needs no budget. On Hugging Face, jobs cost
  // money and go through the budget (or are refused without one).
  return [...INTERN_COMMAND_RULES, ...PUBLISH_RULES, ...(hub.local && runner === "local" ? ["hf_job_run"] : [])];
}

function runnerInstructions(runner: Runner, hub: InternHub): string {
  const where =
    runner === "local"
      ? "Training runs on this machine: run scripts with /usr/bin/python3 through bash, or with hf_job_run" +
        (hub.local ? " (the local Hub's job runner; CPU only)." : ".")
      : "Training runs on Hugging Face Jobs with hf_job_run; each job costs money and is approved within the run's budget.";
  return `You are working unattended: nobody will answer questions until you finish. ${where} When you finish, end with what you produced and where it is.`;
}

async function startUploader(
  ctx: InternContext,
  options: InternRunOptions,
  hub: InternHub,
  session: DrivenSession,
): Promise<{ uploader: SessionUploader; repo: string } | undefined> {
  if (options.upload === false) return undefined;
  let repo = options.sessionsRepo;
  if (!repo) {
    const user = await hubUser(hub);
    if (!user) {
      ctx.progress(
        `! The session is not uploaded: ${hub.endpoint} did not say who you are (set HF_TOKEN, or pass --sessions-repo owner/name, or --no-upload).`,
      );
      return undefined;
    }
    repo = `${user}/${DEFAULT_SESSIONS_REPO_NAME}`;
  }
  const uploader = startSessionUploader({
    hub: { url: hub.endpoint, ...(hub.token ? { token: hub.token } : {}) },
    repo,
    session,
    ...(options.uploadIntervalMs ? { intervalMs: options.uploadIntervalMs } : {}),
    warn: (message) => ctx.progress(`! ${message}`),
  });
  return { uploader, repo };
}
