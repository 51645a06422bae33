import { resolve } from "node:path";
import type { HeadlessArgs } from "../headless-args.js";
import { pincerHome, UsageError } from "../home.js";

/** `pincer` in a terminal: the interactive session (Ink), loaded only when it is asked for. */
export async function runInteractiveArgs(args: HeadlessArgs, env: NodeJS.ProcessEnv): Promise<number> {
  if (args.continue && args.resume) throw new UsageError("Use either --continue or --resume, not both.");
  const { runInteractive } = await withoutLazyFetch(() => import("./interactive.js"));
  return runInteractive({
    cwd: resolve(args.cwd ?? process.cwd()),
    home: pincerHome(env),
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    ...(args.model ? { model: args.model } : {}),
    ...(args.permissionMode ? { permissionMode: args.permissionMode } : {}),
    allowedTools: args.allowedTools ?? [],
    disallowedTools: args.disallowedTools ?? [],
    ...(args.maxTurns !== undefined ? { maxTurns: args.maxTurns } : {}),
    ...(args.continue ? { continue: true } : {}),
    ...(args.resume ? { resume: args.resume } : {}),
    addDirs: (args.addDir ?? []).map((dir) => resolve(dir)),
    ...(args.appendSystemPrompt ? { appendSystemPrompt: args.appendSystemPrompt } : {}),
  });
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
