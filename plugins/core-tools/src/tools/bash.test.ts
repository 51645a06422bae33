import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { describe, expect, it } from "vitest";
import { bash } from "./bash.js";
import { text, workspace } from "./context.fixture.js";

describe("bash", () => {
  it("runs in the workspace, streams output and returns the exit code", async () => {
    using ws = workspace();
    const result = await bash.execute({ command: "pwd; echo out; echo err >&2; exit 3" }, ws.ctx);
    expect(text(result)).toBe(`${ws.dir}\nout\nerr\nexit code 3`);
    expect(result.isError).toBe(false);
    expect(result.details).toMatchObject({ exitCode: 3 });
    expect(ws.updates.join("")).toContain("out");
  });

  it("keeps the tail of long output", async () => {
    using ws = workspace();
    const result = await bash.execute({ command: "seq 1 20000" }, ws.ctx);
    expect(text(result)).toMatch(/^\[output truncated: first \d+ bytes dropped\]/);
    expect(text(result)).toContain("20000\nexit code 0");
  });

  it("kills the command and its children at the timeout", async () => {
    using ws = workspace();
    const started = Date.now();
    const result = await bash.execute({ command: "(sleep 30; touch late.txt) & sleep 30", timeout_ms: 300 }, ws.ctx);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("timed out after 300 ms");
    expect(existsSync(join(ws.dir, "late.txt"))).toBe(false);
  });

  it("kills the whole process group on abort", async () => {
    using ws = workspace();
    const running = bash.execute({ command: "sleep 30 & echo $! > child.pid; wait" }, ws.ctx);
    const pidFile = join(ws.dir, "child.pid");
    // The shell creates the file before it writes the pid into it: wait for the pid itself (an
    // empty read would be pid 0, which is our own process group and always "alive").
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim(), "the child's pid");
    ws.controller.abort();
    const result = await running;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("interrupted");
    const pid = Number((await ws.ctx.fs.readText(pidFile)).trim());
    // The child dies with its process group (kill(pid, 0) throws once it is gone).
    await until(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, `the child ${pid} to die`);
  });

  it("never waits on stdin", async () => {
    using ws = workspace();
    const result = await bash.execute({ command: "cat; echo done", timeout_ms: 5000 }, ws.ctx);
    expect(text(result)).toBe("done\nexit code 0");
  });
});
