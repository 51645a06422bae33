import { resolve } from "node:path";
import { UsageError } from "@pincer/runtime";
import { EXIT, type OutputFormat, runHeadless } from "./headless.js";
import { sessionOptionsFromArgs } from "./session-args.js";

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
  const prompt = args.print || (await readStdin());
  if (!prompt.trim()) throw new UsageError('No prompt: pass it as pincer -p "…" or pipe it on stdin.');
  const options = sessionOptionsFromArgs(args, env);
  // `/name args` (a plugin's command, an MCP prompt, a markdown command or skill) is resolved in runHeadless.
  return runHeadless({
    ...options,
    prompt,
    outputFormat: (args.outputFormat ?? "text") as OutputFormat,
    ...(args.record ? { record: resolve(args.record) } : {}),
    ...(args.verbose !== undefined ? { verbose: args.verbose } : {}),
  });
}

/** How a failure leaves the CLI: the message on stderr, 2 for usage, 1 for the rest. */
export function reportFailure(error: unknown, usage: boolean): number {
  process.stderr.write(`pincer: ${(error as Error).message ?? String(error)}\n`);
  return usage ? EXIT.usage : EXIT.failed;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
