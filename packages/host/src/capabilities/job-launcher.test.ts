import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createJobLauncher } from "./job-launcher.js";
import { probeBwrap } from "./os-sandbox.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(prefix = "pincer-job-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  dirs.push(dir);
  return dir;
}

const USER_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, HF_TOKEN: "hf_secretvalue0123456789abcdefgh" };

/** Runs one job through the launcher; its exit, decoded, and what it printed. */
async function runJob(
  launcher: ReturnType<typeof createJobLauncher>,
  script: string,
  job: { jobDir: string; cwd: string; env?: Record<string, string> },
) {
  const launched = launcher.launch("/bin/sh", ["-c", script], { ...job, env: job.env ?? {} });
  if ("refused" in launched) return { refused: launched.refused };
  const child = launched as ChildProcess;
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (c, s) => resolve([c, s])),
  );
  return { ...launcher.decodeExit(code, signal), output };
}

describe("local jobs without a working bubblewrap", () => {
  it("are refused (nobody to ask in a server), naming the fix; sandbox.os off runs them", async () => {
    const jobDir = temp();
    const missing = { bwrapPath: join(jobDir, "no-bwrap") };
    const refused = await runJob(createJobLauncher({ sandbox: missing, env: USER_ENV }), "touch ran", {
      jobDir,
      cwd: jobDir,
    });
    expect(refused).toEqual({
      refused: expect.stringMatching(/jobs run only inside the OS sandbox.*apt-get install bubblewrap/),
    });
    expect(existsSync(join(jobDir, "ran"))).toBe(false);

    const off = createJobLauncher({ sandbox: { ...missing, os: "off" }, env: USER_ENV });
    expect(off.confinement).toBe("unconfined");
    const ran = await runJob(off, 'touch ran; printenv HF_TOKEN || echo "no token"', { jobDir, cwd: jobDir });
    expect(ran).toMatchObject({ code: 0, output: "no token\n" });
    expect(existsSync(join(jobDir, "ran"))).toBe(true);
  });
});

const probe = probeBwrap();
describe.skipIf(!probe.ok)("local jobs in bubblewrap", () => {
  let hub: Server;
  let other: Server;
  let hubPort: number;
  let otherPort: number;
  beforeAll(async () => {
    hub = createServer((_req, res) => res.end("the hub"));
    other = createServer((_req, res) => res.end("another local service"));
    await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    hubPort = (hub.address() as AddressInfo).port;
    otherPort = (other.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => hub.close(resolve));
    await new Promise((resolve) => other.close(resolve));
  });
  const launcher = () =>
    createJobLauncher({ sandbox: {}, env: USER_ENV, loopback: () => ({ host: "127.0.0.1", port: hubPort }) });

  it("writes in its folder and working directory, nowhere else", async () => {
    const jobDir = temp();
    const cwd = temp();
    const outside = temp();
    const name = `pincer-job-escape-${process.pid}`;
    const script = [
      "echo in > $PINCER_OK/in.txt",
      "echo cwd > cwd.txt",
      `for target in ${outside}/${name} ${homedir()}/${name} /etc/${name} /usr/${name}; do touch "$target" 2>/dev/null && echo "ESCAPED $target"; done`,
      "echo done",
    ].join("\n");
    const result = await runJob(launcher(), script, { jobDir, cwd, env: { PINCER_OK: jobDir } });
    expect(result).toMatchObject({ code: 0 });
    expect((result as { output: string }).output).not.toContain("ESCAPED");
    expect(readFileSync(join(jobDir, "in.txt"), "utf8")).toBe("in\n");
    expect(readFileSync(join(cwd, "cwd.txt"), "utf8")).toBe("cwd\n");
    for (const target of [join(outside, name), join(homedir(), name), `/etc/${name}`])
      expect(existsSync(target)).toBe(false);
  });

  it("reads the files handed to it in inputs/ but cannot change them, even as root", async () => {
    const jobDir = temp();
    mkdirSync(join(jobDir, "inputs", "data"), { recursive: true });
    writeFileSync(join(jobDir, "inputs", "data", "train.csv"), "a,b\n1,2\n", { mode: 0o444 });
    const script = [
      "cat inputs/data/train.csv",
      "(echo tampered > inputs/data/train.csv) 2>/dev/null && echo WROTE",
      "rm -f inputs/data/train.csv 2>/dev/null; test -e inputs/data/train.csv || echo REMOVED",
      "touch inputs/new 2>/dev/null && echo ADDED",
      "echo out > result.txt && echo wrote-own-folder",
    ].join("\n");
    const result = await runJob(launcher(), script, { jobDir, cwd: jobDir });
    expect(result).toMatchObject({ code: 0, output: "a,b\n1,2\nwrote-own-folder\n" });
    expect(readFileSync(join(jobDir, "inputs", "data", "train.csv"), "utf8")).toBe("a,b\n1,2\n");
  });

  it("reaches the Hub's loopback address and nothing else; no secrets in its environment", async () => {
    const jobDir = temp();
    mkdirSync(join(jobDir, "x"));
    const get = (port: number) =>
      `python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:${port}/', timeout=5).read().decode())" 2>&1 | tail -1`;
    const script = `${get(hubPort)}; ${get(otherPort)}; printenv HF_TOKEN || echo "no token"`;
    const result = (await runJob(launcher(), script, { jobDir, cwd: jobDir })) as { code: number; output: string };
    const lines = result.output.trim().split("\n");
    expect(lines[0]).toBe("the hub");
    expect(lines[1]).not.toContain("another local service");
    expect(lines[2]).toBe("no token");
  });

  it("reports a job killed by a signal as that signal (what tells an OOM kill apart)", async () => {
    const jobDir = temp();
    const result = await runJob(launcher(), "kill -9 $$", { jobDir, cwd: jobDir });
    expect(result).toMatchObject({ code: null, signal: "SIGKILL" });
  });
});
