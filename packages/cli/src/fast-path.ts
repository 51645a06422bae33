import { UsageError } from "@pincer/runtime";
import { parseFastArgs } from "./fast-args.js";

/**
 * `pincer -p "…"` and plain `pincer` in a terminal, with plain flags, parsed without loading yargs
 * (a quarter of a one-shot turn's start-up). Whatever parseFastArgs is not sure of returns
 * undefined, and the full CLI parses the same argv and gives its usual answer. (`-p` itself
 * usually takes print-bundle.ts's road, which runs fast-print.ts from a code-cached script.)
 */
export async function tryFastHeadless(argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const parsed = parseFastArgs(argv);
  if (!parsed) return undefined;
  try {
    // Each road loads only what it needs: the interactive terminal draws its prompt before the
    // plugin host is even read.
    if (parsed.interactive) {
      const { runInteractiveArgs } = await import("./tui/launch.js");
      return await runInteractiveArgs(parsed.args, env);
    }
    const { runHeadlessArgs } = await import("./headless-args.js");
    return await runHeadlessArgs(parsed.args, env);
  } catch (error) {
    const { reportFailure } = await import("./headless-prompt.js");
    return reportFailure(error, error instanceof UsageError);
  }
}
