import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scaledTimeout, startAnthropicServer, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";
import { KEYS, Terminal } from "./terminal.js";
import { terminalSession } from "./tui-session.js";

const ESC = "\u001b";

/** A provider plugin's first start in a fresh home (isolate and snapshot), or its first call, on a loaded machine. */
const COLD_PROVIDER_MS = 45_000;

const tui = terminalSession({ key: "sk-test-tui-0001", env: { COLORTERM: "truecolor" } });
const { launch } = tui;

/**
 * A screen as kept in the repo: everything printed (scrollback too, so a notice more or less never
 * scrolls the top away), the temp directory's path replaced, and the host's OS sandbox notice left
 * out: it is there on a machine without bubblewrap and not with it, and its own test is below.
 */
function normalized(terminal: Terminal, box: ReturnType<typeof sandbox>): string {
  const name = box.cwd.split("/").pop()!;
  const text = withoutSandboxNotice(terminal.transcript())
    .split(box.cwd)
    .join("<cwd>")
    .split(box.home)
    .join("<home>")
    .split(name)
    .join("<cwd-name>");
  // The spinner's frame and the seconds it shows depend on timing, and so does a tool's time
  // (shown from 1 s: a write on a loaded machine can take that long).
  const untimed = text.replace(/(• [^\n]*\)) · \d+\.\ds/g, "$1");
  return `${untimed.replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Working… \d+s/g, "⠿ Working… Ns")}\n`;
}

/**
 * Matches the screen against its stored snapshot once it shows it: a frame reaches the pty in
 * more than one read, and "quiet for 100 ms" (a settled wait) was, on a machine at load ~11, now and
 * then the gap between two reads of one frame. A screen that never becomes the snapshot fails
 * with its diff after the wait (and `vitest -u` still writes a changed one).
 */
async function expectScreen(terminal: Terminal, box: ReturnType<typeof sandbox>, file: string): Promise<void> {
  const stored = readFileSync(new URL(file, import.meta.url), "utf8");
  await until(() => normalized(terminal, box) === stored, { timeoutMs: 3_000 }).catch(() => {});
  await expect(normalized(terminal, box)).toMatchFileSnapshot(file);
}

/** The OS sandbox notice (a `!` notice about the sandbox, wrapped over a few lines) and the blank line before it. */
function withoutSandboxNotice(screen: string): string {
  return screen.replace(/\n\n! [^\n]*(?:\n[^\n]+)*/g, (notice) => (/sandbox/i.test(notice) ? "" : notice));
}

describe("pincer (interactive terminal)", () => {
  it("streams an answer, asks before a write, and writes after approval", async () => {
    using box = sandbox({ NO_COLOR: "" });
    tui.model.enqueue([
      { text: "I'll create **notes.md** with `write`." },
      { toolCalls: [{ id: "w1", name: "write", arguments: { path: "notes.md", content: "# Notes\n" } }] },
      { usage: { prompt_tokens: 1200, completion_tokens: 40 } },
      { finish: "tool_calls" },
    ]);
    tui.model.enqueue([
      { text: "Done:\n\n- created `notes.md`\n\n```js\nconst answer = 42;\n```" },
      { usage: { prompt_tokens: 1300, completion_tokens: 30 } },
      { finish: "stop" },
    ]);
    const terminal = launch(box);
    await terminal.waitFor("Ask anything");
    await terminal.type("make notes");
    terminal.press(KEYS.enter);
    // The dialog can reach the pty in more than one read: its options are read off the settled screen.
    const dialog = await terminal.waitFor("Allow write to notes.md?", { settled: true });
    expect(dialog).toContain("don't ask again for write(");
    // The status line catches up with the first answer's usage (the theme draws it asynchronously).
    await terminal.waitFor("ctx 1.2k", { settled: true });
    await expectScreen(terminal, box, "./screens/permission-prompt.txt");
    terminal.press("1");
    await terminal.waitFor("const answer = 42;");
    await terminal.waitForGone("esc to interrupt");
    // The status line counts both requests' tokens once the turn is over.
    await terminal.waitFor("↑2.5k ↓70", { settled: true });
    expect(readFileSync(join(box.cwd, "notes.md"), "utf8")).toBe("# Notes\n");
    const screen = terminal.screen();
    expect(screen).toContain("❯ make notes");
    expect(screen).toContain("Created");
    expect(screen).toContain("• created notes.md");
    expect(screen).toMatch(/openai\/gpt-5/);
    await expectScreen(terminal, box, "./screens/first-turn.txt");
    // Colour is on in a terminal: the theme's 24-bit colours reach it.
    expect(terminal.output).toMatch(new RegExp(`${ESC}\\[38;2;\\d+;\\d+;\\d+m`));

    terminal.press(KEYS.ctrlC);
    await terminal.waitFor("Press ctrl+c again to exit");
    terminal.press(KEYS.ctrlC);
    expect(await terminal.exit()).toBe(0);
    expect(terminal.output).toContain("Resume this session with: pincer --resume");
  });

  it("interrupts a running turn with esc and takes the next prompt", async () => {
    using box = sandbox();
    tui.model.enqueue([{ text: "Thinking about it" }, { hang: true }]);
    // `CI` set (as on a CI machine) must not stop the frames: Ink would otherwise draw only at exit.
    const terminal = launch(box, { env: { CI: "true" } });
    await terminal.waitFor("Ask anything");
    await terminal.type("slow one");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Thinking about it");
    await terminal.waitFor("esc to interrupt");
    terminal.press(KEYS.escape);
    await terminal.waitFor("Interrupted. What should Pincer do instead?");
    tui.model.enqueue([{ text: "Fast answer." }, { finish: "stop" }]);
    await terminal.type("quick one");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Fast answer.");
    // NO_COLOR: no colour escapes at all.
    expect(terminal.output).not.toMatch(new RegExp(`${ESC}\\[(3\\d|38;[25])[;m]`));
  });

  it("switches the theme with a live preview and keeps the choice", async () => {
    using box = sandbox({ NO_COLOR: "" });
    const terminal = launch(box);
    await terminal.waitFor("Ask anything");
    await terminal.type("/help");
    terminal.press(KEYS.enter);
    await terminal.waitFor("ctrl+c clear input");
    // The status line is drawn by the theme's code, a frame later: the whole of it, then the screen.
    await terminal.waitFor(/ctx 0\/400k 0% · ↑0 ↓0 · \$0\.00$/m);
    await expectScreen(terminal, box, "./screens/help.txt");
    await terminal.type("/theme");
    await terminal.waitFor("Pick a theme");
    terminal.press(KEYS.enter);
    const picker = await terminal.waitFor("Theme (↑/↓ previews", { settled: true });
    for (const id of ["dark", "light", "high-contrast", "ansi16"]) expect(picker).toContain(id);
    const before = terminal.output.length;
    // Walk to "light" (the list order is the plugins' order), previewing each on the way.
    const lines = picker.split("\n");
    const current = lines.findIndex((line) => line.includes("❯ dark") || line.includes("> dark"));
    const light = lines.findIndex((line) => /\blight\b/.test(line) && !line.includes("Theme"));
    for (let step = 0; step < (light - current + 4) % 4; step++) terminal.press(KEYS.down);
    // Each preview redraws the screen in the new theme's colours.
    await terminal.waitForOutput(before);
    terminal.press(KEYS.enter);
    await terminal.waitFor("Theme: light");
    const config = JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "config.json"), "utf8")) as { theme: string };
    expect(config.theme).toBe("light");
  });

  it("survives a tiny terminal and a resize mid-stream", async () => {
    using box = sandbox();
    const long = Array.from({ length: 40 }, (_, index) => `Line ${index + 1} of a long answer.`).join("\n");
    tui.model.enqueue([{ text: long.slice(0, 400) }, { delayMs: 400 }, { text: long.slice(400) }, { finish: "stop" }]);
    const terminal = launch(box, { cols: 20, rows: 8 });
    await terminal.waitFor("Ask", { timeoutMs: 20_000 });
    await terminal.type("go");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Line 3", { scrollback: true, timeoutMs: 20_000 });
    terminal.resize(100, 30);
    // Printed before or after the resize: wrapped at 20 columns or not, the last line arrives.
    await terminal.waitFor("Line 40", { scrollback: true, timeoutMs: 20_000 });
    await terminal.waitForGone("esc to interrupt", 20_000);
    expect(terminal.screen()).toContain("Ask anything");
  });

  it("keeps a pasted megabyte out of the box and sends it whole", async () => {
    using box = sandbox();
    tui.model.enqueue([{ text: "Got it all." }, { finish: "stop" }]);
    const terminal = launch(box);
    await terminal.waitFor("Ask anything");
    const pasted = `${"x".repeat(99)}\n`.repeat(10_000);
    terminal.paste(pasted);
    await terminal.waitFor("[Pasted text #1 +10001 lines, 1,000,000 chars]", { timeoutMs: 20_000 });
    terminal.press(KEYS.enter);
    await terminal.waitFor("Got it all.", { timeoutMs: 20_000 });
    const request = tui.model.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
    const user = request.messages.find((message) => message.role === "user");
    expect(JSON.stringify(user?.content).length).toBeGreaterThanOrEqual(pasted.length);
  });

  it(
    "moves the conversation to another provider with /model",
    async () => {
      using box = sandbox();
      const anthropic = await startAnthropicServer();
      try {
        tui.model.enqueue([{ text: "The secret word is teal." }, { finish: "stop" }]);
        anthropic.enqueue([{ text: "You told me: teal." }, { stop: "end_turn" }]);
        const terminal = launch(box, {
          env: { ANTHROPIC_API_KEY: "sk-ant-tui-0001", ANTHROPIC_BASE_URL: anthropic.url },
        });
        await terminal.waitFor("Ask anything");
        await terminal.type("pick a word");
        terminal.press(KEYS.enter);
        await terminal.waitFor("The secret word is teal.");
        await terminal.waitForGone("esc to interrupt");
        await terminal.type("/model anthropic/claude-sonnet-5-5");
        terminal.press(KEYS.enter);
        // The switch starts Anthropic's plugin cold: its first isolate in this fresh home, snapshot
        // and all, which a loaded machine can stretch past the default wait (it did, once). The
        // notice is the switch done; the answer, the new isolate's first call.
        await terminal.waitFor("Model: anthropic/claude-sonnet-5-5", { timeoutMs: COLD_PROVIDER_MS });
        await terminal.type("what was it?");
        terminal.press(KEYS.enter);
        await terminal.waitFor("You told me: teal.", { timeoutMs: COLD_PROVIDER_MS });
        // The new provider received the whole conversation, converted to its own shapes.
        const body = JSON.stringify(anthropic.requests.at(-1)!.body);
        expect(body).toContain("pick a word");
        expect(body).toContain("The secret word is teal.");
      } finally {
        await anthropic.close();
      }
    },
    scaledTimeout(30_000 + 2 * COLD_PROVIDER_MS),
  );

  it("runs commands a plugin contributes: text shown, a prompt sent", async () => {
    using box = sandbox();
    const dir = join(box.cwd, "standup-plugin");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "standup-commands", version: "0.1.0", type: "module" }),
    );
    writeFileSync(
      join(dir, "pincer.plugin.json"),
      JSON.stringify({
        name: "standup-commands",
        version: "0.1.0",
        engines: { pincer: "^0.1.0" },
        main: "index.js",
        contributes: {
          commands: [
            { name: "standup", description: "Ask for a standup summary", args: "[days]" },
            { name: "hello", description: "Say hello" },
          ],
        },
      }),
    );
    writeFileSync(
      join(dir, "index.js"),
      `export default { commands: [
        { name: "standup", description: "Ask for a standup summary", run: (args) => ({ prompt: "Summarise the last " + (args || "1") + " days" }) },
        { name: "hello", description: "Say hello", run: (args, ctx) => "Hello from a sandbox, model " + ctx.model },
      ] };`,
    );
    const installed = await box.run(["plugin", "install", dir, "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);
    tui.model.enqueue([{ text: "Here is your standup." }, { finish: "stop" }]);
    const terminal = launch(box);
    await terminal.waitFor("Ask anything");
    await terminal.type("/st");
    await terminal.waitFor("Ask for a standup summary");
    await terminal.type("andup 3");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Here is your standup.");
    expect(JSON.stringify(tui.model.requests.at(-1)!.body)).toContain("Summarise the last 3 days");
    await terminal.waitForGone("esc to interrupt");
    await terminal.type("/hello");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Hello from a sandbox, model openai/gpt-5");
  });

  it("runs markdown commands (.claude/commands) with $ARGUMENTS filled in", async () => {
    using box = sandbox();
    mkdirSync(join(box.cwd, ".claude", "commands"), { recursive: true });
    writeFileSync(
      join(box.cwd, ".claude", "commands", "review.md"),
      "---\ndescription: Review a pull request\nargument-hint: <number>\n---\nReview PR $ARGUMENTS carefully.\n",
    );
    tui.model.enqueue([{ text: "Reviewed." }, { finish: "stop" }]);
    const terminal = launch(box);
    await terminal.waitFor("Ask anything");
    await terminal.type("/rev");
    await terminal.waitFor("Review a pull request");
    await terminal.type("iew 123");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Reviewed.");
    expect(JSON.stringify(tui.model.requests.at(-1)!.body)).toContain("Review PR 123 carefully.");
  });

  it("checks its flags as -p does: a bad --max-turns is a usage error", async () => {
    using box = sandbox();
    const terminal = tui.track(new Terminal({ args: ["--max-turns", "0"], cwd: box.cwd, env: box.env }));
    await terminal.waitFor("--max-turns must be a positive integer.");
    expect(await terminal.exit()).toBe(2);
  });

  it("answers a prompt piped on stdin without a terminal", async () => {
    using box = sandbox();
    tui.model.enqueue([{ text: "Piped answer." }, { finish: "stop" }]);
    const result = await box.run(["--model", "openai/gpt-5"], {
      input: "hello from a pipe",
      env: { OPENAI_API_KEY: "sk-test-tui-0001", OPENAI_BASE_URL: tui.model.url },
    });
    expect(result.stdout).toContain("Piped answer.");
    expect(result.code).toBe(0);
  });
});
