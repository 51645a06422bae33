import { spawn } from "node:child_process";
import { resolve } from "node:path";
import type { ExecCapability, ExecResult } from "@pincer/sdk";
import { singleProgram } from "./command-line.js";
import { bwrapArgs, createPrivateTmp, type OsSandboxPolicy } from "./os-sandbox.js";

export interface ExecGrant {
  cwd: string;
  /** Command names the plugin may run; `bash` or `sh` means any command line. */
  allowedCommands: string[] | "*";
  shell?: string;
  /** Run every command inside this bubblewrap sandbox; without it, commands run unconfined. */
  osSandbox?: OsSandboxPolicy;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 30_000;
const KILL_GRACE_MS = 2_000;

/**
 * The `spawn` capability: a shell command line in its own process group, so abort and timeout
 * kill everything it started, not just the shell. stdin is closed: nothing can hang on input.
 * With an OS sandbox the shell runs inside bwrap (see os-sandbox.ts), the capability check
 * above it stays: the sandbox confines what a command does, the grant what it may be.
 */
export function createExecCapability(grant: ExecGrant): ExecCapability {
  const anyCommand =
    grant.allowedCommands === "*" || grant.allowedCommands.includes("bash") || grant.allowedCommands.includes("sh");
  // Made on the first sandboxed command, then kept: later commands find what earlier ones left.
  let privateTmp: string | undefined;
  return {
    run(command, options = {}) {
      if (!anyCommand) {
        const allowed = (grant.allowedCommands as string[]).join(", ") || "no commands";
        const parsed = singleProgram(command);
        if ("refused" in parsed) {
          return Promise.reject(
            new Error(
              `spawning refused: the command line has ${parsed.refused}; the plugin may only run ${allowed}, one simple command at a time.`,
            ),
          );
        }
        if (!(grant.allowedCommands as string[]).includes(parsed.program)) {
          return Promise.reject(new Error(`spawning "${parsed.program}" refused: the plugin may only run ${allowed}.`));
        }
      }
      const shell = grant.shell ?? "bash";
      const cwd = resolve(grant.cwd, options.cwd ?? ".");
      const policy = grant.osSandbox;
      if (!policy) return runCommand(shell, ["-c", command], { ...options, cwd });
      privateTmp ??= createPrivateTmp();
      return runCommand(policy.bwrap, bwrapArgs(policy, { cwd, privateTmp, shell, command }), {
        ...options,
        cwd,
        env: { ...options.env, TMPDIR: "/tmp" },
      });
    },
  };
}

function runCommand(
  program: string,
  args: string[],
  options: Parameters<ExecCapability["run"]>[1] & { cwd: string },
): Promise<ExecResult> {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolvePromise) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = Buffer.alloc(0);
    let truncatedBytes = 0;
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;

    const collect = (chunk: Buffer) => {
      options.onOutput?.(chunk.toString("utf8"));
      output = Buffer.concat([output, chunk]);
      if (output.length > maxOutput) {
        truncatedBytes += output.length - maxOutput;
        output = output.subarray(output.length - maxOutput);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);

    const killGroup = () => {
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timeout);
      options.signal?.removeEventListener("abort", onAbort);
      // The shell is gone, but background children may live on in the group: end them too.
      if (timedOut || aborted) signalGroup(child.pid, "SIGKILL");
      if (killTimer) clearTimeout(killTimer);
      resolvePromise({
        exitCode,
        signal,
        output: output.toString("utf8"),
        truncatedBytes,
        timedOut,
        aborted,
      });
    };
    child.on("error", (error) => {
      output = Buffer.from(`failed to start ${program}: ${error.message}`);
      finish(127, null);
    });
    child.on("close", finish);
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
