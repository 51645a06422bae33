import {
  COMMAND_EXIT,
  type CommandContext,
  type CommandExitCode,
  type CommandResult,
  CommandUsageError,
  defineCommand,
  formatCommandOptions,
  isCommandExitCode,
  parseCommandArgs,
} from "@pincer/sdk";
import { runInternDemo } from "./demo.js";
import { resolveInternHub } from "./hub.js";
import { loadPipeline } from "./pipeline.js";
import { describePipelineEvent } from "./pipeline-events.js";
import { runPipeline } from "./pipeline-run.js";
import { exitCodeOf } from "./report.js";
import { DEFAULT_MAX_CALLS, type InternRunOptions, runIntern } from "./run.js";
import { fetchSession, isHubReference } from "./session-fetch.js";
import { inWorkspace } from "./workspace.js";

/** What a resumed engineer is told: the conversation so far is already in its context. */
export const RESUME_PROMPT =
  "Continue the task from where this session stopped. Check what is already done (workspace files, the todo list, jobs, what is on the Hub) before redoing anything, then carry on to the end.";

const OPTIONS = {
  "max-calls": { type: "number", description: `Most model calls per turn (default ${DEFAULT_MAX_CALLS})` },
  runner: {
    type: "string",
    choices: ["local", "hf"],
    placeholder: "local|hf",
    description: "Where training runs: this machine or Hugging Face Jobs (default: local with a local Hub)",
  },
  "sessions-repo": {
    type: "string",
    placeholder: "owner/name",
    description: "Private dataset the session is uploaded to (default <user>/pincer-intern-sessions)",
  },
  upload: {
    type: "boolean",
    default: true,
    description: "Upload the session to the Hub as it goes (--no-upload keeps it local)",
  },
} as const;

const USAGE = `pincer intern <words..>

pincer intern "<task>"            start an unattended ML engineer on a task
pincer intern run <pipeline.yaml>  run an experiment pipeline (stages: data, train, eval, select, publish)
pincer intern resume <ref>         continue a run: a local session id, or owner/name[:id] or a Hub URL
pincer intern demo                 offline demo: a recorded model reads a paper, trains on CPU, publishes to a local Hub

Pincer's session flags apply too: --model, --budget, --cwd, --permission-mode, --allowedTools,
--disallowedTools, --output-format, --dangerously-run-unconfined.`;

/**
 * `pincer intern …`: the ML intern's command line, run in this plugin's sandbox. It drives
 * sessions of the ml-intern agent (ctx.sessions), asks Pincer for the Hub (the local-hub service),
 * uploads each session to a private Hub dataset and brings one back to resume it (fetch under the
 * plugin's net and env grants), and ends with a report and an exit code: 0 done, 1 stopped, 2 a
 * usage mistake, 3 finished with problems left, 130 interrupted.
 */
export const internCommand = defineCommand({
  name: "intern",
  description: "The ML intern, unattended",
  args: "<task|run|resume|demo>",
  async run(_args, ctx): Promise<CommandResult> {
    const { values, positionals, help } = parseCommandArgs(ctx.argv, { options: OPTIONS });
    if (help) return `${USAGE}\n\n${formatCommandOptions({ options: OPTIONS })}`;
    const maxCalls = values["max-calls"];
    if (maxCalls !== undefined && (!Number.isInteger(maxCalls) || maxCalls < 1)) {
      throw new CommandUsageError("--max-calls must be a positive integer.");
    }
    const sessionsRepo = values["sessions-repo"];
    if (sessionsRepo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(sessionsRepo)) {
      throw new CommandUsageError(`--sessions-repo must be owner/name, not "${sessionsRepo}".`);
    }
    const options: Omit<InternRunOptions, "task"> = {
      ...(ctx.model ? { model: ctx.model } : {}),
      ...(maxCalls !== undefined ? { maxCalls } : {}),
      ...(values.runner ? { runner: values.runner as "local" | "hf" } : {}),
      ...(sessionsRepo ? { sessionsRepo } : {}),
      upload: values.upload !== false,
    };
    const [first, ...rest] = positionals;
    if (first === "demo" && rest.length === 0) {
      const { text, exitCode } = await runInternDemo(ctx, { pluginDir: ctx.pluginDir, tmp: ctx.tmpDir });
      return { text, exitCode: exitWith(exitCode) };
    }
    if (first === "run" && rest.length === 1) return runPipelineCommand(ctx, rest[0] as string, options);
    if (first === "resume" && rest.length === 1) return resume(ctx, rest[0] as string, options);
    if (positionals.length !== 1 || !first?.trim()) {
      throw new CommandUsageError(
        `Say what to do, in quotes: ${USAGE.split("\n")[2]} (pincer intern --help for more).`,
      );
    }
    const { outcome, text } = await runIntern(ctx, { ...options, task: first });
    return { text, exitCode: exitWith(exitCodeOf(outcome)) };
  },
});

/**
 * `pincer intern run <pipeline.yaml>`: the file is checked first (every mistake listed, exit 2),
 * then the engineer carries out its stages in one unattended run.
 */
async function runPipelineCommand(
  ctx: CommandContext,
  file: string,
  options: Omit<InternRunOptions, "task">,
): Promise<CommandResult> {
  const pipeline = await loadPipeline(ctx.fs, inWorkspace(ctx.cwd, file));
  const { outcome, text } = await runIntern(ctx, {
    ...options,
    ...(pipeline.runner && !options.runner ? { runner: pipeline.runner } : {}),
    task: `Pipeline ${pipeline.name}: ${pipeline.task}`,
    work: async (engineer, note) => {
      const result = await runPipeline(pipeline, {
        kernel: engineer,
        cwd: ctx.cwd,
        fs: ctx.fs,
        onProgress: (event) => note(describePipelineEvent(event)),
      });
      return { ok: result.status === "done", summary: `${result.summary}\nResults: ${result.files.markdown}` };
    },
  });
  return { text, exitCode: exitWith(exitCodeOf(outcome)) };
}

/**
 * `pincer intern resume <ref>`: a local session id continues here; `owner/name[:id]` or a Hub URL
 * first brings the uploaded session onto this machine (any machine), then continues it.
 */
async function resume(
  ctx: CommandContext,
  ref: string,
  options: Omit<InternRunOptions, "task">,
): Promise<CommandResult> {
  if (!isHubReference(ref)) {
    const { outcome, text } = await runIntern(ctx, { ...options, resume: ref, task: RESUME_PROMPT });
    return { text, exitCode: exitWith(outcome.code) };
  }
  if (!ctx.sessions) throw new Error("this front end cannot drive sessions");
  await ctx.sessions.check(options.model ? { model: options.model } : {});
  const hub = await resolveInternHub(ctx);
  let fetched: Awaited<ReturnType<typeof fetchSession>>;
  try {
    fetched = await fetchSession(ref, {
      url: hub.endpoint,
      ...(hub.token ? { token: hub.token } : {}),
      signal: ctx.signal,
    });
  } catch (error) {
    throw new CommandUsageError(`Cannot resume ${ref}: ${(error as Error).message}`);
  }
  let imported: Awaited<ReturnType<NonNullable<CommandContext["sessions"]>["import"]>>;
  try {
    imported = await ctx.sessions.import(fetched.jsonl);
  } catch (error) {
    throw new CommandUsageError(`Cannot resume ${ref}: ${(error as Error).message}`);
  }
  const notes = [
    `Fetched session ${imported.id} from ${hub.endpoint} (${imported.entries} entries).`,
    ...[...fetched.warnings, ...imported.warnings].map((warning) => `! ${warning}`),
  ];
  // The session goes on being uploaded where it came from (on this Hub), unless --sessions-repo says otherwise.
  const sameHub = fetched.hubUrl === hub.endpoint;
  const { outcome, text } = await runIntern(ctx, {
    ...options,
    ...(!options.sessionsRepo && sameHub ? { sessionsRepo: fetched.repo } : {}),
    hub,
    resume: imported.id,
    task: RESUME_PROMPT,
    notes,
  });
  return { text: `${notes[0]}\n${text}`, exitCode: exitWith(outcome.code) };
}

/** A run's code as a command's exit code (each is one of COMMAND_EXIT's; anything else is a failure). */
function exitWith(code: number): CommandExitCode {
  return isCommandExitCode(code) ? code : COMMAND_EXIT.failed;
}
