import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, join } from "node:path";

export interface Probe {
  ok: boolean;
  reason: string;
}

/** The bwrap binary used when settings name none: `PINCER_BWRAP`, else `bwrap` on PATH. */
export function defaultBwrap(): string {
  return process.env.PINCER_BWRAP || "bwrap";
}

const probes = new Map<string, Probe>();

/** The namespaces and flags every sandboxed command gets; the probe uses the same. */
export const PROBE_ARGS = [
  "--ro-bind",
  "/",
  "/",
  "--dev",
  "/dev",
  "--proc",
  "/proc",
  "--unshare-net",
  "--unshare-pid",
  "--die-with-parent",
  "--new-session",
  "--",
  "true",
];

/**
 * Whether bwrap can really build a sandbox here: installed is not enough (containers without
 * user namespaces, or a kernel that forbids them, make it fail at run time), so run a trivial
 * command with the same namespaces the real ones get. Once per binary per process (~5 ms).
 *
 * Only a success is remembered on disk, under `stateDir` (PINCER_HOME/run: the user's own,
 * mode 0700), keyed by the binary, the boot and the user-namespace sysctls. A failure is probed
 * again by every process: nobody can make Pincer believe bubblewrap is missing by writing a file,
 * and a forged success only makes commands fail (bwrap cannot start them), never run unconfined.
 */
export function probeBwrap(bwrapPath = defaultBwrap(), stateDir?: string): Probe {
  const known = probes.get(bwrapPath);
  if (known) return known;
  const cache = stateDir ? probeCache(bwrapPath, stateDir) : undefined;
  let probe: Probe | undefined = cache && readCachedSuccess(cache) ? { ok: true, reason: "" } : undefined;
  if (!probe) {
    probe = runProbe(bwrapPath);
    if (probe.ok && cache) writeCachedSuccess(cache);
  }
  probes.set(bwrapPath, probe);
  return probe;
}

function runProbe(bwrapPath: string): Probe {
  // A binary that is not there needs no spawn to say so: on a machine without bubblewrap every
  // process probes again, and a spawn loads child_process (~40 of Node's internal modules).
  if (!locate(bwrapPath)) return { ok: false, reason: `${bwrapPath} is not installed` };
  const result = spawnSync(bwrapPath, PROBE_ARGS, {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 5_000,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      ok: false,
      reason: missing ? `${bwrapPath} is not installed` : `${bwrapPath} could not start: ${result.error.message}`,
    };
  }
  if (result.status === 0) return { ok: true, reason: "" };
  const stderr = result.stderr.trim().split("\n")[0] || `exit code ${result.status ?? result.signal}`;
  return { ok: false, reason: `${bwrapPath} cannot create a sandbox here (${stderr})${usernsHint(stderr)}` };
}

/**
 * When the failure is the kernel refusing unprivileged user namespaces, the sysctl that allows
 * them (which one depends on the distribution).
 */
function usernsHint(stderr: string): string {
  if (!/namespace|uid map|setting up|Operation not permitted|Permission denied/i.test(stderr)) return "";
  const hints: string[] = [];
  if (readSysctl("kernel/apparmor_restrict_unprivileged_userns") === "1") {
    hints.push("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile for bwrap)");
  }
  if (readSysctl("kernel/unprivileged_userns_clone") === "0")
    hints.push("sysctl -w kernel.unprivileged_userns_clone=1");
  if (readSysctl("user/max_user_namespaces") === "0") hints.push("sysctl -w user.max_user_namespaces=15000");
  if (hints.length === 0) return "; user namespaces seem to be disabled here (in a container, allow them for it)";
  return `; unprivileged user namespaces are disabled: ${hints.join(", or ")}`;
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name}`, "utf8").trim();
  } catch {
    return undefined;
  }
}

interface ProbeCache {
  file: string;
  key: string;
}

function probeCache(bwrapPath: string, stateDir: string): ProbeCache | undefined {
  try {
    const binary = locate(bwrapPath);
    if (!binary) return undefined;
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const stat = statSync(binary);
    const sysctls = [
      "kernel/unprivileged_userns_clone",
      "user/max_user_namespaces",
      "kernel/apparmor_restrict_unprivileged_userns",
    ].map((name) => readSysctl(name) ?? "-");
    return {
      file: join(stateDir, "bwrap-probe.json"),
      key: [realpathSync(binary), stat.mtimeMs, stat.size, stat.ino, bootId, ...sysctls].join(":"),
    };
  } catch {
    return undefined;
  }
}

/** The file a spawn of `bwrapPath` would run, as the spawn looks for it; undefined when there is none. */
function locate(bwrapPath: string): string | undefined {
  if (isAbsolute(bwrapPath)) return existsSync(bwrapPath) ? bwrapPath : undefined;
  if (bwrapPath.includes("/")) return bwrapPath;
  return (process.env.PATH ?? "/usr/bin:/bin")
    .split(":")
    .filter(Boolean)
    .map((dir) => join(dir, bwrapPath))
    .find((candidate) => existsSync(candidate));
}

/** Trusted only when this user owns the file and nobody else can write it or its folder. */
function readCachedSuccess(cache: ProbeCache): boolean {
  try {
    const uid = process.getuid?.();
    for (const path of [join(cache.file, ".."), cache.file]) {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) return false;
    }
    const stored = JSON.parse(readFileSync(cache.file, "utf8")) as { key?: unknown; ok?: unknown };
    return stored.key === cache.key && stored.ok === true;
  } catch {
    return false;
  }
}

function writeCachedSuccess(cache: ProbeCache): void {
  try {
    const dir = join(cache.file, "..");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${cache.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ key: cache.key, ok: true }), { mode: 0o600 });
    renameSync(temp, cache.file);
  } catch {
    // No cache is only slower.
  }
}
