import type { Kernel, KernelEvent, TurnResult } from "@pincer/kernel";
import { checkModelBeforeStart, prepareSession, type SessionOptions } from "@pincer/runtime";
import { abortOnSignals } from "../abort-on-signal.js";
import { commandLineAdvice } from "../output/command-line-advice.js";
import { createProgressRenderer } from "../output/progress.js";
import { createStyle } from "../output/style.js";
import { describeHub, hubUser, type InternHub, resolveInternHub } from "./hub.js";
import { createLedger, type Produced } from "./ledger.js";
import { printFinalState } from "./report.js";
import { type SessionUploader, startSessionUploader } from "./session-upload.js";

/** The engineer agent (plugins/ml-intern): its prompt and tools shape the session. */
export const INTERN_AGENT = "ml-intern";
/** Model calls an unattended run may make per user turn, unless --max-calls says otherwise. */
export const DEFAULT_MAX_CALLS = 300;
/** The private dataset sessions go to, under the user's namespace, unless --sessions-repo names one. */
export const DEFAULT_SESSIONS_REPO_NAME = "pincer-intern-sessions";

/**
 * Commands an unattended engineer may run without asking: Python and a few read-only shell tools.
 * Everything else a person would be asked about is denied (and the model told how to get it
 * allowed); the OS sandbox confines what these do.
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
/** Publishing is the task: creating repos and pushing files to them is allowed unattended. */
const PUBLISH_RULES = ["hf_create_repo", "hf_upload_file", "hf_upload_folder"];

export type Runner = "local" | "hf";

export interface InternRunOptions {
  /** What the engineer is asked to do (or, when resuming, to carry on with). */
  task: string;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  model?: string;
  /** Most model calls in this turn (default 300). */
  maxCalls?: number;
  /** The dollar cap costed calls are approved within (`--budget`). */
  budgetUsd?: number;
  /** Where training runs: this machine, or Hugging Face Jobs (default: local when the Hub is local). */
  runner?: Runner;
  /** `owner/name` of the private dataset for the session (default `<user>/pincer-intern-sessions`). */
  sessionsRepo?: string;
  /** false: keep the session on this machine only. */
  upload?: boolean;
  /** A local session id to continue. */
  resume?: string;
  permissionMode?: string;
  allowedTools?: string[];
  disallowedTools?: string[];
  providerConfig?: SessionOptions["providerConfig"];
  /** `--dangerously-run-unconfined`: commands and jobs run without the OS sandbox, unasked. */
  unconfined?: boolean;
  /** A Hub already chosen (and perhaps seeded) by the caller: the demo. Otherwise resolved here. */
  hub?: InternHub;
  /** Where progress and the final state go (default stdout). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Upload interval (tests). */
  uploadIntervalMs?: number;
  /**
   * What to do with the engineer (default: one turn with the task). A pipeline drives several
   * turns and decides itself whether the run succeeded; `summary` joins the final state.
   */
  work?: (kernel: Kernel, write: (text: string) => void) => Promise<{ ok: boolean; summary?: string }>;
}

export interface InternRunOutcome {
  code: number;
  /** The last turn's result. */
  result?: TurnResult;
  /** Model calls over every turn of this run, and what the model cost. */
  steps: number;
  costUsd: number;
  /** What `work` said at the end (a pipeline's summary). */
  summary?: string;
  sessionId: string;
  sessionFile: string;
  /** The session on the Hub, when it was uploaded. */
  sessionUrl?: string;
  uploaded: boolean;
  uploadError?: string;
  produced: Produced;
  /** The working directory the files were written in. */
  workdir?: string;
  hubEndpoint: string;
  wallMs: number;
  /** Why the run stopped when the budget ran out. */
  budgetExhausted?: string;
  /** The signal that interrupted it. */
  signalled?: NodeJS.Signals;
}

/**
 * An unattended engineer session: the ml-intern agent with a dollar cap and a call limit, the
 * Hugging Face tools pointed at the right Hub, progress as it works, the session uploaded to the
 * user's private dataset after each turn, and at the end a plain account of what was produced,
 * where, and how to continue.
 */
export async function runIntern(options: InternRunOptions): Promise<InternRunOutcome> {
  const out = options.out ?? process.stdout;
  const write = (text: string) => void out.write(text);
  const style = createStyle(out as NodeJS.WriteStream, options.env);
  const started = Date.now();
  // No provider configured, or the model's key missing: say how to set one up before a Hub starts.
  checkModelBeforeStart(options);
  const hub =
    options.hub ?? (await resolveInternHub(options.env, options.home, { unconfined: options.unconfined === true }));
  const ownsHub = !options.hub;
  try {
    const runner = options.runner ?? (hub.local ? "local" : "hf");
    const env = {
      ...options.env,
      HF_ENDPOINT: hub.endpoint,
      ...(hub.token ? { HF_TOKEN: hub.token } : {}),
    };
    const prepared = await prepareSession({
      cwd: options.cwd,
      home: options.home,
      env,
      ...(options.model ? { model: options.model } : {}),
      agent: INTERN_AGENT,
      permissionMode: options.permissionMode ?? "acceptEdits",
      allowedTools: [...internRules(hub, runner), ...(options.allowedTools ?? [])],
      disallowedTools: options.disallowedTools ?? [],
      maxTurns: options.maxCalls ?? DEFAULT_MAX_CALLS,
      ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
      ...(options.resume ? { resume: options.resume } : {}),
      appendSystemPrompt: runnerInstructions(runner, hub),
      ...(options.unconfined ? { unconfined: true } : {}),
      ...(options.providerConfig ? { providerConfig: options.providerConfig } : {}),
      advice: commandLineAdvice,
      writer: "pincer intern",
    });
    const { kernel, session } = prepared;
    write(
      `${style.bold("Pincer intern")} ${style.dim("· unattended")}\n` +
        `${style.dim("model:")}    ${kernel.model}\n` +
        `${style.dim("hub:")}      ${describeHub(hub)}\n` +
        `${style.dim("runner:")}   ${runner === "local" ? "this machine" : "Hugging Face Jobs"}\n` +
        `${style.dim("limits:")}   ${options.maxCalls ?? DEFAULT_MAX_CALLS} model calls${options.budgetUsd !== undefined ? ` · budget $${options.budgetUsd}` : " · no budget: costed calls are refused"}\n` +
        `${style.dim("workdir:")}  ${options.cwd}\n` +
        `${style.dim("session:")}  ${session.id}${options.resume ? " (resumed)" : ""}\n`,
    );
    for (const warning of prepared.warnings) write(`${style.yellow("!")} ${warning}\n`);

    const upload = await startUploader(options, hub, session, (message) => write(`${style.yellow("!")} ${message}\n`));
    const uploader = upload?.uploader;
    if (uploader) write(`${style.dim("upload:")}   ${uploader.url}\n`);
    write(`${style.dim("task:")}     ${options.task}\n\n`);

    const ledger = createLedger();
    let budgetExhausted: string | undefined;
    let result: TurnResult | undefined;
    let steps = 0;
    const costAtStart = kernel.usage.cost.total;
    kernel.subscribe(ledger.listener);
    kernel.subscribe(createProgressRenderer(write, style));
    kernel.subscribe((event: KernelEvent) => {
      if (event.type === "turn_end") {
        result = event.result;
        steps += event.result.steps;
      }
      if (event.type === "turn_end" || event.type === "tool_end") uploader?.kick();
      // A costed call the budget can't cover: stop here rather than let the model wander on.
      if (event.type === "permission" && event.denial?.code === "budget_exceeded" && !budgetExhausted) {
        budgetExhausted = event.decision.reason;
        kernel.abort("budget exhausted");
      }
    });

    const signals = abortOnSignals((reason) => kernel.abort(reason));
    let failure: string | undefined;
    let worked: { ok: boolean; summary?: string } | undefined;
    try {
      worked = options.work
        ? await options.work(kernel, write)
        : await kernel.prompt(options.task).then((turn) => ({ ok: turn.stopReason === "end_turn" }));
    } catch (error) {
      failure = (error as Error).message;
    } finally {
      signals.release();
      prepared.dispose();
    }
    const closed = uploader ? await uploader.close() : undefined;
    const signalled = signals.signalled();
    const outcome: InternRunOutcome = {
      code: worked?.ok && !budgetExhausted && !signalled ? 0 : signalled === "SIGINT" ? 130 : 1,
      ...(result ? { result } : {}),
      steps,
      costUsd: kernel.usage.cost.total - costAtStart,
      ...(worked?.summary ? { summary: worked.summary } : {}),
      sessionId: session.id,
      sessionFile: session.path,
      ...(uploader && closed?.uploaded ? { sessionUrl: uploader.url } : {}),
      uploaded: closed?.uploaded ?? false,
      ...(closed?.error ? { uploadError: closed.error } : {}),
      produced: ledger.produced(),
      workdir: options.cwd,
      hubEndpoint: hub.endpoint,
      wallMs: Date.now() - started,
      ...(budgetExhausted ? { budgetExhausted } : {}),
      ...(signalled ? { signalled } : {}),
    };
    printFinalState(write, style, outcome, {
      ...(failure ? { failure } : {}),
      ...(upload ? { sessionsRepo: upload.repo } : {}),
    });
    return outcome;
  } finally {
    if (ownsHub) await hub.close();
  }
}

function internRules(hub: InternHub, runner: Runner): string[] {
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
  options: InternRunOptions,
  hub: InternHub,
  session: { id: string; path: string; header: { createdAt: string } },
  warn: (message: string) => void,
): Promise<{ uploader: SessionUploader; repo: string } | undefined> {
  if (options.upload === false) return undefined;
  let repo = options.sessionsRepo;
  if (!repo) {
    const user = await hubUser(hub);
    if (!user) {
      warn(
        `The session is not uploaded: ${hub.endpoint} did not say who you are (set HF_TOKEN, or pass --sessions-repo owner/name, or --no-upload).`,
      );
      return undefined;
    }
    repo = `${user}/${DEFAULT_SESSIONS_REPO_NAME}`;
  }
  const uploader = startSessionUploader({
    endpoint: hub.endpoint,
    ...(hub.token ? { token: hub.token } : {}),
    repo,
    sessionFile: session.path,
    sessionId: session.id,
    startedAt: new Date(session.header.createdAt),
    ...(options.uploadIntervalMs ? { intervalMs: options.uploadIntervalMs } : {}),
    warn,
    env: options.env,
  });
  return { uploader, repo };
}
