import { resolve } from "node:path";
import { pincerHome, UsageError } from "@pincer/runtime";
import type { Argv } from "yargs";
import { DEFAULT_MAX_CALLS, type InternRunOptions, type Runner } from "./run.js";

/** The flags every intern command shares (--model, --cwd, --budget… are pincer's own session flags). */
interface InternFlags {
  model?: string;
  cwd?: string;
  permissionMode?: string;
  allowedTools?: string[];
  disallowedTools?: string[];
  maxCalls?: number;
  /** pincer's global --budget: a string, checked here. */
  budget?: string | number;
  runner?: Runner;
  sessionsRepo?: string;
  upload?: boolean;
  /** pincer's global --dangerously-run-unconfined. */
  dangerouslyRunUnconfined?: boolean;
}

/**
 * `pincer intern "<task>"` starts an unattended ML engineer; `intern run <pipeline.yaml>` runs an
 * experiment pipeline; `intern resume <ref>` continues a run (a local session id, or a session
 * uploaded to the Hub: `owner/name[:id]` or its URL); `intern demo` runs the offline demo.
 */
export function internCommands(y: Argv, env: NodeJS.ProcessEnv, setExit: (code: number) => void): Argv {
  return y
    .option("max-calls", {
      type: "number",
      description: `Most model calls per turn (default ${DEFAULT_MAX_CALLS})`,
    })
    .option("runner", {
      choices: ["local", "hf"] as const,
      description: "Where training runs: this machine or Hugging Face Jobs (default: local with a local Hub)",
    })
    .option("sessions-repo", {
      type: "string",
      description: "Private dataset the session is uploaded to (default <user>/pincer-intern-sessions)",
    })
    .option("upload", {
      type: "boolean",
      default: true,
      description: "Upload the session to the Hub after each turn (--no-upload keeps it local)",
    })
    .command(
      "$0 <task>",
      "Start an unattended ML engineer on a task",
      (c) => c.positional("task", { type: "string", demandOption: true, description: "What to do, in words" }),
      async (args) => {
        const [{ runIntern }, { exitCodeOf }] = await Promise.all([import("./run.js"), import("./report.js")]);
        const options = runOptions(args as InternFlags, env);
        setExit(exitCodeOf(await runIntern({ ...options, task: String(args.task) })));
      },
    )
    .command(
      "run <pipeline>",
      "Run an experiment pipeline (YAML): stages of data, training, evaluation, selection, publishing",
      (c) => c.positional("pipeline", { type: "string", demandOption: true, description: "The pipeline file" }),
      async (args) => {
        const { runPipelineCommand } = await import("./pipeline-command.js");
        setExit(await runPipelineCommand(resolve(String(args.pipeline)), runOptions(args as InternFlags, env)));
      },
    )
    .command(
      "resume <ref>",
      "Continue a run: a local session id, or a session on the Hub (owner/name[:id] or its URL)",
      (c) => c.positional("ref", { type: "string", demandOption: true }),
      async (args) => {
        const { resumeIntern } = await import("./resume.js");
        setExit(await resumeIntern(String(args.ref), runOptions(args as InternFlags, env)));
      },
    )
    .command(
      "demo",
      "Offline demo: a recorded model reads a paper, trains a PyTorch model on CPU and publishes it to a local Hub",
      () => {},
      async (args) => {
        const { runInternDemo } = await import("./demo.js");
        setExit(
          await runInternDemo({
            home: pincerHome(env),
            env,
            ...((args as InternFlags).dangerouslyRunUnconfined ? { unconfined: true } : {}),
          }),
        );
      },
    );
}

/** The flags, checked, as run options (everything but the task). */
export function runOptions(flags: InternFlags, env: NodeJS.ProcessEnv): Omit<InternRunOptions, "task"> {
  if (flags.maxCalls !== undefined && (!Number.isInteger(flags.maxCalls) || flags.maxCalls < 1)) {
    throw new UsageError("--max-calls must be a positive integer.");
  }
  const budget = flags.budget === undefined ? undefined : Number(flags.budget);
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    throw new UsageError(`--budget must be a positive number of US dollars, e.g. --budget 20 (got "${flags.budget}").`);
  }
  if (flags.sessionsRepo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(flags.sessionsRepo)) {
    throw new UsageError(`--sessions-repo must be owner/name, not "${flags.sessionsRepo}".`);
  }
  return {
    cwd: resolve(flags.cwd ?? process.cwd()),
    home: pincerHome(env),
    env,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.maxCalls !== undefined ? { maxCalls: flags.maxCalls } : {}),
    ...(budget !== undefined ? { budgetUsd: budget } : {}),
    ...(flags.runner ? { runner: flags.runner } : {}),
    ...(flags.sessionsRepo ? { sessionsRepo: flags.sessionsRepo } : {}),
    upload: flags.upload !== false,
    ...(flags.permissionMode ? { permissionMode: flags.permissionMode } : {}),
    allowedTools: flags.allowedTools ?? [],
    disallowedTools: flags.disallowedTools ?? [],
    ...(flags.dangerouslyRunUnconfined ? { unconfined: true } : {}),
  };
}
