import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, resolve, sep } from "node:path";
import { isDirectory } from "../fs-probe.js";

/**
 * The OS sandbox around spawned commands (the `bash` tool, any plugin granted `spawn`):
 * bubblewrap gives the command a read-only view of the machine, the granted write roots,
 * a private /tmp and no network. It is the second wall behind the capability check in exec.ts:
 * a command line is opaque, so only the kernel can hold it to the grants.
 */

/** `auto`: sandbox when bwrap works, warn and go on without it otherwise; `bwrap`: refuse to run without it; `off`: never. */
export type OsSandboxMode = "auto" | "bwrap" | "off";

/** What the user configures (`sandbox.os`, `sandbox.network`, `sandbox.writable` in config.json). */
export interface OsSandboxSettings {
  os?: OsSandboxMode;
  /** Let sandboxed commands use the network (widening: reported at start, never silent). */
  network?: boolean;
  /** Extra writable roots beyond the plugin's fs write grants (absolute or `~/…`). */
  writable?: string[];
  /** The bwrap binary; tests point it elsewhere to simulate a machine without one. */
  bwrapPath?: string;
}

/** A sandbox ready to wrap commands: the probe succeeded and every path is real. */
export interface OsSandboxPolicy {
  bwrap: string;
  network: boolean;
  /** Bound read-write, at the same path. */
  writableRoots: string[];
  /** Granted read roots; re-exposed if they fall under a hidden path. */
  readableRoots: string[];
  /** Credentials and control sockets that the read-only view would otherwise show. */
  hiddenPaths: string[];
}

export class OsSandboxUnavailableError extends Error {
  override name = "OsSandboxUnavailableError";
}

interface Probe {
  ok: boolean;
  reason: string;
}

const probes = new Map<string, Probe>();

/**
 * Whether bwrap can really build a sandbox here: installed is not enough (containers without
 * user namespaces, or a kernel that forbids them, make it fail at run time), so run a trivial
 * command with the same namespaces the real ones get. Once per binary per process: ~5 ms.
 */
export function probeBwrap(bwrapPath = "bwrap"): Probe {
  let probe = probes.get(bwrapPath) ?? readCachedProbe(bwrapPath);
  if (!probe) {
    const result = spawnSync(
      bwrapPath,
      [...baseArgs(), "--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--", "true"],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 5_000, encoding: "utf8" },
    );
    if (result.error) {
      const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
      probe = {
        ok: false,
        reason: missing ? `${bwrapPath} is not installed` : `${bwrapPath} could not start: ${result.error.message}`,
      };
    } else if (result.status !== 0) {
      const stderr = result.stderr.trim().split("\n")[0] || `exit code ${result.status ?? result.signal}`;
      probe = { ok: false, reason: `${bwrapPath} cannot create a sandbox here (${stderr})` };
    } else probe = { ok: true, reason: "" };
    writeCachedProbe(bwrapPath, probe);
  }
  probes.set(bwrapPath, probe);
  return probe;
}

/**
 * The probe's answer holds until the binary or the boot changes, so it is kept on disk: a
 * one-shot `pincer -p` should not pay a process spawn to learn what the last one learned.
 */
function probeCacheKey(bwrapPath: string): { file: string; key: string } | undefined {
  const binary = isAbsolute(bwrapPath)
    ? bwrapPath
    : (process.env.PATH ?? "")
        .split(":")
        .map((dir) => join(dir, bwrapPath))
        .find((candidate) => existsSync(candidate));
  if (!binary) return undefined;
  let bootId = "";
  try {
    bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
  const stat = statSync(binary);
  return {
    file: join(tmpdir(), `pincer-bwrap-probe-${process.getuid?.() ?? "user"}.json`),
    key: `${realpathSync(binary)}:${stat.mtimeMs}:${stat.size}:${bootId}`,
  };
}

function readCachedProbe(bwrapPath: string): Probe | undefined {
  try {
    const cache = probeCacheKey(bwrapPath);
    if (!cache) return undefined;
    const stored = JSON.parse(readFileSync(cache.file, "utf8")) as { key?: string; probe?: Probe };
    return stored.key === cache.key && stored.probe ? stored.probe : undefined;
  } catch {
    return undefined;
  }
}

function writeCachedProbe(bwrapPath: string, probe: Probe): void {
  try {
    const cache = probeCacheKey(bwrapPath);
    if (cache) writeFileSync(cache.file, JSON.stringify({ key: cache.key, probe }), { mode: 0o600 });
  } catch {
    // No cache is only slower.
  }
}

/**
 * What a session should tell the user about the OS sandbox, once, at start: nothing when
 * commands are fully confined, one warning when they are not or when settings widen it.
 * Throws OsSandboxUnavailableError when `os: "bwrap"` demands a sandbox this machine cannot give.
 */
export function checkOsSandbox(settings: OsSandboxSettings = {}): { sandboxed: boolean; warning?: string } {
  const mode = settings.os ?? "auto";
  if (mode === "off") {
    return {
      sandboxed: false,
      warning:
        'OS sandbox is off (sandbox.os is "off" in your settings): commands run by the bash tool and plugins have your full file and network access; permission prompts are the only guard.',
    };
  }
  const probe = probeBwrap(settings.bwrapPath);
  if (!probe.ok) {
    if (mode === "bwrap") throw new OsSandboxUnavailableError(unavailableMessage(probe.reason));
    return {
      sandboxed: false,
      warning: `OS sandbox unavailable: ${probe.reason}. Commands run by the bash tool and plugins are not confined; permission prompts are the only guard. Install bubblewrap (e.g. apt-get install bubblewrap) and allow unprivileged user namespaces to confine them.`,
    };
  }
  const widened = [
    ...(settings.network ? ["network access allowed (sandbox.network)"] : []),
    ...(settings.writable?.length ? [`also writable: ${settings.writable.join(", ")} (sandbox.writable)`] : []),
  ];
  return widened.length
    ? { sandboxed: true, warning: `OS sandbox widened by your settings: ${widened.join("; ")}.` }
    : { sandboxed: true };
}

function unavailableMessage(reason: string): string {
  return `OS sandbox required (sandbox.os is "bwrap") but ${reason}. Install bubblewrap (e.g. apt-get install bubblewrap) and allow unprivileged user namespaces, or set sandbox.os to "auto" to run unconfined with a warning.`;
}

export interface PolicyContext {
  /** The plugin's fs write grants: the only places its commands may change. */
  writeRoots: string[];
  readRoots?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The sandbox one plugin's commands run in, or undefined when they run unconfined (`off`, or
 * `auto` on a machine without a working bwrap — checkOsSandbox has told the user).
 */
export function resolveOsSandbox(
  settings: OsSandboxSettings = {},
  context: PolicyContext,
): OsSandboxPolicy | undefined {
  const mode = settings.os ?? "auto";
  if (mode === "off") return undefined;
  const bwrap = settings.bwrapPath ?? "bwrap";
  const probe = probeBwrap(bwrap);
  if (!probe.ok) {
    if (mode === "bwrap") throw new OsSandboxUnavailableError(unavailableMessage(probe.reason));
    return undefined;
  }
  const home = context.env?.HOME || homedir();
  const expand = (path: string) => (path === "~" || path.startsWith("~/") ? join(home, path.slice(1)) : resolve(path));
  return {
    bwrap,
    network: settings.network === true,
    writableRoots: realPaths([...context.writeRoots, ...(settings.writable ?? []).map(expand)]),
    readableRoots: realPaths(context.readRoots ?? []),
    hiddenPaths: realPaths(defaultHiddenPaths(home, context.env ?? process.env)),
  };
}

/**
 * Read access stays wide (toolchains live all over the disk), so hide what a command never
 * needs and a prompt injection would love to print into the transcript: credential stores,
 * Pincer's own home (config, sessions, other plugins), and the Docker socket (root on the host).
 * An explicit grant under one of these wins: it is bound again on top.
 */
function defaultHiddenPaths(home: string, env: NodeJS.ProcessEnv): string[] {
  const inHome = [
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
  ];
  return [
    ...inHome.map((name) => join(home, name)),
    resolve(env.PINCER_HOME || join(home, ".pincer")),
    "/var/run/docker.sock",
    "/run/docker.sock",
  ];
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

function baseArgs(): string[] {
  return ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
}

/**
 * bwrap's argv for one command. Mounts are ordered parent-first so the most specific path wins:
 * a workspace under /tmp is bound over the private /tmp, a grant under ~/.ssh over its mask.
 * --die-with-parent plus the PID namespace is what makes abort reliable: killing bwrap kills
 * the namespace's init, and the kernel then kills everything in it, daemons included.
 */
export function bwrapArgs(
  policy: OsSandboxPolicy,
  options: { cwd: string; privateTmp: string; shell: string; command: string },
): string[] {
  const mounts: Array<{ dest: string; args: string[] }> = [
    { dest: "/tmp", args: ["--bind", options.privateTmp, "/tmp"] },
  ];
  const granted = new Set([...policy.writableRoots, ...policy.readableRoots]);
  for (const hidden of policy.hiddenPaths) {
    // Granting the hidden path itself means the user wants it; a grant above it (a workspace
    // at ~) does not: the mask still goes on top, which is the point of defense in depth.
    if (granted.has(hidden)) continue;
    const args = isDirectory(hidden) ? ["--tmpfs", hidden] : ["--ro-bind", "/dev/null", hidden];
    mounts.push({ dest: hidden, args });
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
    ...baseArgs(),
    ...mounts.flatMap((mount) => mount.args),
    ...(policy.network ? [] : ["--unshare-net"]),
    "--unshare-pid",
    "--die-with-parent",
    // No controlling terminal inside: TIOCSTI cannot push keystrokes into the user's shell.
    "--new-session",
    "--setenv",
    "TMPDIR",
    "/tmp",
    "--chdir",
    options.cwd,
    "--",
    options.shell,
    "-c",
    options.command,
  ];
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}

const privateTmps = new Set<string>();

/**
 * A private /tmp for one capability (one plugin in one session): on disk rather than tmpfs so a
 * big build cannot eat RAM, kept across that plugin's commands (agents clone into /tmp and come
 * back), removed when the process exits.
 */
export function createPrivateTmp(): string {
  if (privateTmps.size === 0) {
    process.once("exit", () => {
      for (const dir of privateTmps) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-tmp-")));
  privateTmps.add(dir);
  return dir;
}
