import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, run by `pnpm demo` and `pnpm test` before anything is built
import { DEBIAN_PACKAGES, ensurePythonStack, ensureSystemDeps, missingModules, PYTHON } from "./system-deps.mjs";

/**
 * A fake Debian in a temp folder: an apt-get that records its calls, refuses while a lock file
 * exists (as when unattended-upgrades holds dpkg's lock) and "installs" by creating bwrap and
 * marking the Python stack present; a python3 that reports the stack missing until then.
 */
let dir: string;
let bin: string;
let calls: string;
let lock: string;
const env = () => ({ PATH: `${bin}:/usr/bin:/bin` });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-system-deps-"));
  bin = join(dir, "bin");
  mkdirSync(bin);
  calls = join(dir, "calls");
  lock = join(dir, "lock");
  script(
    "apt-get",
    `echo "$*" >> ${calls}
if [ -f ${lock} ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2
  exit 100
fi
if [ "$1" = install ] && [ -f ${dir}/broken ]; then echo "E: Unable to locate package python3-torch" >&2; exit 100; fi
if [ "$1" = install ]; then
  case " $* " in *" bubblewrap "*) printf '#!/bin/sh\\n' > ${bin}/bwrap; chmod +x ${bin}/bwrap;; esac
  case " $* " in *" python3-torch "*) touch ${dir}/python-installed;; esac
fi`,
  );
  script("python3", `if [ -f ${dir}/python-installed ]; then echo; else echo "torch sklearn pandas numpy"; fi`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

function deps(overrides: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const done = ensureSystemDeps({
    env: env(),
    python: join(bin, "python3"),
    bwrapPath: join(bin, "bwrap"),
    runner: { prefix: [] },
    aptGetPath: join(bin, "apt-get"),
    log: (line: string) => lines.push(line),
    pollMs: 10,
    reportMs: 60_000,
    ...overrides,
  });
  return { lines, done };
}

const aptCalls = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);

describe("the quick start's system packages", () => {
  it("names exactly the modules /usr/bin/python3 cannot import", () => {
    expect(missingModules({ modules: ["json", "pincer_no_such_module"] })).toEqual(["pincer_no_such_module"]);
    expect(missingModules({ python: "/nonexistent/python3", modules: ["json", "os"] })).toEqual(["json", "os"]);
  });

  it("installs bubblewrap and the Python stack in one apt-get run, saying so", async () => {
    const { lines, done } = deps();
    expect(await done).toEqual({ ready: { sandbox: true, python: true }, failures: [] });
    expect(aptCalls()).toEqual(["update -qq", `install -y -qq bubblewrap ${DEBIAN_PACKAGES.join(" ")}`]);
    expect(lines[0]).toMatch(/^Installing bubblewrap .* and Debian's Python stack .* with apt-get/);
    expect(lines.at(-1)).toMatch(/^Installed bubblewrap, python3-torch, .* in \d+ s\.$/);
  });

  it("is silent, and runs no apt-get, when everything is there", async () => {
    writeFileSync(join(dir, "python-installed"), "");
    script("bwrap", "true");
    const { lines, done } = deps();
    expect(await done).toEqual({ ready: { sandbox: true, python: true }, failures: [] });
    expect(lines).toEqual([]);
    expect(aptCalls()).toEqual([]);
  });

  it("waits for a held dpkg lock, saying who holds it, and installs once it is released", async () => {
    writeFileSync(lock, "");
    const { lines, done } = deps();
    await until(() => lines.some((line) => line.includes("Waiting for process 4242 (unattended-upgr)")), {
      message: () => `the wait to be reported; said so far: ${lines.join(" | ")}`,
    });
    expect(lines.find((line) => line.startsWith("Waiting"))).toMatch(/waited \d+ s of at most 4 min/);
    rmSync(lock);
    expect(await done).toEqual({ ready: { sandbox: true, python: true }, failures: [] });
    expect(aptCalls().filter((call) => call === "update -qq").length).toBeGreaterThan(1);
    expect(aptCalls().at(-1)).toMatch(/^install /);
  });

  it("gives up on a lock held too long, and says plainly what it could not install and how to", async () => {
    writeFileSync(lock, "");
    const { lines, done } = deps({ lockWaitMs: 100 });
    expect(await done).toEqual({ ready: { sandbox: false, python: false }, failures: ["sandbox", "python"] });
    const said = lines.join("\n");
    expect(said).toContain("✗ Could not install bubblewrap");
    expect(said).toContain("another process kept the package manager locked (apt-get update)");
    expect(said).toContain("held by process 4242");
    expect(said).toContain("Without it Pincer asks before every command the tools run");
    expect(said).toContain("✗ Could not install Debian's Python stack");
    expect(said).toContain(`Install it yourself with: sudo apt-get install -y bubblewrap ${DEBIAN_PACKAGES.join(" ")}`);
  });

  it("names apt-get's own error when the install fails", async () => {
    writeFileSync(join(dir, "broken"), "");
    const { lines, done } = deps({ only: ["python"] });
    expect((await done).ready).toEqual({ python: false });
    expect(lines.join("\n")).toContain("apt-get install failed:\n  E: Unable to locate package python3-torch");
  });

  it("installs nothing without root or passwordless sudo, and says why and what to run", async () => {
    const { lines, done } = deps({ runner: { reason: "this is not root and sudo asks for a password" } });
    expect((await done).failures).toEqual(["sandbox", "python"]);
    expect(aptCalls()).toEqual([]);
    expect(lines[0]).toBe(
      "✗ Could not install bubblewrap (the OS sandbox around the commands tools run): this is not root and sudo asks for a password. Without it Pincer asks before every command the tools run, and a run with nobody to ask refuses them.",
    );
    expect(lines.at(-1)).toBe(
      `  Install it yourself with: sudo apt-get install -y bubblewrap ${DEBIAN_PACKAGES.join(" ")}`,
    );
  });

  it("installs nothing when PINCER_NO_SYSTEM_INSTALL is set", async () => {
    const lines: string[] = [];
    const ready = await ensurePythonStack({
      python: join(bin, "python3"),
      env: { ...env(), PINCER_NO_SYSTEM_INSTALL: "1" },
      aptGetPath: join(bin, "apt-get"),
      log: (line: string) => lines.push(line),
    });
    expect(ready).toBe(false);
    expect(aptCalls()).toEqual([]);
    expect(lines[0]).toContain(`${PYTHON.replace("/usr/bin/python3", join(bin, "python3"))} with torch`);
    expect(lines[0]).toContain("PINCER_NO_SYSTEM_INSTALL is set");
  });

  it("refuses an unknown group on the command line", () => {
    const run = spawnSync(process.execPath, [join(import.meta.dirname, "system-deps.mjs"), "--only", "java"], {
      encoding: "utf8",
      env: { ...process.env, PINCER_NO_SYSTEM_INSTALL: "1" },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage: node scripts/system-deps.mjs [--only python|sandbox] [--advise]");
  });
});
