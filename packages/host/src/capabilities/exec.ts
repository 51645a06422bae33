import { existsSync, realpathSync } from "node:fs";
import { resolve, sep } from "node:path";
import type { ExecCapability, ExecOptions, ExecResult } from "@pincer/sdk";
import { BackgroundShells, type SpawnPlan } from "./background.js";
import { childEnv, looksSecret, refusedPluginEnv } from "./child-env.js";
import { findProgram, singleCommand } from "./command-line.js";
import { bwrapArgs, type Confinement, createPrivateTmp, type OsSandboxPolicy, removePrivateTmp } from "./os-sandbox.js";
import { type GuardedProcess, spawnGuarded } from "./process-guard.js";
import type { ProcessRecords } from "./process-records.js";
import { StandbyShell } from "./standby-shell.js";

export interface ExecGrant {
  cwd: string;
  /** Command names the plugin may run; `bash` or `sh` means any command line. */
  allowedCommands: string[] | "*";
  shell?: string;
  /**
   * How commands run: inside a bubblewrap policy, or unconfined — with the user's standing
   * consent, or only after asking a person each time. The registry always says; left out (tests,
   * embedders that chose so), commands run unconfined.
   */
  confinement?: Confinement;
  /** Shorthand for `confinement: { policy }`. */
  osSandbox?: OsSandboxPolicy;
  /** Folders a command's cwd must be inside (the plugin's fs roots); default: `cwd`. */
  roots?: string[];
  /** The user's environment, where the minimal base and the granted values come from. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Names whose values are passed from the user's environment (the plugin's env grant, `sandbox.env`). */
  passEnv?: string[];
  /** Names the plugin may set itself beyond the harmless few (its env grant). */
  settableEnv?: string[];
  /** Where started process groups are noted until they end (PINCER_HOME/run/processes). */
  records?: ProcessRecords;
}

/** What the host adds to a plugin's options: the permission question, asked once the command is known. */
export interface HostExecOptions extends ExecOptions {
  /**
   * Asks the permission engine about the command as it will run (`subject`: the command line, with
   * any variables the plugin sets shown in front as `env NAME=value …`). `mustAsk`: a reason a person
   * must answer whatever the rules say (no OS sandbox). Resolves to the refusal, or undefined.
   */
  authorize?: (request: { subject: string; mustAsk?: string }) => Promise<string | undefined>;
}

export interface HostExecCapability extends ExecCapability {
  run(command: string, options?: HostExecOptions): Promise<ExecResult>;
  start(command: string, options?: Pick<HostExecOptions, "cwd" | "env" | "authorize">): Promise<string>;
  /**
   * A command line is on its way (the model has named a tool that runs one): a sandboxed shell
   * starts now and waits for it (standby-shell.ts). Nothing runs before `run` has done every check.
   */
  prepare?(): void;
  /** Kills the background commands (the session is over); `start` is refused after. */
  dispose?(): void;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 30_000;
const KILL_GRACE_MS = 2_000;

/**
 * The `spawn` capability. It runs exactly what was granted:
 * - a plugin granted named commands (`"spawn": ["git"]`) runs one simple command, executed
 *   directly from its words (no shell in between), the program found on the user's PATH;
 * - a plugin granted `bash`/`sh` runs a command line with that shell;
 * - the child starts from the minimal environment (child-env.ts) plus the granted variables, and
 *   the variables the plugin sets pass the allow-list; its cwd must be inside the plugin's roots;
 * - it runs inside the OS sandbox, or unconfined only as the user decided (see os-sandbox.ts);
 * - in its own process group (abort and timeout kill everything it started), tied to Pincer's
 *   life (process-guard.ts), stdin closed so nothing hangs on input.
 */
export function createExecCapability(grant: ExecGrant): HostExecCapability {
  const anyCommand =
    grant.allowedCommands === "*" || grant.allowedCommands.includes("bash") || grant.allowedCommands.includes("sh");
  const confinement: Confinement =
    grant.confinement ?? (grant.osSandbox ? { policy: grant.osSandbox } : { unconfined: "run" });
  const userEnv = grant.env ?? process.env;
  const roots = (grant.roots?.length ? grant.roots : [grant.cwd]).flatMap((root) => realOrEmpty(root));
  // Made on the first sandboxed command, then kept: later commands find what earlier ones left.
  let privateTmp: string | undefined;
  const background = new BackgroundShells();
  const standby = new StandbyShell();
  const shell = grant.shell ?? "bash";
  /** bwrap's arguments for `argv` run in `cwd`, under this capability's policy. */
  const sandboxed = (policy: OsSandboxPolicy, cwd: string, argv: string[]) => {
    privateTmp ??= createPrivateTmp();
    return bwrapArgs(policy, { cwd, privateTmp, argv });
  };
  const spawnOptions = (cwd: string, env: Record<string, string>, label: string) => ({
    cwd,
    env,
    label,
    stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"],
    diesWithParent: false,
    ...(grant.records ? { records: grant.records } : {}),
  });
  /** What will run for a command, once it is checked and the permission engine has said yes. */
  const authorized = async (command: string, options: HostExecOptions): Promise<SpawnPlan & { argv: string[] }> => {
    const plan = planCommand(command, options, grant, anyCommand, userEnv, roots);
    if ("refused" in plan) throw new Error(plan.refused);
    const mustAsk = "unconfined" in confinement && confinement.unconfined === "ask" ? confinement.reason : undefined;
    if (options.authorize) {
      const refusal = await options.authorize({ subject: plan.subject, ...(mustAsk ? { mustAsk } : {}) });
      if (refusal) throw new Error(refusal);
    } else if (mustAsk) {
      throw new Error(`spawning refused: ${mustAsk}`);
    }
    const env = childEnv(userEnv, grant.passEnv ?? [], options.env ?? {});
    if (!("policy" in confinement)) {
      const argv = plan.argv;
      return { program: argv[0] as string, args: argv.slice(1), options: spawnOptions(plan.cwd, env, command), argv };
    }
    return {
      program: confinement.policy.bwrap,
      args: sandboxed(confinement.policy, plan.cwd, plan.argv),
      options: { ...spawnOptions(plan.cwd, { ...env, TMPDIR: "/tmp" }, command), diesWithParent: true },
      argv: plan.argv,
    };
  };
  let disposed = false;
  return {
    prepare() {
      if (disposed || !anyCommand || !("policy" in confinement) || !StandbyShell.usable(shell)) return;
      const { policy } = confinement;
      // The cwd and environment a command gets when the plugin names neither (the bash tool's way).
      const plan = planCommand("", {}, grant, anyCommand, userEnv, roots);
      if ("refused" in plan) return;
      const env = { ...childEnv(userEnv, grant.passEnv ?? [], {}), TMPDIR: "/tmp" };
      standby.start({
        program: policy.bwrap,
        argsFor: (argv) => sandboxed(policy, plan.cwd, argv),
        shell,
        cwd: plan.cwd,
        options: { ...spawnOptions(plan.cwd, env, shell), diesWithParent: true },
      });
    },
    async run(command, options = {}) {
      const spawn = await authorized(command, options);
      const { argv } = spawn;
      const waiting =
        "policy" in confinement && argv.length === 3 && argv[0] === shell && argv[1] === "-c"
          ? standby.take(argv[2] as string, shell, spawn.options.cwd, spawn.options.env)
          : undefined;
      return runCommand(spawn, options, waiting);
    },
    async start(command, options = {}) {
      return background.start(command, await authorized(command, options));
    },
    async readOutput(id, options = {}) {
      return background.read(id, readCap(options.maxBytes));
    },
    async kill(id, options = {}) {
      return background.kill(id, readCap(options.maxBytes));
    },
    dispose() {
      disposed = true;
      standby.discard();
      background.dispose();
      // Its commands are over (a new capability, as a reloaded session gets, makes a new one).
      if (privateTmp) removePrivateTmp(privateTmp);
      privateTmp = undefined;
    },
  };
}

/** A read's cap: a positive whole number of bytes up to the host's buffer, else the default. */
function readCap(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0
    ? Math.min(value, 1024 * 1024)
    : undefined;
}

type Plan = { argv: string[]; cwd: string; subject: string } | { refused: string };

function planCommand(
  command: string,
  options: ExecOptions,
  grant: ExecGrant,
  anyCommand: boolean,
  userEnv: NodeJS.ProcessEnv,
  roots: string[],
): Plan {
  const refused = (why: string) => ({ refused: `spawning refused: ${why}` });
  if (typeof command !== "string" || command.includes("\0")) return refused("the command is not a string of text.");
  const extra = options.env ?? {};
  if (typeof extra !== "object" || extra === null) return refused("env must be an object of strings.");
  const badEnv = refusedPluginEnv(extra, grant.settableEnv ?? []);
  if (badEnv) return refused(`${badEnv}.`);
  const cwd = resolve(grant.cwd, options.cwd ?? ".");
  const realCwd = realOrEmpty(cwd)[0];
  if (!realCwd) return refused(`the working directory ${cwd} does not exist.`);
  if (!roots.some((root) => realCwd === root || realCwd.startsWith(root.endsWith(sep) ? root : root + sep))) {
    return refused(`the working directory ${cwd} is outside the plugin's folders.`);
  }
  const shown = Object.entries(extra).map(([name, value]) => `${name}=${looksSecret(name) ? "***" : quote(value)}`);
  const subject = shown.length ? `env ${shown.join(" ")} ${command}` : command;
  if (anyCommand) return { argv: [grant.shell ?? "bash", "-c", command], cwd: realCwd, subject };
  const allowed = (grant.allowedCommands as string[]).join(", ") || "no commands";
  const parsed = singleCommand(command);
  if ("refused" in parsed) {
    return refused(
      `the command line has ${parsed.refused}; the plugin may only run ${allowed}, one simple command at a time.`,
    );
  }
  const [program, ...args] = parsed.words;
  if (!(grant.allowedCommands as string[]).includes(program as string)) {
    return { refused: `spawning "${program}" refused: the plugin may only run ${allowed}.` };
  }
  // An absolute path is granted as itself; a name is looked up (with no PATH at all, where execvp would search).
  const path = (program as string).startsWith("/")
    ? existsSync(program as string)
      ? (program as string)
      : undefined
    : findProgram(program as string, userEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin");
  if (!path) return { refused: `spawning "${program}" refused: it was not found on PATH.` };
  return { argv: [path, ...args], cwd: realCwd, subject };
}

function realOrEmpty(path: string): string[] {
  try {
    return [realpathSync(path)];
  } catch {
    return [];
  }
}

function quote(value: string): string {
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** Runs a planned command: in `started` (a standby shell handed the command) or in a process spawned now. */
function runCommand(spawn: SpawnPlan, options: ExecOptions, started?: GuardedProcess): Promise<ExecResult> {
  const program = spawn.program;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolvePromise) => {
    const child = started ?? spawnGuarded(program, spawn.args, spawn.options);
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
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);

    const stop = () => {
      child.signalGroup("SIGTERM");
      killTimer = setTimeout(() => child.signalGroup("SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timeout);
      options.signal?.removeEventListener("abort", onAbort);
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
