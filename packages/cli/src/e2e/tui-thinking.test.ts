import { describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";
import { KEYS } from "./terminal.js";
import { terminalSession } from "./tui-session.js";

const tui = terminalSession({ key: "sk-test-tui-think-0001" });
const launch = (box: ReturnType<typeof sandbox>, args: string[]) => tui.launch(box, { args });

describe("/thinking in the interactive terminal", () => {
  it("shows the level by the model, lists the choices, changes it, and a continued session keeps it", async () => {
    using box = sandbox();
    const terminal = launch(box, ["--thinking", "low"]);
    await terminal.waitFor("Ask anything");
    await terminal.waitFor("openai/gpt-5 (thinking low)");

    await terminal.type("/thinking");
    terminal.press(KEYS.enter);
    // The picker's title arrives before its last choices: read the settled screen.
    const picker = await terminal.waitFor("Thinking (now low)", { settled: true });
    for (const level of ["off", "low", "medium", "high"]) expect(picker).toMatch(new RegExp(`\\b${level}\\b`));
    terminal.press(KEYS.escape);
    await terminal.waitForGone("Thinking (now low)");

    await terminal.type("/thinking high");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Thinking: high");
    await terminal.waitFor("openai/gpt-5 (thinking high)");
    tui.model.enqueue([{ text: "Thought hard." }, { finish: "stop" }]);
    await terminal.type("think");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Thought hard.");
    expect(tui.model.requests.at(-1)!.body).toMatchObject({ reasoning_effort: "high" });

    await terminal.waitForGone("esc to interrupt");
    await terminal.type("/thinking loud");
    terminal.press(KEYS.enter);
    await terminal.waitFor("name a level: off, low, medium, high.");
    terminal.press(KEYS.ctrlC);
    await terminal.waitFor("Press ctrl+c again to exit");
    terminal.press(KEYS.ctrlC);
    expect(await terminal.exit()).toBe(0);

    // The session recorded the change: continuing it without the flag thinks as hard.
    const again = launch(box, ["--continue"]);
    await again.waitFor("openai/gpt-5 (thinking high)");
  });

  it("steps the level with tab when there is no command to complete, and still completes commands", async () => {
    using box = sandbox();
    const terminal = launch(box, []);
    await terminal.waitFor("Ask anything");
    terminal.press(KEYS.tab);
    await terminal.waitFor("openai/gpt-5 (thinking low)");
    terminal.press(KEYS.tab);
    await terminal.waitFor("openai/gpt-5 (thinking medium)");
    terminal.press(KEYS.tab);
    await terminal.waitFor("openai/gpt-5 (thinking high)");
    terminal.press(KEYS.tab);
    await terminal.waitForGone("(thinking");

    // Typing a command, tab completes it and leaves the level alone.
    await terminal.type("/thi");
    terminal.press(KEYS.tab);
    await terminal.waitFor("/thinking ");
    expect(terminal.screen()).not.toContain("(thinking");
    terminal.press(KEYS.ctrlC); // clears the typed command
    await terminal.waitForGone("/thinking ");
    terminal.press(KEYS.ctrlC);
    await terminal.waitFor("Press ctrl+c again to exit");
    terminal.press(KEYS.ctrlC);
    expect(await terminal.exit()).toBe(0);
  });
});
