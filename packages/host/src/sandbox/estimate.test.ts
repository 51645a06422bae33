import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** One tool whose `estimateCost` body is given, and whose execute answers "ran". */
function sandboxWithEstimate(estimateBody: string) {
  const code = `globalThis.__pincerPlugin = { default: { tools: [{
    name: "job", description: "t", kind: "execute", parameters: { type: "object" },
    estimateCost(args, ctx) { ${estimateBody} },
    async execute() { return { content: "ran" }; },
  }] } };`;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-estimate-")));
  const logs: string[] = [];
  const box = new PluginSandbox({
    pluginName: "cost-plugin",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: ["GRANTED_VAR"], env: { GRANTED_VAR: "local", SECRET_TOKEN: "hunter2" } }),
    request: createNetRequest([]),
    log: (line) => logs.push(line),
  });
  cleanups.push(() => {
    box.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const stillRuns = async () =>
    (await box.run("job", {}, { toolCallId: "c", cwd: dir, signal: new AbortController().signal, onUpdate: () => {} }))
      .content;
  return { box, dir, logs, stillRuns };
}

describe("a plugin's cost estimate, computed in its isolate", () => {
  it("runs with the arguments, the cwd and the granted env only", async () => {
    const { box, dir } = sandboxWithEstimate(
      `return { usd: args.hours * 1.5, summary: ctx.env.get("GRANTED_VAR") + " " + String(ctx.env.get("SECRET_TOKEN")) + " in " + ctx.cwd, recurring: !!args.cron };`,
    );
    expect((await box.tools())[0]?.hasEstimate).toBe(true);
    expect(await box.estimate("job", { hours: 2 }, dir)).toEqual({ usd: 3, summary: `local undefined in ${dir}` });
    expect(await box.estimate("job", { hours: 1, cron: true }, dir)).toEqual({
      usd: 1.5,
      summary: `local undefined in ${dir}`,
      recurring: true,
    });
  });

  it("one that throws yields no estimate, and the plugin keeps working", async () => {
    const { box, dir, logs, stillRuns } = sandboxWithEstimate(`throw new Error("no price list");`);
    expect(await box.estimate("job", {}, dir)).toBeUndefined();
    expect(logs.join("\n")).toContain("no price list");
    expect(await stillRuns()).toBe("ran");
  });

  it("one that hangs is stopped after a second and yields no estimate", async () => {
    const { box, dir, stillRuns } = sandboxWithEstimate(`for (;;) {}`);
    const started = Date.now();
    expect(await box.estimate("job", {}, dir)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await stillRuns()).toBe("ran");
  });

  it("a promise or a malformed answer is no estimate", async () => {
    for (const body of [
      `return Promise.resolve({ usd: 1, summary: "later" });`,
      `return { usd: "1", summary: "text" };`,
      `return { usd: 1 };`,
      `return 3;`,
      `return undefined;`,
    ]) {
      const { box, dir } = sandboxWithEstimate(body);
      expect(await box.estimate("job", {}, dir), body).toBeUndefined();
    }
  });

  it("a tool without estimateCost says so", async () => {
    const code = `globalThis.__pincerPlugin = { default: { tools: [{ name: "free", description: "t", kind: "read", parameters: { type: "object" }, async execute() { return { content: "" }; } }] } };`;
    const box = new PluginSandbox({
      pluginName: "free-plugin",
      code,
      fs: createFsCapability({ cwd: tmpdir(), readRoots: [], writeRoots: [] }),
      exec: createExecCapability({ cwd: tmpdir(), allowedCommands: [] }),
      env: createEnvCapability({ allowed: [], env: {} }),
      request: createNetRequest([]),
    });
    cleanups.push(() => box.dispose());
    expect((await box.tools())[0]?.hasEstimate).toBe(false);
    expect(await box.estimate("free", {}, tmpdir())).toBeUndefined();
  });
});
