import { UsageError } from "@pincer/runtime";

// print-bundle.ts makes its code cache only from a start that did no one-off work (see didColdWork),
// and again once from a turn that ran a tool if a turn that ran none made it (see didRunTool).
export { didColdWork, didRunTool } from "@pincer/host";

import { parseFastArgs } from "./fast-args.js";
import { reportFailure, runPrompt } from "./headless-prompt.js";

/**
 * `pincer -p "…"` with plain flags: what scripts/bundle.mjs builds into dist/bundle/print.cjs, the
 * one script print-bundle.ts runs with V8's code cache. Only the prompt given with -p: everything
 * else (the interactive terminal, a prompt on stdin, whatever parseFastArgs is not sure of) is
 * undefined, for the full CLI. Nothing here imports a module at run time: the script is the
 * whole headless road (the bundle build fails on a dynamic import()).
 */
export async function tryFastPrint(argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const parsed = parseFastArgs(argv);
  if (!parsed || parsed.interactive || !parsed.args.print) return undefined;
  try {
    return await runPrompt(parsed.args, parsed.args.print, env);
  } catch (error) {
    return reportFailure(error, error instanceof UsageError);
  }
}
