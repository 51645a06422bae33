// The one system dependency Pincer's quick start needs beyond Node: Debian's Python stack, which
// the ML intern's local job runner trains with (/usr/bin/python3 with torch, sklearn, pandas,
// numpy). npm can't provide it, so `pnpm demo` and `pnpm test` call this first: when the
// packages are missing and this is Debian/Ubuntu with root (or passwordless sudo), it installs
// them with apt-get, saying so; anywhere else it says what to install and lets the caller go on.
//
// `PINCER_NO_SYSTEM_INSTALL=1` turns the install off (only the check and the advice remain).
// Exit code: 0 when the stack is there (already, or now), 3 when it is not; with `--advise`
// always 0 (the tests go on and the ones that train fail naming the missing package).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";
export const MODULES = ["torch", "sklearn", "pandas", "numpy"];
export const DEBIAN_PACKAGES = ["python3-torch", "python3-sklearn", "python3-pandas", "python3-numpy"];

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

/** How this process may run apt-get: directly as root, through `sudo -n`, or not at all. */
function aptRunner() {
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) return undefined;
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync("sudo", ["-n", "true"], { stdio: "ignore" });
  return sudo.status === 0 ? ["sudo", "-n"] : undefined;
}

function apt(prefix, args) {
  const [command, ...rest] = [...prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args];
  return spawnSync(command, rest, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
}

export function ensurePythonStack({
  log = (line) => process.stderr.write(`${line}\n`),
  env = process.env,
  python = PYTHON,
  modules = MODULES,
} = {}) {
  const missing = missingModules({ python, modules });
  if (missing.length === 0) return true;
  const advice = `sudo apt-get install -y ${DEBIAN_PACKAGES.join(" ")}`;
  const runner = env.PINCER_NO_SYSTEM_INSTALL ? undefined : aptRunner();
  if (!runner) {
    log(
      `note: ${python} lacks ${missing.join(", ")}, which the ML intern's local training uses. ` +
        `On Debian or Ubuntu: ${advice}`,
    );
    return false;
  }
  const started = Date.now();
  log(`Installing Debian's Python stack for local training (${DEBIAN_PACKAGES.join(", ")}): one time, about 90 s…`);
  const update = apt(runner, ["update", "-qq"]);
  const install = update.status === 0 ? apt(runner, ["install", "-y", "-qq", ...DEBIAN_PACKAGES]) : update;
  if (install.status !== 0 || missingModules({ python, modules }).length > 0) {
    const said = (install.stderr ?? "").trim().split("\n").slice(-3).join("\n");
    log(`note: apt-get could not install them${said ? `:\n${said}` : ""}\nInstall them yourself with: ${advice}`);
    return false;
  }
  log(`Installed in ${Math.round((Date.now() - started) / 1000)} s.`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ready = ensurePythonStack();
  process.exit(ready || process.argv.includes("--advise") ? 0 : 3);
}
