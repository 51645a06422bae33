import { spawn } from "node:child_process";

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 30_000;
const KILL_GRACE_MS = 2_000;
/**
 * The `spawn` capability: a shell command line in its own process group, so abort and timeout
 * kill everything it started, not just the shell. stdin is closed: nothing can hang on input.
 */
export function createExecCapability(grant) {
  const anyCommand =
    grant.allowedCommands === "*" || grant.allowedCommands.includes("bash") || grant.allowedCommands.includes("sh");
  return {
    run(command, options = {}) {
      if (!anyCommand) {
        const program = firstProgram(command);
        if (!program || !grant.allowedCommands.includes(program)) {
          return Promise.reject(
            new Error(
              `spawning "${program ?? command}" refused: the plugin may only run ${grant.allowedCommands.join(", ") || "no commands"}.`,
            ),
          );
        }
      }
      return runCommand(grant.shell ?? "bash", command, { cwd: grant.cwd, ...options });
    },
  };
}
function firstProgram(command) {
  return command
    .trim()
    .split(/\s+/)
    .find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
}
function runCommand(shell, command, options) {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolvePromise) => {
    const child = spawn(shell, ["-c", command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = Buffer.alloc(0);
    let truncatedBytes = 0;
    let timedOut = false;
    let aborted = false;
    let killTimer;
    const collect = (chunk) => {
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
    const finish = (exitCode, signal) => {
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
      output = Buffer.from(`failed to start ${shell}: ${error.message}`);
      finish(127, null);
    });
    child.on("close", finish);
  });
}
function signalGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
//# sourceMappingURL=exec.js.map
