import { existsSync } from "node:fs";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { describe, expect, it } from "vitest";
import { bash } from "./bash.js";
import { bashOutput, killShell } from "./bash-background.js";
import { text, workspace } from "./context.fixture.js";

describe("background bash commands", () => {
  it("bash run_in_background returns an id at once; bash_output reads new output, then the exit code", async () => {
    using ws = workspace();
    const started = await bash.execute(
      {
        command: "echo ready; while [ ! -e go ]; do sleep 0.05; done; echo build ok; echo warning: slow; exit 2",
        run_in_background: true,
      },
      ws.ctx,
    );
    expect(text(started)).toBe(
      "Started in the background as shell_1. Read its output with bash_output, stop it with kill_shell.",
    );
    expect(started.details).toEqual({ backgroundId: "shell_1" });
    await until(
      async () => text(await bashOutput.execute({ bash_id: "shell_1" }, ws.ctx)).startsWith("ready\n"),
      "ready",
    );
    expect(text(await bashOutput.execute({ bash_id: "shell_1" }, ws.ctx))).toBe(
      "(no new output)\nshell_1: still running",
    );
    await bash.execute({ command: "touch go" }, ws.ctx);
    await until(() => existsSync(join(ws.dir, "go")), "go");
    let seen = "";
    await until(async () => {
      const read = text(await bashOutput.execute({ bash_id: "shell_1", filter: "^warn" }, ws.ctx));
      seen += `${read}\n`;
      return read.endsWith("exit code 2");
    }, "the command to end");
    expect(seen).toContain("warning: slow");
    expect(seen).not.toContain("build ok");
  });

  it("kill_shell stops it; a bad filter or an unknown id is an error the model can act on", async () => {
    using ws = workspace();
    await bash.execute({ command: "echo serving; sleep 300", run_in_background: true }, ws.ctx);
    const bad = await bashOutput.execute({ bash_id: "shell_1", filter: "(" }, ws.ctx);
    expect(bad).toMatchObject({
      isError: true,
      content: expect.stringContaining("filter is not a valid regular expression"),
    });
    await until(
      async () => text(await bashOutput.execute({ bash_id: "shell_1" }, ws.ctx)).includes("serving"),
      "serving",
    );
    const killed = await killShell.execute({ shell_id: "shell_1" }, ws.ctx);
    expect(text(killed)).toMatch(/^\(no new output\)\nshell_1: stopped \(SIG(TERM|KILL)\)$/);
    await expect(bashOutput.execute({ bash_id: "shell_1" }, ws.ctx)).rejects.toThrow(/no background command "shell_1"/);
  });
});
