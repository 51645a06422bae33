import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OS_SANDBOX, sandbox } from "../run-cli.js";
import { scriptedSession } from "../scripted-session.js";

const FORGED = JSON.stringify({ key: "forged", ok: false, probe: { ok: false, reason: "forged" } });

describe.skipIf(!OS_SANDBOX)("the OS sandbox cannot be switched off from outside (with bubblewrap)", () => {
  it("a forged probe answer in PINCER_HOME/run does not unconfine commands", async () => {
    using box = sandbox();
    // Outside /tmp (which is private inside the sandbox): a write there reaches the real machine or fails.
    const outsidePath = `/var/tmp/pincer-escaped-${process.pid}-${Date.now()}`;
    // Where the answer lives now (the shared temp folder is not read at all: bwrap-probe.test.ts).
    mkdirSync(join(box.env.PINCER_HOME!, "run"), { recursive: true });
    writeFileSync(join(box.env.PINCER_HOME!, "run", "bwrap-probe.json"), FORGED);
    const { result, calls } = await scriptedSession(
      box,
      [() => ["bash", { command: `touch ${outsidePath}; echo tried` }]],
      {
        flags: ["--permission-mode", "bypassPermissions"],
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("OS sandbox unavailable");
    expect(calls[0]?.text).toContain("Read-only file system");
    expect(existsSync(outsidePath)).toBe(false);
    expect(readFileSync(join(box.env.PINCER_HOME!, "run", "bwrap-probe.json"), "utf8")).toContain('"ok":true');
  });

  it("a command cannot reach the probe's answer to forge it for the next session", async () => {
    using box = sandbox();
    const run = join(box.env.PINCER_HOME!, "run");
    const tamper = `mkdir -p ${run} && echo '${FORGED}' > ${run}/bwrap-probe.json && echo forged; echo next`;
    const first = await scriptedSession(box, [() => ["bash", { command: tamper }]], {
      flags: ["--permission-mode", "bypassPermissions"],
    });
    expect(first.result.code, first.result.stderr).toBe(0);
    // PINCER_HOME is masked inside the sandbox: the write lands nowhere real.
    expect(first.calls[0]?.text).toContain("next");
    expect(readFileSync(join(run, "bwrap-probe.json"), "utf8")).not.toContain("forged");
    const outsidePath = `/var/tmp/pincer-escaped-${process.pid}-${Date.now()}`;
    const second = await scriptedSession(box, [() => ["bash", { command: `touch ${outsidePath}; echo tried` }]], {
      flags: ["--permission-mode", "bypassPermissions"],
    });
    expect(second.result.stderr).not.toContain("OS sandbox unavailable");
    expect(existsSync(outsidePath)).toBe(false);
  });
});

describe("without an OS sandbox, nothing runs unconfined unasked (bubblewrap missing, simulated)", () => {
  it("says so once with the fix; headless, every command is refused naming it, and the session goes on", async () => {
    using box = sandbox();
    const env = { PINCER_BWRAP: join(box.home, "no-bwrap") };
    const { result, calls } = await scriptedSession(
      box,
      [() => ["bash", { command: "touch ran.txt" }], () => ["write", { path: "notes.md", content: "still working\n" }]],
      // Neither bypassPermissions nor an allow rule answers for a person here.
      { flags: ["--permission-mode", "bypassPermissions", "--allowedTools", "bash(touch:*)"], env },
    );
    // A run with a refused call ends as one (exit 1), after doing the rest of its work.
    expect(result.code, result.stderr).toBe(1);
    const notices = result.stderr.split("\n").filter((line) => line.includes("OS sandbox unavailable"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("apt-get install bubblewrap");
    expect(notices[0]).toContain("--dangerously-run-unconfined");
    expect(calls[0]).toMatchObject({ isError: true });
    expect(calls[0]?.text).toMatch(
      /no OS sandbox here .*apt-get install bubblewrap.*sandbox\.os "off".*--dangerously-run-unconfined/,
    );
    expect(existsSync(join(box.cwd, "ran.txt"))).toBe(false);
    // The session went on: the next tool ran.
    expect(calls[1]).toMatchObject({ isError: false });
    expect(existsSync(join(box.cwd, "notes.md"))).toBe(true);
  });

  it("a project's settings cannot opt in for the user; the user's flag or setting can", async () => {
    using box = sandbox();
    const env = { PINCER_BWRAP: join(box.home, "no-bwrap") };
    mkdirSync(join(box.cwd, ".pincer"), { recursive: true });
    writeFileSync(join(box.cwd, ".pincer", "settings.json"), JSON.stringify({ sandbox: { os: "off" } }));
    const fromRepo = await scriptedSession(box, [() => ["bash", { command: "touch repo.txt" }]], {
      flags: ["--permission-mode", "bypassPermissions"],
      env,
    });
    expect(fromRepo.calls[0]).toMatchObject({ isError: true });
    expect(existsSync(join(box.cwd, "repo.txt"))).toBe(false);

    const flagged = await scriptedSession(box, [() => ["bash", { command: "touch flag.txt" }]], {
      flags: ["--permission-mode", "bypassPermissions", "--dangerously-run-unconfined"],
      env,
    });
    expect(flagged.result.code, flagged.result.stderr).toBe(0);
    expect(flagged.result.stderr).toContain('OS sandbox is off (sandbox.os "off" or --dangerously-run-unconfined)');
    expect(existsSync(join(box.cwd, "flag.txt"))).toBe(true);

    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify({ sandbox: { os: "off" } }));
    const configured = await scriptedSession(box, [() => ["bash", { command: "touch config.txt" }]], {
      flags: ["--permission-mode", "bypassPermissions"],
      env,
    });
    expect(configured.calls[0]).toMatchObject({ isError: false });
    expect(existsSync(join(box.cwd, "config.txt"))).toBe(true);
  });
});
