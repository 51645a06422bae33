import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { probeBwrap } from "@pincer/host";
import { until } from "@pincer/testing";

/** The built CLI, run the way a user runs it: a real process with its own env and cwd. */
export const CLI = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string }): Promise<CliResult>;
  start(args: string[], options?: { env?: NodeJS.ProcessEnv }): { child: ChildProcess; done: Promise<CliResult> };
  [Symbol.dispose](): void;
}

/** A clean HOME-like world per test: temp PINCER_HOME and cwd, no inherited keys. */
export function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const home = mkdtempSync(join(tmpdir(), "pincer-e2e-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "pincer-e2e-cwd-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    PINCER_HOME: join(home, ".pincer"),
    NO_COLOR: "1",
    // A local Hub a test starts takes any free port, not the fixed default another test (or the user) may hold.
    PINCER_HUB_PORT: "0",
    // The suite's "machine without bubblewrap" run points this at a missing file.
    ...(process.env.PINCER_BWRAP ? { PINCER_BWRAP: process.env.PINCER_BWRAP } : {}),
    ...extraEnv,
  };
  const start = (args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? cwd,
      env: { ...env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdin!.end(options.input ?? "");
    const done = new Promise<CliResult>((resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    return { child, done };
  };
  return {
    home,
    cwd,
    env,
    run: (args, options) => start(args, options).done,
    start: (args, options) => start(args, options ?? {}),
    [Symbol.dispose]() {
      rmSync(home, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * stderr minus the one line a machine without a working bubblewrap adds at start ("OS sandbox
 * unavailable", or "OS sandbox is off" with the opt-in): the suite must pass on such a machine
 * too, and every other line still counts.
 */
export function stderrWithoutSandboxNotice(stderr: string): string {
  return stderr
    .split("\n")
    .filter((line) => !line.includes("OS sandbox unavailable") && !line.includes("OS sandbox is off"))
    .join("\n");
}

/** Whether commands are confined on this machine (bubblewrap works; PINCER_BWRAP may say it is missing). */
export const OS_SANDBOX = probeBwrap().ok;

/**
 * What a test whose model runs commands passes where there is no OS sandbox: the explicit opt-in a
 * user would have to give (without it every command asks, and a headless run refuses them).
 */
export const RUN_COMMANDS: string[] = OS_SANDBOX ? [] : ["--dangerously-run-unconfined"];

/**
 * The address a started `pincer serve` prints once it listens. Its start is its own time, not the
 * test's: on a loaded machine (three suites on two cores) it went past the default 15 s, so it gets
 * 60 s, scaled. A server that exits instead fails the wait at once, with its exit and stderr.
 */
export async function servingAddress(server: { child: ChildProcess; done: Promise<CliResult> }): Promise<string> {
  let stdout = "";
  server.child.stdout!.on("data", (chunk) => (stdout += chunk));
  const listening = until(() => /serving on (\S+)/.exec(stdout)?.[1], {
    message: "pincer serve to listen",
    timeoutMs: 60_000,
  });
  const exited = server.done.then((result) =>
    Promise.reject(
      new Error(`pincer serve exited (${result.code ?? result.signal}) before listening: ${result.stderr.trim()}`),
    ),
  );
  // Whichever loses is settled later with nobody waiting: not an unhandled rejection.
  listening.catch(() => {});
  exited.catch(() => {});
  return Promise.race([listening, exited]);
}
