import { existsSync, mkdtempSync, realpathSync, rmdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { isDirectory } from "../fs-probe.js";
import { defaultBwrap, probeBwrap } from "./bwrap-probe.js";
import { protectedPaths } from "./protected-paths.js";
import { PRIVATE_TMP_PREFIX, sweepStaleTmps } from "./stale-tmps.js";

export { defaultBwrap, probeBwrap } from "./bwrap-probe.js";
export { HIDDEN_IN_HOME } from "./protected-paths.js";

/**
 * The OS sandbox around spawned commands (the `bash` tool, any plugin granted `spawn`, hooks,
 * local jobs): bubblewrap gives the command a read-only view of the machine, the granted write
 * roots, a private /tmp, no network, and masks over credentials. It is the second wall behind
 * the capability check in exec.ts: a command line is opaque, so only the kernel can hold it to
 * the grants.
 *
 * Without a working bwrap nothing runs unconfined quietly: under `auto` every command is asked of
 * a person (and refused when nobody can answer) until the user installs bubblewrap or says, with
 * `off` (or `--dangerously-run-unconfined`), that unconfined commands are what they want.
 */

/**
 * `auto`: sandbox when bwrap works, otherwise ask before each unconfined command; `bwrap`: refuse
 * to start without it; `off`: never sandbox, run commands unconfined without asking.
 */
export type OsSandboxMode = "auto" | "bwrap" | "off";

/** What the user configures (`sandbox.*` in config.json). */
export interface OsSandboxSettings {
  os?: OsSandboxMode;
  /** Let sandboxed commands use the network (widening: reported at start, never silent). */
  network?: boolean;
  /** Extra writable roots beyond the plugin's fs write grants (absolute or `~/…`). */
  writable?: string[];
  /** Extra paths to mask (credentials the defaults do not know), absolute or `~/…`. */
  hide?: string[];
  /** Variables from the user's environment that commands get beyond the minimal base. */
  env?: string[];
  /** The bwrap binary; default `PINCER_BWRAP`, else `bwrap` on PATH. Tests point it at a missing file. */
  bwrapPath?: string;
  /** Where a successful probe is remembered (PINCER_HOME/run); absent: probe once per process. */
  stateDir?: string;
  /** Pincer's home, masked for commands and refused to plugins' fs (protected-paths.ts); default PINCER_HOME or ~/.pincer. */
  pincerHome?: string;
}

/** A sandbox ready to wrap commands: the probe succeeded and every path is real. */
export interface OsSandboxPolicy {
  bwrap: string;
  network: boolean;
  /** Bound read-write, at the same path. */
  writableRoots: string[];
  /** Granted read roots; re-exposed if they fall under a hidden path. */
  readableRoots: string[];
  /** Pincer's home, credentials and control sockets (protected-paths.ts) that the read-only view would otherwise show. */
  hiddenPaths: string[];
}

/**
 * How one plugin's (or hook's, or job's) commands run: inside a policy, or unconfined — with the
 * user's standing consent (`run`), or only after asking a person each time (`ask`, with the reason
 * and the fix to show).
 */
export type Confinement = { policy: OsSandboxPolicy } | { unconfined: "run" } | { unconfined: "ask"; reason: string };

export class OsSandboxUnavailableError extends Error {
  override name = "OsSandboxUnavailableError";
}

/** The fix, said the same way wherever a missing sandbox is reported. */
export const UNCONFINED_OPT_IN =
  'to run them unconfined unasked: sandbox.os "off" in config.json, or --dangerously-run-unconfined';

/**
 * What a session should tell the user about the OS sandbox, once, at start: nothing when
 * commands are fully confined, one notice when they are not or when settings widen it.
 * Throws OsSandboxUnavailableError when `os: "bwrap"` demands a sandbox this machine cannot give.
 */
export function checkOsSandbox(settings: OsSandboxSettings = {}): {
  sandboxed: boolean;
  warning?: string;
  /** Without a sandbox: whether commands run (`off`) or ask first (`auto`). */
  unconfined?: "run" | "ask";
} {
  const mode = settings.os ?? "auto";
  if (mode === "off") {
    return {
      sandboxed: false,
      unconfined: "run",
      warning:
        'OS sandbox is off (sandbox.os "off" or --dangerously-run-unconfined): commands run with your full file and network access.',
    };
  }
  const probe = probeBwrap(settings.bwrapPath ?? defaultBwrap(), settings.stateDir);
  if (!probe.ok) {
    if (mode === "bwrap") throw new OsSandboxUnavailableError(unavailableMessage(probe.reason));
    return { sandboxed: false, unconfined: "ask", warning: askNotice(probe.reason) };
  }
  const widened = [
    ...(settings.network ? ["network access allowed (sandbox.network)"] : []),
    ...(settings.writable?.length ? [`also writable: ${settings.writable.join(", ")} (sandbox.writable)`] : []),
  ];
  return widened.length
    ? { sandboxed: true, warning: `OS sandbox widened by your settings: ${widened.join("; ")}.` }
    : { sandboxed: true };
}

function askNotice(reason: string): string {
  return `OS sandbox unavailable: ${reason}. Each command asks before it runs unconfined (refused with nobody to ask). Fix: apt-get install bubblewrap; or, ${UNCONFINED_OPT_IN}.`;
}

/** The reason a command asks (or is refused) when there is no sandbox: short, with the fix. */
export function unconfinedReason(reason: string): string {
  return `no OS sandbox here (${reason}), so it would run with your full file and network access. Install bubblewrap (apt-get install bubblewrap) to confine commands; or, ${UNCONFINED_OPT_IN}`;
}

function unavailableMessage(reason: string): string {
  return `OS sandbox required (sandbox.os is "bwrap") but ${reason}. Install bubblewrap (e.g. apt-get install bubblewrap) and allow unprivileged user namespaces, or set sandbox.os to "auto" to be asked before each unconfined command.`;
}

export interface PolicyContext {
  /** The plugin's fs write grants: the only places its commands may change. */
  writeRoots: string[];
  readRoots?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * How one plugin's commands run: in a sandbox that writes only where its fs grants say, or
 * unconfined, with consent (`off`) or after asking (`auto` on a machine without a working bwrap).
 */
export function resolveConfinement(settings: OsSandboxSettings = {}, context: PolicyContext): Confinement {
  const mode = settings.os ?? "auto";
  if (mode === "off") return { unconfined: "run" };
  const bwrap = settings.bwrapPath ?? defaultBwrap();
  const probe = probeBwrap(bwrap, settings.stateDir);
  if (!probe.ok) {
    if (mode === "bwrap") throw new OsSandboxUnavailableError(unavailableMessage(probe.reason));
    return { unconfined: "ask", reason: unconfinedReason(probe.reason) };
  }
  const env = context.env ?? process.env;
  const home = env.HOME || homedir();
  const expand = (path: string) => (path === "~" || path.startsWith("~/") ? join(home, path.slice(1)) : resolve(path));
  return {
    policy: {
      bwrap,
      network: settings.network === true,
      writableRoots: realPaths([...context.writeRoots, ...(settings.writable ?? []).map(expand)]),
      readableRoots: realPaths(context.readRoots ?? []),
      // The same list the fs capability refuses: an explicit grant of one of these wins (it is bound again on top).
      hiddenPaths: realPaths(protectedPaths(settings, env).map((entry) => entry.path)),
    },
  };
}

/** The policy alone: undefined when commands would run unconfined (see resolveConfinement). */
export function resolveOsSandbox(
  settings: OsSandboxSettings = {},
  context: PolicyContext,
): OsSandboxPolicy | undefined {
  const confinement = resolveConfinement(settings, context);
  return "policy" in confinement ? confinement.policy : undefined;
}

/** Existing paths only (bwrap cannot mount what is missing), symlinks resolved, no duplicates. */
function realPaths(paths: string[]): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    if (!isAbsolute(path) || !existsSync(path)) continue;
    try {
      out.add(realpathSync(path));
    } catch {
      // Vanished between the two calls: nothing to mount.
    }
  }
  return [...out];
}

export interface BwrapCommand {
  cwd: string;
  privateTmp: string;
  /** What runs inside: `[shell, "-c", line]` for a command line, the program and its arguments otherwise. */
  argv: string[];
  /** More mounts or settings, placed before the command (e.g. a socket bound read-only). */
  extra?: string[];
}

/**
 * bwrap's argv for one command. Mounts are ordered parent-first so the most specific path wins:
 * a workspace under /tmp is bound over the private /tmp, a grant under ~/.ssh over its mask.
 * --die-with-parent plus the PID namespace is what makes abort reliable: killing bwrap kills
 * the namespace's init, and the kernel then kills everything in it, daemons included; and it
 * is what ties every sandboxed process to Pincer's life (PR_SET_PDEATHSIG), kill -9 included.
 */
export function bwrapArgs(policy: OsSandboxPolicy, options: BwrapCommand): string[] {
  const mounts: Array<{ dest: string; args: string[] }> = [
    { dest: "/tmp", args: ["--bind", options.privateTmp, "/tmp"] },
  ];
  const granted = new Set([...policy.writableRoots, ...policy.readableRoots]);
  const pinned = new Set<string>();
  for (const hidden of policy.hiddenPaths) {
    // Granting the hidden path itself means the user wants it; a grant above it (a workspace
    // at ~) does not: the mask still goes on top, which is the point of defense in depth.
    if (granted.has(hidden)) continue;
    const args = isDirectory(hidden) ? ["--tmpfs", hidden] : ["--ro-bind", "/dev/null", hidden];
    mounts.push({ dest: hidden, args });
    for (const folder of foldersToPin(hidden, policy.writableRoots)) pinned.add(folder);
  }
  // A mask travels with its folder: `mv ~/.config ~/c` in a workspace at ~ would carry the real
  // ~/.config/gh out from under its mask, readable under the new name by the next command. Each
  // folder between a writable root and a mask is bound onto itself, still writable; a mount point
  // cannot be renamed or removed (EBUSY), so the masked path stays where it is.
  for (const folder of pinned) {
    if (!policy.writableRoots.includes(folder)) mounts.push({ dest: folder, args: ["--bind", folder, folder] });
  }
  // Read grants the private /tmp or a mask would shadow are shown again, read-only.
  const shadowed = ["/tmp", ...policy.hiddenPaths];
  for (const root of policy.readableRoots) {
    if (policy.writableRoots.includes(root)) continue;
    if (shadowed.some((shadow) => within(root, shadow) && root !== shadow)) {
      mounts.push({ dest: root, args: ["--ro-bind", root, root] });
    }
  }
  for (const root of policy.writableRoots) mounts.push({ dest: root, args: ["--bind", root, root] });
  mounts.sort((a, b) => depth(a.dest) - depth(b.dest));
  return [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    ...mounts.flatMap((mount) => mount.args),
    ...(policy.network ? [] : ["--unshare-net"]),
    "--unshare-pid",
    "--die-with-parent",
    // No controlling terminal inside: TIOCSTI cannot push keystrokes into the user's shell.
    "--new-session",
    "--setenv",
    "TMPDIR",
    "/tmp",
    ...(options.extra ?? []),
    "--chdir",
    options.cwd,
    "--",
    ...options.argv,
  ];
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The folders strictly between a writable root holding `hidden` and `hidden` itself. */
function foldersToPin(hidden: string, writableRoots: readonly string[]): string[] {
  const folders: string[] = [];
  for (const root of writableRoots) {
    if (hidden === root || !within(hidden, root)) continue;
    for (let folder = dirname(hidden); folder !== root && within(folder, root); folder = dirname(folder)) {
      folders.push(folder);
    }
  }
  return folders;
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}

const privateTmps = new Set<string>();
let removedAtExit = false;

/**
 * When a process that makes private /tmps looks for those of killed ones (stale-tmps.ts): long
 * after its start, so a one-shot run never spends its time listing the temp folder, and a server, a
 * terminal session or a long job does it once.
 */
const SWEEP_AFTER_MS = 30_000;

/**
 * A private /tmp for one capability (one plugin in one session): on disk rather than tmpfs so a
 * big build cannot eat RAM, kept across that plugin's commands (agents clone into /tmp and come
 * back), removed when the process exits. Its name carries this process's pid, so that what a
 * killed process left can be told from what a running one uses.
 */
export function createPrivateTmp(): string {
  if (!removedAtExit) {
    process.once("exit", removePrivateTmps);
    setTimeout(() => void sweepStaleTmps(), SWEEP_AFTER_MS).unref();
  }
  removedAtExit = true;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `${PRIVATE_TMP_PREFIX}${process.pid}-`)));
  privateTmps.add(dir);
  return dir;
}

/**
 * Removes one private /tmp when its capability is done with it (disposed: its session closed or was
 * released): a long-running `pincer serve` kept every session's until it exited. Whatever could not
 * be removed (a dying command still writing there) is tried again at exit. Most are empty: rmdir is
 * one system call, where rmSync's recursive remover cost 0.4–0.8 ms of a one-shot's exit; a folder
 * with something left in it goes the long way.
 */
export function removePrivateTmp(dir: string): void {
  if (!privateTmps.has(dir)) return;
  try {
    rmdirSync(dir);
  } catch {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      return;
    }
  }
  privateTmps.delete(dir);
}

/** Removes the private /tmps still there (as the process exits). */
export function removePrivateTmps(): void {
  for (const dir of [...privateTmps]) removePrivateTmp(dir);
  privateTmps.clear();
}
