import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { RUN_COMMANDS, sandbox } from "./run-cli.js";
import { KEYS } from "./terminal.js";
import { terminalSession } from "./tui-session.js";

const tui = terminalSession({ key: "sk-test-tui-steer-0001" });
const launch = (box: ReturnType<typeof sandbox>, args: string[] = []) => tui.launch(box, { args });

type Chat = { messages: Array<{ role: string; content: unknown }> };
const lastMessage = (index: number) => (tui.model.requests[index]!.body as Chat).messages.at(-1);

/** A command that runs until the test creates `go` in the workspace: a tool call that takes as long as the test needs. */
const WAIT_FOR_GO = "while [ ! -e go ]; do sleep 0.05; done; echo formatted";

describe("typing while a turn runs", () => {
  it("enter steers at the next step, alt+enter follows up after the turn; both show as queued", async () => {
    using box = sandbox();
    tui.model.enqueue([
      { text: "Formatting the file." },
      { toolCalls: [{ id: "b1", name: "bash", arguments: { command: WAIT_FOR_GO } }] },
      { finish: "tool_calls" },
    ]);
    tui.model.enqueue([{ text: "Switched to tabs." }, { finish: "stop" }]);
    tui.model.enqueue([{ text: "All 3 tests pass." }, { finish: "stop" }]);
    // Where there is no OS sandbox, running the command unasked takes the opt-in a user would give.
    const terminal = launch(box, ["--allowedTools", "bash", ...RUN_COMMANDS]);
    await terminal.waitFor("Ask anything");
    await terminal.type("format it");
    terminal.press(KEYS.enter);
    await terminal.waitFor("bash(while");
    await terminal.waitFor("Steer: enter sends at the next step");

    await terminal.type("use tabs, not spaces");
    terminal.press(KEYS.enter);
    await terminal.waitFor("use tabs, not spaces  (queued: next step)");
    await terminal.type("then run the tests");
    terminal.press(KEYS.altEnter);
    await terminal.waitFor("then run the tests  (queued: after this turn)");
    // Neither reached the model yet: the tool is still running.
    expect(tui.model.requests).toHaveLength(1);

    writeFileSync(join(box.cwd, "go"), "");
    await terminal.waitFor("All 3 tests pass.");
    await terminal.waitForGone("esc to interrupt");
    // The steer went in after the tool's result, in the same turn; the follow-up started the next.
    const steered = (tui.model.requests[1]!.body as Chat).messages;
    expect(steered.at(-2)).toMatchObject({ role: "tool" });
    expect(lastMessage(1)).toMatchObject({ role: "user", content: "use tabs, not spaces" });
    expect(lastMessage(2)).toMatchObject({ role: "user", content: "then run the tests" });
    expect(terminal.screen()).not.toContain("(queued");
    // Scrollback too: a start-up notice (no OS sandbox here) can push the first lines off the screen.
    const screen = terminal.transcript();
    const order = ["❯ format it", "formatted", "❯ use tabs, not spaces", "Switched to tabs.", "❯ then run the tests"];
    const at = order.map((text) => screen.indexOf(text));
    expect(at.every((index) => index >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("esc interrupts and gives the queued message back to the box, to send again", async () => {
    using box = sandbox();
    tui.model.enqueue([{ text: "Thinking about it" }, { hang: true }]);
    const terminal = launch(box);
    await terminal.waitFor("Ask anything");
    await terminal.type("slow one");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Thinking about it");
    await terminal.type("actually, do the other thing");
    terminal.press(KEYS.enter);
    await terminal.waitFor("(queued: next step)");
    terminal.press(KEYS.escape);
    await terminal.waitFor("Your queued message was not sent; it is back in the input box.");
    await terminal.waitFor("❯ actually, do the other thing");
    await terminal.waitForGone("(queued");

    tui.model.enqueue([{ text: "Doing the other thing." }, { finish: "stop" }]);
    terminal.press(KEYS.enter);
    await terminal.waitFor("Doing the other thing.");
    expect(lastMessage(1)).toMatchObject({ role: "user", content: "actually, do the other thing" });
  });

  it("gives back, on resume, what a killed run had queued and never sent", async () => {
    using box = sandbox();
    const id = "20260101-000000-abc123";
    const killed = Session.create(join(box.env.PINCER_HOME!, "sessions", `${id}.jsonl`), { cwd: box.cwd });
    killed.append({ type: "message", message: { role: "user", content: "refactor the parser", timestamp: 1 } });
    killed.append({
      type: "custom",
      customType: "prompt_queue",
      data: { action: "queued", id: "q1", mode: "steer", text: "and keep the old API" },
    });
    const terminal = launch(box, ["--resume", id]);
    await terminal.waitFor("Your queued message was not sent; it is back in the input box.");
    await terminal.waitFor("❯ and keep the old API");
    tui.model.enqueue([{ text: "Keeping it." }, { finish: "stop" }]);
    terminal.press(KEYS.enter);
    await terminal.waitFor("Keeping it.");
    expect(lastMessage(0)).toMatchObject({ role: "user", content: "and keep the old API" });
  });
});
