import type { HeadlessArgs } from "../headless-args.js";
import { sessionOptionsFromArgs } from "../session-args.js";

/** `pincer` in a terminal: the interactive session (Ink), loaded only when it is asked for. */
export async function runInteractiveArgs(args: HeadlessArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const options = sessionOptionsFromArgs(args, env);
  // No provider configured: the guidance, before the terminal is taken over.
  const { checkModelBeforeStart } = await import("@pincer/runtime");
  checkModelBeforeStart(options);
  if (options.agent) {
    const { checkAgentExists } = await import("@pincer/runtime");
    checkAgentExists({ ...options, agent: options.agent });
  }
  const { runInteractive } = await withoutLazyFetch(() => import("./interactive.js"));
  return runInteractive({ ...options, stdin: process.stdin, stdout: process.stdout });
}

/**
 * Ink's layout engine is WebAssembly whose loader asks `typeof fetch`; in Node that question
 * alone loads undici and TLS (tens of milliseconds before the prompt shows). The loader is given
 * no fetch while it starts, then Node's lazy one is put back untouched.
 */
async function withoutLazyFetch<T>(load: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  if (!original?.configurable) return load();
  Object.defineProperty(globalThis, "fetch", { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, "fetch", original);
  }
}
