import { resolve } from "node:path";
import { isThinkingLevel, type SessionBusyError, THINKING_LEVELS } from "@pincer/kernel";
import type { SessionOptions } from "@pincer/runtime";
import { pincerHome, UsageError } from "@pincer/runtime";
import type { HeadlessArgs } from "./headless-args.js";

/**
 * What a second writer is told: who holds the session, and what this front end offers instead
 * (`--fork` on the command line, `"fork": true` over HTTP).
 */
export function sessionBusyMessage(error: SessionBusyError, instead: string): string {
  return `${error.message} One writer per session: wait for it to finish, or ${instead}.`;
}

/**
 * The session flags, checked and turned into session options: the same for `-p` and for the
 * interactive terminal. Kept apart from both so the terminal's fast path loads nothing else.
 */
/** `pincer -p`, `pincer serve`, `pincer acp`, `pincer demo`, `pincer` (the terminal): for a lock's holder. */
export function writerFromArgv(args: readonly string[]): string {
  if (args.some((arg) => arg === "-p" || arg === "--print" || arg.startsWith("--print="))) return "pincer -p";
  const command = args.find((arg) => !arg.startsWith("-"));
  return command && /^(serve|acp|demo)$/.test(command) ? `pincer ${command}` : "pincer";
}

export function sessionOptionsFromArgs(
  args: HeadlessArgs,
  env: NodeJS.ProcessEnv,
): Omit<SessionOptions, "resolver" | "record" | "providerConfig"> {
  if (args.continue && args.resume) throw new UsageError("Use either --continue or --resume, not both.");
  if (args.fork && !args.continue && !args.resume) {
    throw new UsageError("--fork copies the session you continue: use it with --continue or --resume <id>.");
  }
  if (args.maxTurns !== undefined && (!Number.isInteger(args.maxTurns) || args.maxTurns < 1)) {
    throw new UsageError("--max-turns must be a positive integer.");
  }
  if (args.thinking !== undefined && !isThinkingLevel(args.thinking)) {
    throw new UsageError(
      `--thinking must be one of ${THINKING_LEVELS.join(", ")} (got ${JSON.stringify(args.thinking)}).`,
    );
  }
  const budgetUsd = args.budget === undefined ? undefined : Number(args.budget);
  if (budgetUsd !== undefined && !(Number.isFinite(budgetUsd) && budgetUsd > 0)) {
    throw new UsageError(
      `--budget must be a positive number of US dollars, e.g. --budget 20 (got ${JSON.stringify(String(args.budget))}).`,
    );
  }
  return {
    cwd: resolve(args.cwd ?? process.cwd()),
    home: pincerHome(env),
    env,
    ...(args.model ? { model: args.model } : {}),
    ...(args.thinking !== undefined ? { thinking: args.thinking } : {}),
    ...(args.permissionMode ? { permissionMode: args.permissionMode } : {}),
    allowedTools: args.allowedTools ?? [],
    disallowedTools: args.disallowedTools ?? [],
    ...(args.maxTurns !== undefined ? { maxTurns: args.maxTurns } : {}),
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(args.continue ? { continue: true } : {}),
    ...(args.resume ? { resume: args.resume } : {}),
    ...(args.fork ? { fork: true } : {}),
    addDirs: (args.addDir ?? []).map((dir) => resolve(dir)),
    ...(args.appendSystemPrompt ? { appendSystemPrompt: args.appendSystemPrompt } : {}),
    ...(args.agent ? { agent: args.agent } : {}),
    ...(args.dangerouslyRunUnconfined ? { unconfined: true } : {}),
    writer: writerFromArgv(process.argv.slice(2)),
  };
}
