import type { Produced } from "./ledger.js";
import type { Problem } from "./problems.js";
import type { InternRunOutcome } from "./run.js";
import { inWorkspace } from "./workspace.js";

/** A repo's page on the Hub: models at the root, datasets and spaces under their prefix. */
export function repoUrl(endpoint: string, key: string): string {
  const [type, repo] = key.includes(":") ? (key.split(":", 2) as [string, string]) : ["model", key];
  return `${endpoint}/${type === "model" ? "" : `${type}s/`}${repo}`;
}

/** The exit code of a run that ended its turn but left problems nobody fixed (see exitCodeOf). */
export const EXIT_FINISHED_WITH_PROBLEMS = 3;

function troubled(produced: Produced): boolean {
  return produced.problems.length > 0 || produced.lastFailure !== undefined;
}

/**
 * A run's exit code: 0 finished, 1 stopped (budget, call limit, loop guard), 130 interrupted, and 3
 * when the engineer finished its turn with problems left (a failed run nothing later fixed, an
 * unreadable paper, nothing published): a script must not take that for success.
 */
export function exitCodeOf(outcome: Pick<InternRunOutcome, "code" | "produced">): number {
  return outcome.code === 0 && troubled(outcome.produced) ? EXIT_FINISHED_WITH_PROBLEMS : outcome.code;
}

const SPEND_KINDS: Record<string, string> = { job: "jobs", endpoint: "endpoints", tool: "other tools" };

/** " · $0.12 for the model, $3.40 for jobs": what the run spent, by kind; empty when nothing. */
function spentLine(outcome: InternRunOutcome): string {
  const parts = outcome.costUsd > 0 ? [`$${outcome.costUsd.toFixed(2)} for the model`] : [];
  for (const [kind, usd] of Object.entries(outcome.toolSpendUsd ?? {})) {
    if (usd > 0) parts.push(`$${usd.toFixed(2)} for ${SPEND_KINDS[kind] ?? kind}`);
  }
  return parts.length > 0 ? ` · ${parts.join(", ")}` : "";
}

/**
 * The last thing an unattended run prints: how it ended, what it produced and where, where its
 * session is, and the command that continues it. Written so a person arriving hours later can act
 * on it without reading the log above.
 */
export function finalState(outcome: InternRunOutcome, extra: { failure?: string; sessionsRepo?: string }): string {
  const seconds = (outcome.wallMs / 1000).toFixed(1);
  const calls = `${outcome.steps} model call${outcome.steps === 1 ? "" : "s"}`;
  const cost = spentLine(outcome);
  const lines: string[] = [];
  if (outcome.summary) lines.push(outcome.summary);
  const { problems, lastFailure } = outcome.produced;
  if (exitCodeOf(outcome) === EXIT_FINISHED_WITH_PROBLEMS) {
    // The engineer ended its turn, but something it needed failed and nothing later fixed it.
    const count = problems.length + (lastFailure ? 1 : 0);
    lines.push(`${`! finished with ${count} problem${count === 1 ? "" : "s"}`} in ${seconds}s · ${calls}${cost}`);
  } else if (outcome.code === 0) {
    lines.push(`✓ finished in ${seconds}s · ${calls}${cost}`);
  } else {
    lines.push(`✗ stopped: ${whyStopped(outcome, extra.failure)} (after ${seconds}s · ${calls}${cost})`);
  }
  if (lastFailure) {
    const label = lastFailure.command ? `${lastFailure.tool}: ${lastFailure.command}` : lastFailure.tool;
    lines.push(`! the last run (${label}) failed, and no later run succeeded:`);
    for (const line of lastFailure.summary.split("\n")) lines.push(`  │ ${line}`);
  }
  if (problems.length > 0) {
    lines.push("Problems:");
    for (const problem of problems) lines.push(...describeProblem(problem, outcome));
  }
  lines.push("Produced:", ...describeProduced(outcome.produced, outcome.hubEndpoint));
  lines.push(`session:  ${outcome.sessionId} (${outcome.sessionFile})`);
  if (outcome.sessionUrl) lines.push(`uploaded: ${outcome.sessionUrl}`);
  else if (extra.sessionsRepo)
    lines.push(`uploaded: ${`not uploaded (${outcome.uploadError ?? "unknown error"}); the local file is complete`}`);
  else lines.push(`uploaded: no (kept on this machine only)`);
  if (outcome.code !== 0) lines.push(`continue: ${resumeCommand(outcome, extra.sessionsRepo)}`);
  else if (troubled(outcome.produced))
    lines.push(`continue: fix what is above, then ${resumeCommand(outcome, extra.sessionsRepo)}`);
  return lines.join("\n");
}

function whyStopped(outcome: InternRunOutcome, failure: string | undefined): string {
  if (outcome.budgetExhausted) return `the budget ran out: ${outcome.budgetExhausted}`;
  if (outcome.signalled) return `interrupted by ${outcome.signalled}`;
  if (failure) return failure;
  const result = outcome.result;
  switch (result?.stopReason) {
    case "max_turns":
      return `it reached its limit of model calls per turn (${result.steps}); raise it with --max-calls`;
    case "loop_guard":
      return `the loop guard stopped a repeating model (${result.error ?? "no progress"})`;
    case "aborted":
      return "it was interrupted";
    case "end_turn":
      return outcome.summary ? "the pipeline did not finish" : "the run ended";
    default:
      return result?.error ?? `the run ended: ${result?.stopReason ?? "unknown"}`;
  }
}

function resumeCommand(outcome: InternRunOutcome, sessionsRepo: string | undefined): string {
  const flags = outcome.budgetExhausted ? " --budget <more dollars>" : "";
  const local = `pincer intern resume ${outcome.sessionId}${flags}`;
  if (!outcome.sessionUrl || !sessionsRepo) return `${local}   (on this machine)`;
  return `${local}   (here) · pincer intern resume ${sessionsRepo}:${outcome.sessionId}${flags}   (any machine)`;
}

function describeProduced(produced: Produced, endpoint: string): string[] {
  const lines: string[] = [];
  if (produced.files.length) lines.push(`  files:  ${produced.files.join(", ")}`);
  for (const [key, paths] of produced.repos) {
    const shown = paths.length ? ` (${paths.slice(0, 6).join(", ")}${paths.length > 6 ? ", …" : ""})` : "";
    lines.push(`  ${key.split(":")[0]}:  ${repoUrl(endpoint, key)}${shown}`);
  }
  for (const job of produced.jobs) lines.push(`  job:    ${job.id}${job.status ? ` (${job.status})` : ""}`);
  if (produced.runs.length) {
    const runs = produced.runs.map(
      (run) => `${run.id} ${run.status}${run.status !== "ok" && run.notes ? ` (${run.notes})` : ""}`,
    );
    lines.push(`  runs:   ${runs.join(" · ")}${produced.resultsTable ? ` — table in ${produced.resultsTable}` : ""}`);
  }
  const pushed = [...produced.repos.values()].some((paths) => paths.length > 0);
  if (!pushed && produced.problems.some((problem) => problem.unpublished)) lines.push("  hub:    nothing published");
  if (lines.length === 0) lines.push("  nothing yet");
  return lines;
}

/** A problem, and for a refused push where the files are and how to publish them. */
function describeProblem(problem: Problem, outcome: InternRunOutcome): string[] {
  const lines = [`  ✗ ${problem.subject}: ${problem.what}`];
  const push = problem.unpublished;
  if (!push) return lines;
  const local = push.localPath
    ? outcome.workdir
      ? inWorkspace(outcome.workdir, push.localPath)
      : push.localPath
    : undefined;
  const typeFlag = push.type === "model" ? "" : ` --repo-type ${push.type}`;
  lines.push(
    `    not published${local ? `; the files are still in ${local}` : ""}. To publish: give HF_TOKEN write access to ${push.repo} (or pick a repo you own), then pincer intern resume ${outcome.sessionId}${push.localPath ? `, or upload it yourself: hf upload ${push.repo} ${local}${typeFlag}` : ""}`,
  );
  return lines;
}
