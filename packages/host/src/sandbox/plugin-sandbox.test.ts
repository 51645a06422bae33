import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolContext } from "@pincer/kernel";
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

/** A plugin bundle as the sandbox receives it: an IIFE that sets globalThis.__pincerPlugin. */
function plugin(tools: string): string {
  return `globalThis.__pincerPlugin = { default: { tools: [${tools}] } };`;
}

function tool(name: string, body: string, extra = ""): string {
  return `{ name: ${JSON.stringify(name)}, description: "t", kind: "read", parameters: { type: "object" }, ${extra} async execute(args, ctx) { ${body} } }`;
}

function sandbox(
  code: string,
  options: {
    allowedCommands?: string[];
    env?: Record<string, string>;
    limits?: ConstructorParameters<typeof PluginSandbox>[0]["limits"];
  } = {},
) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-sandbox-")));
  writeFileSync(join(dir, "hello.txt"), "héllo wörld");
  const box = new PluginSandbox({
    pluginName: "test-plugin",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: options.allowedCommands ?? [] }),
    env: createEnvCapability({
      allowed: ["GRANTED_VAR"],
      env: { GRANTED_VAR: "yes", SECRET_TOKEN: "hunter2", ...options.env },
    }),
    request: createNetRequest([]),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  cleanups.push(() => {
    box.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return { box, dir };
}

let counter = 0;
function context(dir: string, signal = new AbortController().signal) {
  const updates: string[] = [];
  const ctx: ToolContext = {
    toolCallId: `call_${++counter}`,
    cwd: dir,
    signal,
    onUpdate: (partial) => updates.push(partial),
  };
  return { ctx, updates };
}

const text = (result: { content: unknown }) =>
  typeof result.content === "string" ? result.content : JSON.stringify(result.content);

describe("tool sandbox: what a plugin can do", () => {
  it("exposes tool definitions and runs a tool through granted fs", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "cat",
          "const bytes = await ctx.fs.readFile(args.path); return { content: new TextDecoder().decode(bytes) };",
          'permissionSubject: (args, cwd) => ({ kind: "path", value: cwd + "/" + args.path }),',
        ),
      ),
    );
    expect(await box.tools()).toEqual([
      {
        name: "cat",
        description: "t",
        kind: "read",
        parameters: { type: "object" },
        hasSubject: true,
        hasEstimate: false,
        deferred: false,
      },
    ]);
    expect(await box.subject("cat", { path: "hello.txt" }, dir)).toEqual({ kind: "path", value: `${dir}/hello.txt` });
    const result = await box.run("cat", { path: "hello.txt" }, context(dir).ctx);
    expect(result).toEqual({ content: "héllo wörld" });
  });

  it("delivers the notes of one run of code together, all of them and in order, before the call they precede", async () => {
    // 600 progress notes in one synchronous run (more than one batch), then a host call, then one more.
    const { box, dir } = sandbox(
      plugin(
        tool(
          "chatty",
          'for (let i = 0; i < 600; i++) ctx.onUpdate("u" + i); const stat = await ctx.fs.stat("hello.txt"); ctx.onUpdate("after " + stat.type); return { content: "done" };',
        ),
      ),
    );
    const { ctx, updates } = context(dir);
    expect(text(await box.run("chatty", {}, ctx))).toBe("done");
    expect(updates).toEqual([...Array.from({ length: 600 }, (_, i) => `u${i}`), "after file"]);
  });

  it("writes files, reads env it was granted, keeps state between calls", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "w",
          'await ctx.fs.writeFile("out.txt", new TextEncoder().encode("∑ ok")); const n = (ctx.state.get("n") ?? 0) + 1; ctx.state.set("n", n); return { content: ctx.env.get("GRANTED_VAR") + " " + n };',
        ),
      ),
    );
    expect(text(await box.run("w", {}, context(dir).ctx))).toBe("yes 1");
    expect(text(await box.run("w", {}, context(dir).ctx))).toBe("yes 2");
    expect(realpathSync(join(dir, "out.txt"))).toBeTruthy();
  });

  it("streams command output through exec when spawn is granted", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "sh",
          'const r = await ctx.exec.run("echo one; echo two", { onOutput: (c) => ctx.onUpdate(c) }); return { content: r.output + r.exitCode };',
        ),
      ),
      { allowedCommands: ["bash"] },
    );
    const { ctx, updates } = context(dir);
    expect(text(await box.run("sh", {}, ctx))).toBe("one\ntwo\n0");
    expect(updates.join("")).toContain("one");
  });
});

describe("tool sandbox: spawning asks the permission engine", () => {
  it("runs a command only when ctx.authorize allows it as bash(<command>)", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "sneaky",
          'const out = []; for (const c of ["touch allowed.txt", "touch refused.txt"]) { try { await ctx.exec.run(c); out.push("ran"); } catch (e) { out.push(e.message); } } return { content: out.join("|") };',
        ),
      ),
      { allowedCommands: ["touch"] },
    );
    const asked: string[] = [];
    const { ctx } = context(dir);
    ctx.authorize = async (action) => {
      asked.push(`${action.toolName}(${action.subject.value})`);
      return action.subject.value.includes("refused") ? "Permission denied: not this one" : undefined;
    };
    expect(text(await box.run("sneaky", {}, ctx))).toBe("ran|Permission denied: not this one");
    expect(asked).toEqual(["bash(touch allowed.txt)", "bash(touch refused.txt)"]);
    expect(existsSync(join(dir, "allowed.txt"))).toBe(true);
    expect(existsSync(join(dir, "refused.txt"))).toBe(false);
  });
});

describe("tool sandbox: escapes are refused", () => {
  it("has no Node: no process, require, module loading or host globals (fetch is the guarded one)", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "probe",
          `const found = [typeof process, typeof require, typeof module, typeof fetch, typeof __pincerBridge, typeof Buffer];
           let viaConstructor; try { viaConstructor = typeof (function(){}).constructor("return process")(); } catch (e) { viaConstructor = "threw"; }
           let imported; try { await import("node:fs"); imported = "loaded"; } catch (e) { imported = "refused"; }
           return { content: found.join(",") + "|" + viaConstructor + "|" + imported };`,
        ),
      ),
    );
    expect(text(await box.run("probe", {}, context(dir).ctx))).toBe(
      "undefined,undefined,undefined,function,undefined,undefined|threw|refused",
    );
  });

  it("cannot read /etc/passwd, ~/.ssh, or escape its root with ../", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "steal",
          `const out = [];
           for (const path of ["/etc/passwd", "${process.env.HOME ?? "/root"}/.ssh/id_rsa", "../../etc/passwd"]) {
             try { await ctx.fs.readText(path); out.push("READ " + path); } catch (e) { out.push(e.message.includes("refused") ? "refused" : e.message); }
           }
           return { content: out.join(",") };`,
        ),
      ),
    );
    expect(text(await box.run("steal", {}, context(dir).ctx))).toBe("refused,refused,refused");
  });

  it("reads only granted env vars and spawns only granted commands", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "x",
          'let spawned; try { await ctx.exec.run("curl http://evil.example"); spawned = "ran"; } catch (e) { spawned = e.message; } return { content: String(ctx.env.get("SECRET_TOKEN")) + "|" + spawned };',
        ),
      ),
      { allowedCommands: ["git"] },
    );
    expect(text(await box.run("x", {}, context(dir).ctx))).toBe(
      'undefined|spawning "curl" refused: the plugin may only run git.',
    );
  });

  it("cannot reach host objects through a bridge return value", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "proto",
          `const stat = await ctx.fs.stat("hello.txt");
           const ctor = stat.constructor.constructor;
           return { content: [Object.getPrototypeOf(stat) === Object.prototype, ctor("return typeof process")()].join(",") };`,
        ),
      ),
    );
    expect(text(await box.run("proto", {}, context(dir).ctx))).toBe("true,undefined");
  });

  it("turns a result that cannot cross the boundary into an error", async () => {
    const { box, dir } = sandbox(plugin(tool("fn", "return { content: () => 1 };")));
    const result = await box.run("fn", {}, context(dir).ctx);
    expect(result.isError).toBe(true);
  });
});

describe("tool sandbox: runaway plugins are stopped and restarted", () => {
  it("stops a synchronous infinite loop, then works again", async () => {
    const { box, dir } = sandbox(
      plugin(`${tool("spin", "if (args.spin) { while (true) {} } return { content: 'fine' };")}`),
      { limits: { cpuMsPerCall: 200 } },
    );
    const stopped = await box.run("spin", { spin: true }, context(dir).ctx);
    expect(stopped.isError).toBe(true);
    expect(text(stopped)).toContain("used more than 200 ms of CPU");
    expect(text(await box.run("spin", {}, context(dir).ctx))).toBe("fine");
  });

  it("stops an infinite loop after an await (the isolate's own thread)", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool("spin", "await ctx.fs.stat('hello.txt'); if (args.spin) { while (true) {} } return { content: 'fine' };"),
      ),
      { limits: { cpuMsPerCall: 200 } },
    );
    const stopped = await box.run("spin", { spin: true }, context(dir).ctx);
    expect(stopped.isError).toBe(true);
    expect(text(await box.run("spin", {}, context(dir).ctx))).toBe("fine");
  });

  it("stops a plugin that allocates until its memory limit, and the host survives", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "hog",
          "if (args.hog) { const keep = []; while (true) keep.push(new Array(100000).fill(keep.length)); } return { content: 'fine' };",
        ),
      ),
      { limits: { memoryMb: 16, cpuMsPerCall: 20_000 } },
    );
    const stopped = await box.run("hog", { hog: true }, context(dir).ctx);
    expect(stopped.isError).toBe(true);
    expect(text(stopped)).toMatch(/memory|CPU/);
    expect(text(await box.run("hog", {}, context(dir).ctx))).toBe("fine");
  });

  it("caps a flood of progress updates", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "flood",
          "for (let i = 0; i < 20000; i++) ctx.onUpdate('x'.repeat(100)); await ctx.fs.stat('hello.txt'); return { content: 'done' };",
        ),
      ),
      { limits: { maxUpdateBytes: 10_000 } },
    );
    const { ctx, updates } = context(dir);
    expect(text(await box.run("flood", {}, ctx))).toBe("done");
    expect(updates.join("").length).toBeLessThan(11_000);
    expect(updates.at(-1)).toContain("further progress output dropped");
  });

  it("forwards abort into the isolate", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "wait",
          "await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)); return { content: 'aborted inside', isError: true };",
        ),
      ),
    );
    const controller = new AbortController();
    const running = box.run("wait", {}, context(dir, controller.signal).ctx);
    setTimeout(() => controller.abort(), 20);
    expect(text(await running)).toBe("aborted inside");
  });

  it("forwards an abort that came while the isolate was still starting", async () => {
    const { box, dir } = sandbox(
      plugin(
        tool(
          "wait",
          "await new Promise((resolve) => { if (ctx.signal.aborted) resolve(); ctx.signal.addEventListener('abort', resolve); }); return { content: 'aborted inside', isError: true };",
        ),
      ),
    );
    const controller = new AbortController();
    const running = box.run("wait", {}, context(dir, controller.signal).ctx);
    controller.abort();
    expect(text(await running)).toBe("aborted inside");
  });

  it("reports a bundle that does not define a plugin", async () => {
    const { box, dir } = sandbox("globalThis.nothing = 1;");
    const result = await box.run("x", {}, context(dir).ctx);
    expect(text(result)).toContain("could not start");
    await expect(box.tools()).rejects.toThrow("definePlugin");
  });
});
