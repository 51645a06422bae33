// The system packages Pincer needs beyond Node, which npm can't provide:
// - "sandbox": bubblewrap, the OS sandbox around the commands tools run (without it they run
//   unconfined, with a warning);
// - "python": Debian's Python stack, which the ML intern's local job runner trains with
//   (/usr/bin/python3 with torch, sklearn, pandas, numpy).
// `pnpm demo` asks for both, `pnpm test` for the Python stack only (the suite passes with and
// without bubblewrap; .ci/run runs the sandbox tests again once it is installed). On Debian or
// Ubuntu, as root or with passwordless sudo, the missing ones are installed with apt-get, saying
// so; a dpkg/apt lock held by another process (unattended-upgrades, another install) is waited
// for, up to four minutes, saying so every half minute. Whatever could not be done is said
// plainly, with the command that would do it.
//
// `PINCER_NO_SYSTEM_INSTALL=1` turns installing off (only the check and the advice remain).
// Usage: node scripts/system-deps.mjs [--only python|sandbox] [--advise]
// Exit code: 0 when everything asked for is there (already, or now), 3 when not; with `--advise`
// always 0 (the tests go on, and the ones that train fail naming the missing package).
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export const PYTHON = "/usr/bin/python3";
export const MODULES = ["torch", "sklearn", "pandas", "numpy"];
export const DEBIAN_PACKAGES = ["python3-torch", "python3-sklearn", "python3-pandas", "python3-numpy"];
export const SANDBOX_PACKAGES = ["bubblewrap"];
/** How long a held dpkg/apt lock is waited for, and how often the wait is reported. */
export const LOCK_WAIT_MS = 4 * 60_000;
const LOCK_REPORT_MS = 30_000;
const LOCK_POLL_MS = 5_000;

/** What apt-get says when another process holds one of its locks. */
const LOCK_HELD =
  /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (the administration )?directory|is held by process/i;

/** The modules /usr/bin/python3 can't import (all of them when there is no such interpreter). */
export function missingModules({ python = PYTHON, modules = MODULES } = {}) {
  if (!existsSync(python)) return [...modules];
  const probe = spawnSync(
    python,
    [
      "-c",
      `import importlib.util as u; print(" ".join(m for m in ${JSON.stringify(modules)} if u.find_spec(m) is None))`,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (probe.status !== 0) return [...modules];
  return probe.stdout.trim().split(/\s+/).filter(Boolean);
}

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name, env = process.env) {
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

/** The groups of packages, each with how to tell what is missing. */
function groups({ python, modules, env, bwrapPath }) {
  return {
    sandbox: {
      what: "bubblewrap (the OS sandbox around the commands tools run)",
      packages: SANDBOX_PACKAGES,
      missing: () => ((bwrapPath ? existsSync(bwrapPath) : findOnPath("bwrap", env)) ? [] : ["bwrap"]),
      without: "Pincer asks before every command the tools run, and a run with nobody to ask refuses them",
    },
    python: {
      what: `Debian's Python stack for the ML intern's local training (${python} with ${modules.join(", ")})`,
      packages: DEBIAN_PACKAGES,
      missing: () => missingModules({ python, modules }),
      without: "the ML intern cannot train on this machine, and the tests that train fail naming the module",
    },
  };
}

/**
 * How this process may run apt-get: `[]` as root, `["sudo", "-n"]` with passwordless sudo, or
 * undefined with the reason it can't.
 */
export function aptRunner(env = process.env) {
  if (process.platform !== "linux") return { reason: `this is ${process.platform}, not Debian or Ubuntu` };
  if (!findOnPath("apt-get", env)) return { reason: "there is no apt-get here (not Debian or Ubuntu)" };
  if (process.getuid?.() === 0) return { prefix: [] };
  const sudo = spawnSync("sudo", ["-n", "true"], { stdio: "ignore", env });
  return sudo.status === 0 ? { prefix: ["sudo", "-n"] } : { reason: "this is not root and sudo asks for a password" };
}

function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) => resolve({ status: 127, stderr: error.message }));
    child.on("close", (status) => resolve({ status: status ?? 1, stderr }));
  });
}

/**
 * One apt-get command, waiting while another process holds the dpkg/apt lock: retried every
 * `pollMs` until `lockWaitMs` have passed, reported every `reportMs`.
 */
export async function aptGet(
  args,
  {
    prefix = [],
    aptGetPath = "apt-get",
    env = process.env,
    log,
    lockWaitMs = LOCK_WAIT_MS,
    pollMs = LOCK_POLL_MS,
    reportMs = LOCK_REPORT_MS,
  },
) {
  const [command, ...rest] = [...prefix, "env", "DEBIAN_FRONTEND=noninteractive", aptGetPath, ...args];
  const started = Date.now();
  let reported = 0;
  for (;;) {
    const result = await run(command, rest, env);
    if (result.status === 0 || !LOCK_HELD.test(result.stderr)) return result;
    const waited = Date.now() - started;
    if (waited >= lockWaitMs) {
      return { ...result, lockTimedOut: true, stderr: `${result.stderr.trim()}\n(waited ${seconds(waited)})` };
    }
    if (reported === 0 || waited - reported >= reportMs) {
      const holder = /held by process (\d+)(?: \(([^)]+)\))?/.exec(result.stderr);
      const who = holder ? `process ${holder[1]}${holder[2] ? ` (${holder[2]})` : ""}` : "another process";
      log(
        `Waiting for ${who} to release the package manager's lock (waited ${seconds(waited)} of at most ${seconds(lockWaitMs)})…`,
      );
      reported = Math.max(waited, 1);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function seconds(ms) {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Makes sure the groups asked for are installed, installing what is missing when it can.
 * Returns `{ ready: { [group]: boolean }, failures: string[] }`; every failure is also logged,
 * with what it means and the command that would fix it.
 */
export async function ensureSystemDeps({
  only = ["sandbox", "python"],
  log = (line) => process.stderr.write(`${line}\n`),
  env = process.env,
  python = PYTHON,
  modules = MODULES,
  /** Where bwrap must be (default: anywhere on PATH). */
  bwrapPath,
  runner = env.PINCER_NO_SYSTEM_INSTALL ? { reason: "PINCER_NO_SYSTEM_INSTALL is set" } : aptRunner(env),
  aptGetPath = "apt-get",
  lockWaitMs = LOCK_WAIT_MS,
  pollMs = LOCK_POLL_MS,
  reportMs = LOCK_REPORT_MS,
} = {}) {
  const all = groups({ python, modules, env, bwrapPath });
  const wanted = only.map((name) => [name, all[name]]);
  const missing = wanted.filter(([, group]) => group.missing().length > 0);
  const ready = Object.fromEntries(wanted.map(([name]) => [name, true]));
  const failures = [];
  if (missing.length === 0) return { ready, failures };
  const packages = missing.flatMap(([, group]) => group.packages);
  const advice = `sudo apt-get install -y ${packages.join(" ")}`;
  const fail = (why) => {
    for (const [name, group] of missing) {
      if (group.missing().length === 0) continue;
      ready[name] = false;
      failures.push(name);
      log(`✗ Could not install ${group.what}: ${why}. Without it ${group.without}.`);
    }
    if (failures.length) log(`  Install it yourself with: ${advice}`);
  };
  if (!runner.prefix) {
    fail(runner.reason);
    return { ready, failures };
  }
  const started = Date.now();
  log(
    `Installing ${missing.map(([, group]) => group.what).join(" and ")} with apt-get: one time, up to a few minutes…`,
  );
  const options = { prefix: runner.prefix, aptGetPath, env, log, lockWaitMs, pollMs, reportMs };
  const update = await aptGet(["update", "-qq"], options);
  const install = update.status === 0 ? await aptGet(["install", "-y", "-qq", ...packages], options) : update;
  if (install.status !== 0) {
    const said = (install.stderr ?? "").trim().split("\n").slice(-3).join("\n  ");
    const step = install === update ? "apt-get update" : "apt-get install";
    fail(
      install.lockTimedOut
        ? `another process kept the package manager locked (${step}): ${said}`
        : `${step} failed${said ? `:\n  ${said}\n ` : ""}`,
    );
    return { ready, failures };
  }
  fail("apt-get finished, but it is still missing");
  if (failures.length === 0) log(`Installed ${packages.join(", ")} in ${seconds(Date.now() - started)}.`);
  return { ready, failures };
}

/** The Python stack alone: true when it is there (already, or now). */
export async function ensurePythonStack(options = {}) {
  return (await ensureSystemDeps({ ...options, only: ["python"] })).ready.python;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? [args[onlyAt + 1]] : ["sandbox", "python"];
  if (!only.every((name) => name === "sandbox" || name === "python")) {
    process.stderr.write("usage: node scripts/system-deps.mjs [--only python|sandbox] [--advise]\n");
    process.exit(2);
  }
  const { failures } = await ensureSystemDeps({ only });
  process.exit(failures.length === 0 || args.includes("--advise") ? 0 : 3);
}
