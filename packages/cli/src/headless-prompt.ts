import { resolve } from "node:path";
import { UsageError } from "@pincer/runtime";
import { EXIT, type OutputFormat, runHeadless } from "./headless.js";
import type { HeadlessArgs } from "./headless-args.js";
import { sessionOptionsFromArgs } from "./session-args.js";

/** Runs one prompt headless with the parsed flags. Returns the exit code. */
export async function runPrompt(args: HeadlessArgs, prompt: string, env: NodeJS.ProcessEnv): Promise<number> {
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
