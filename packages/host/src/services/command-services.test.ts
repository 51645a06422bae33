import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyUsage } from "@pincer/kernel";
import type { PluginCapabilities } from "@pincer/sdk";
import { afterEach, describe, expect, it } from "vitest";
import type { SessionDriverHost } from "../drivers/session-driver-host.js";
import { PluginRegistry } from "../registry.js";
import type { ServiceHost } from "./service-host.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A plugin whose one command `go` runs `body` (args and ctx in scope), with these capabilities. */
function commandPlugin(body: string, capabilities: PluginCapabilities = {}): string {
  const dir = tempDir("pincer-command-line-");
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: "cmd-plugin",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { commands: [{ name: "go", description: "goes" }] },
      capabilities,
    }),
  );
  writeFileSync(
    join(dir, "dist/plugin.js"),
    `globalThis.__pincerPlugin = { default: { commands: [{ name: "go", description: "g", async run(args, ctx) { ${body} } }] } };`,
  );
  return dir;
}

function run(
  dir: string,
  options: { argv?: string[]; args?: string; services?: ServiceHost; sessions?: SessionDriverHost } = {},
) {
  const registry = new PluginRegistry({ cwd: tempDir("pincer-command-line-cwd-"), env: { KEEP: "user" } });
  cleanups.push(() => registry.dispose());
  registry.add(dir);
  return registry.runCommand("go", options.args ?? "", {
    cwd: "/work",
    sessionId: "",
    model: "test/m",
    ...(options.argv ? { argv: options.argv } : {}),
    ...(options.services ? { services: options.services } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
  });
}

/** A service host whose one service is a loopback HTTP server that answers "hub says hi". */
function fakeServices() {
  const stopped: string[] = [];
  const host: ServiceHost = {
    async start(name, options) {
      if (name !== "local-hub") throw new Error(`there is no service ${name}`);
      if (options.fail) {
        const error = new Error("HF_ENDPOINT is not this machine's Hub");
        error.name = "UsageError";
        throw error;
      }
      const server = createServer((_req, res) => res.end("hub says hi"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        info: { name, url, state: "started", local: true },
        env: { HF_ENDPOINT: url, HF_TOKEN: "hf_service_token_123" },
        close: async () => {
          stopped.push(url);
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
  return { host, stopped };
}

describe("a plugin command run from the command line", () => {
  it("gets its words as ctx.argv (given, or split from the typed args like a shell)", async () => {
    const dir = commandPlugin("return JSON.stringify(ctx.argv);");
    expect((await run(dir, { argv: ["run", "my task", "--x=1"] })).text).toBe('["run","my task","--x=1"]');
    expect((await run(dir, { args: `resume "a b" c` })).text).toBe('["resume","a b","c"]');
  });

  it("ends with the exit code it answers; a thrown usage error is exit 2 with its own words; 7 is refused", async () => {
    expect((await run(commandPlugin(`return { text: "2 problems", exitCode: 3 };`))).exitCode).toBe(3);
    expect((await run(commandPlugin(`return "fine";`))).exitCode).toBeUndefined();
    const usage = run(
      commandPlugin(`const e = new Error("--runner must be local or hf"); e.exitCode = 2; throw e;`),
    ).catch((error: Error & { exitCode?: number; reason?: string }) => error);
    expect(await usage).toMatchObject({ exitCode: 2, reason: "--runner must be local or hf" });
    const failed = await run(commandPlugin(`throw new Error("broke");`)).catch((error) => error);
    expect(failed).toMatchObject({ exitCode: 1 });
    await expect(run(commandPlugin(`return { exitCode: 7 };`))).rejects.toThrow(/returned exitCode 7/);
  });

  it("starts a granted service: its variables read through the env grant, its host joins the net grant, and it stops after", async () => {
    const { host, stopped } = fakeServices();
    const dir = commandPlugin(
      `const before = ctx.env.get("HF_ENDPOINT");
       const info = await ctx.services.start("local-hub");
       const answer = await (await fetch(ctx.env.get("HF_ENDPOINT"))).text();
       return JSON.stringify({ before: before ?? null, info, token: ctx.env.get("HF_TOKEN"), answer, keep: ctx.env.get("KEEP") ?? null });`,
      { services: ["local-hub"], env: ["HF_ENDPOINT", "HF_TOKEN"] },
    );
    const result = JSON.parse((await run(dir, { services: host })).text!);
    expect(result).toMatchObject({
      before: null,
      info: { name: "local-hub", state: "started", local: true, env: ["HF_ENDPOINT", "HF_TOKEN"] },
      token: "hf_service_token_123",
      answer: "hub says hi",
      // KEEP is not in its env grant: a service widens nothing else.
      keep: null,
    });
    expect(stopped).toEqual([result.info.url]);
  });

  it("refuses a service its manifest does not declare, and a usage error from the service reaches it as one", async () => {
    const { host, stopped } = fakeServices();
    const undeclared = commandPlugin(`await ctx.services.start("local-hub"); return "started";`, {
      env: ["HF_ENDPOINT"],
    });
    await expect(run(undeclared, { services: host })).rejects.toThrow(
      /may not use the service local-hub: its manifest must list it under capabilities.services/,
    );
    const usage = commandPlugin(
      `try { await ctx.services.start("local-hub", { fail: true }); } catch (error) { return error.name + " " + error.exitCode + " " + error.message; }`,
      { services: ["local-hub"] },
    );
    expect((await run(usage, { services: host })).text).toBe(
      "CommandUsageError 2 HF_ENDPOINT is not this machine's Hub",
    );
    expect(stopped).toEqual([]);
  });

  it("may allow in its sessions only the rules it was granted", async () => {
    const started: unknown[] = [];
    const sessions: SessionDriverHost = {
      start: async (request) => {
        started.push(request);
        return {
          id: "s1",
          model: "test/m",
          prompt: async () => ({ stopReason: "end_turn", steps: 1, usage: emptyUsage(), text: "" }),
          fork: async () => {
            throw new Error("no");
          },
          readCustom: () => [],
          appendCustom: () => {},
          close: () => {},
        };
      },
      resume: async () => {
        throw new Error("no");
      },
    };
    const dir = commandPlugin(
      `const s = await ctx.sessions.start({ allow: ["bash(python3:*)"], instructions: "work alone" });
       try { await ctx.sessions.start({ allow: ["bash(rm:*)"] }); } catch (error) { return s.model + " | " + error.message; }`,
      { sessions: { allow: ["bash(python3:*)"] } },
    );
    expect((await run(dir, { sessions })).text).toBe(
      'test/m | plugin cmd-plugin may not allow "bash(rm:*)" in its sessions: only rules its manifest lists under capabilities.sessions.allow, and you granted',
    );
    expect(started).toEqual([{ allow: ["bash(python3:*)"], instructions: "work alone" }]);
  });
});
