import { UsageError } from "@pincer/runtime";
import { runPrompt } from "./headless-prompt.js";

/** The headless flags once parsed (by yargs, or by the fast path), in camelCase. */
export interface HeadlessArgs {
  print?: string | undefined;
  outputFormat?: string | undefined;
  model?: string | undefined;
  /** `--thinking off|low|medium|high`. */
  thinking?: string | undefined;
  permissionMode?: string | undefined;
  allowedTools?: string[] | undefined;
  disallowedTools?: string[] | undefined;
  maxTurns?: number | undefined;
  /** Dollars an unattended run may spend on costed tool calls and the model (`--budget 20`). */
  budget?: number | string | undefined;
  continue?: boolean | undefined;
  resume?: string | undefined;
  /** With --continue/--resume: go on in a copy of that session. */
  fork?: boolean | undefined;
  cwd?: string | undefined;
  addDir?: string[] | undefined;
  appendSystemPrompt?: string | undefined;
  /** Run the session as this agent (its prompt, tools, permission mode, maxTurns). */
  agent?: string | undefined;
  record?: string | undefined;
  verbose?: boolean | undefined;
  /** `--dangerously-run-unconfined`: commands run without the OS sandbox and without asking. */
  dangerouslyRunUnconfined?: boolean | undefined;
}

/** Checks the flags that need more than their type, then runs the prompt. Returns the exit code. */
export async function runHeadlessArgs(args: HeadlessArgs, env: NodeJS.ProcessEnv): Promise<number> {
  if (args.print === undefined) {
    if (process.stdin.isTTY && process.stdout.isTTY) {
      const { runInteractiveArgs } = await import("./tui/launch.js");
      return runInteractiveArgs(args, env);
    }
    // Piped in, or no terminal to draw on: the prompt is what stdin holds, answered headless.
    if (process.stdin.isTTY) {
      throw new UsageError(
        'The interactive terminal needs stdout to be a terminal; run a prompt headless with pincer -p "…".',
      );
    }
  }
  return runPrompt(args, args.print || (await readStdin()), env);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
