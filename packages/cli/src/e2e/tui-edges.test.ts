import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_COMMANDS, sandbox } from "./run-cli.js";
import { KEYS } from "./terminal.js";
import { terminalSession } from "./tui-session.js";

const tui = terminalSession({ key: "sk-test-tui-edges-0001" });
const { launch } = tui;

const count = (text: string, part: string | RegExp) =>
  typeof part === "string" ? text.split(part).length - 1 : (text.match(part) ?? []).length;

/** A command that runs until the test creates `name` in the workspace. */
const waitFor = (name: string) => `while [ ! -e ${name} ]; do sleep 0.05; done; echo ${name}`;

const todo = (id: string, statuses: string[]) => ({
  toolCalls: [
    {
      id,
      name: "todo",
      arguments: {
        todos: ["Read the paper", "Train the model", "Publish \u001b]0;pwned\u0007it"].map((content, index) => ({
          content,
          status: statuses[index],
        })),
      },
    },
  ],
});

describe("the interactive terminal's rough edges", () => {
  it("ctrl+o shows folded output whole, in place, and folds it again; tables are drawn", async () => {
    using box = sandbox();
    const command = "for i in $(seq 1 20); do echo line-$i; done";
    tui.model.enqueue([{ toolCalls: [{ id: "b1", name: "bash", arguments: { command } }] }, { finish: "tool_calls" }]);
    tui.model.enqueue([{ text: "| Lines | Status |\n|---|:---:|\n| 20 | ok |\n\nListed." }, { finish: "stop" }]);
    const terminal = launch(box, { args: ["--allowedTools", "bash", ...RUN_COMMANDS] });
    await terminal.waitFor("Ask anything");
    await terminal.type("count");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Listed.");
    await terminal.waitForGone("esc to interrupt");
    const screen = terminal.screen();
    expect(screen).toContain("line-8");
    expect(screen).toMatch(/\+\d+ lines \(ctrl\+o to expand\)/);
    expect(screen).not.toContain("line-20");
    // The table, drawn, not raw pipes.
    expect(screen).toMatch(/│ Lines │ Status │/);
    expect(screen).toContain("├───────┼────────┤");
    expect(screen).not.toContain("|---|");

    terminal.press(KEYS.ctrlO);
    // The redrawn screen arrives in more than one read: wait for all of it, down to the answer.
    await terminal.waitFor(/\(ctrl\+o to fold\)[\s\S]*Listed\./, { scrollback: true, settled: true });
    // In place: the whole output sits where the folded block was, before the answer that followed it
    // (the screen was drawn again from the top, so everything printed is this drawing).
    const all = terminal.transcript();
    expect(all.indexOf("line-20")).toBeGreaterThan(all.indexOf("line-8"));
    expect(all.indexOf("line-8")).toBeGreaterThan(all.indexOf("❯ count"));
    expect(all.indexOf("line-20")).toBeLessThan(all.indexOf("Listed."));
    expect(count(all, "line-20")).toBe(1);

    terminal.press(KEYS.ctrlO);
    await terminal.waitFor(/\+\d+ lines \(ctrl\+o to expand\)/);
    await terminal.waitForGone("line-20");
  });

  it("draws the plan as it changes while the turn runs, and sums it up in the transcript", async () => {
    using box = sandbox();
    tui.model.enqueue([todo("t1", ["completed", "in_progress", "pending"]), { finish: "tool_calls" }]);
    tui.model.enqueue([
      { toolCalls: [{ id: "b1", name: "bash", arguments: { command: waitFor("go1") } }] },
      { finish: "tool_calls" },
    ]);
    tui.model.enqueue([todo("t2", ["completed", "completed", "in_progress"]), { finish: "tool_calls" }]);
    tui.model.enqueue([
      { toolCalls: [{ id: "b2", name: "bash", arguments: { command: waitFor("go2") } }] },
      { finish: "tool_calls" },
    ]);
    tui.model.enqueue([todo("t3", ["completed", "completed", "completed"]), { finish: "tool_calls" }]);
    tui.model.enqueue([{ text: "Shipped." }, { finish: "stop" }]);
    const terminal = launch(box, { args: ["--allowedTools", "bash", ...RUN_COMMANDS] });
    await terminal.waitFor("Ask anything");
    await terminal.type("reproduce the paper");
    terminal.press(KEYS.enter);

    let screen = await terminal.waitFor("Plan · 1/3 done", { settled: true });
    expect(screen).toMatch(/Train the model/);
    writeFileSync(join(box.cwd, "go1"), "");
    screen = await terminal.waitFor("Plan · 2/3 done", { settled: true });
    expect(screen).toContain("Publish it");
    writeFileSync(join(box.cwd, "go2"), "");
    await terminal.waitFor("Shipped.");
    await terminal.waitForGone("esc to interrupt");
    // Done and idle: no panel, and each call a line in the transcript.
    expect(terminal.screen()).not.toContain("Plan ·");
    screen = terminal.transcript();
    expect(screen).toContain("Plan: 3/3 done");
    expect(screen).toContain("Plan: 1/3 done · now: Train the model");
    // The model's text never reaches the terminal as control sequences.
    expect(terminal.output).not.toContain("]0;pwned");
  });

  it("keeps the context figure after a failed call, shows the error once, and refuses /model without a key", async () => {
    using box = sandbox();
    tui.model.enqueue([
      { text: "First answer." },
      { usage: { prompt_tokens: 1200, completion_tokens: 30 } },
      { finish: "stop" },
    ]);
    tui.model.enqueue([
      { httpError: { status: 400, body: { error: { message: "The prompt was rejected by policy 42." } } } },
    ]);
    const terminal = launch(box, { env: { ANTHROPIC_API_KEY: "sk-ant-edges-0001" } });
    await terminal.waitFor("Ask anything");
    await terminal.type("first");
    terminal.press(KEYS.enter);
    await terminal.waitFor("ctx 1.2k");
    await terminal.waitForGone("esc to interrupt");
    await terminal.type("second");
    terminal.press(KEYS.enter);
    await terminal.waitFor("rejected by policy 42");
    await terminal.waitForGone("esc to interrupt");
    expect(count(terminal.transcript(), "rejected by policy 42")).toBe(1);
    await terminal.waitFor("ctx 1.2k");

    // No HF_TOKEN: the switch is refused, naming the variable; the session stays where it was.
    await terminal.type("/model hf/openai/gpt-oss-120b");
    terminal.press(KEYS.enter);
    await terminal.waitFor("needs HF_TOKEN, which is not set");
    await terminal.waitFor(/openai\/gpt-5 ·/);

    // The picker: the catalogues of the providers with a key; no recording, no provider without a key.
    await terminal.type("/model");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Model (now openai/gpt-5)");
    // A frame can reach the terminal in more than one read: wait for its rows, not just its title.
    await terminal.waitFor("openai/gpt-5-mini");
    const screenWithPicker = await terminal.waitFor("anthropic/claude-sonnet-5-5", { settled: true });
    const picker = screenWithPicker.slice(screenWithPicker.indexOf("Model (now"));
    expect(picker).toContain("openai/gpt-5-mini");
    expect(picker).toContain("anthropic/claude-sonnet-5-5");
    expect(picker).not.toContain("hf/");
    expect(picker).not.toContain("replay/");
    terminal.press(KEYS.escape);
    await terminal.waitForGone("Model (now openai/gpt-5)");
    // A recording is reached by its name.
    await terminal.type("/model replay/coding-demo");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Model: replay/coding-demo");
  });

  it("says the OS sandbox notice once per start: not again on /clear", async () => {
    using box = sandbox();
    // No bubblewrap (PINCER_BWRAP names a missing one): the host has something to say, whatever this machine has.
    const terminal = launch(box, { env: { PINCER_BWRAP: join(box.home, "no-bwrap") } });
    await terminal.waitFor("Ask anything");
    await terminal.waitFor(/OS sandbox/);
    await terminal.type("/clear");
    terminal.press(KEYS.enter);
    await terminal.waitForGone("OS sandbox");
    await terminal.waitFor("Ask anything");
    await terminal.type("/help");
    terminal.press(KEYS.enter);
    await terminal.waitFor("ctrl+c clear input");
    expect(count(terminal.output, /OS sandbox/g)).toBe(1);
  });
});
