import { emptyUsage, type KernelEvent } from "@pincer/kernel";
import chalk from "chalk";
import { afterEach, describe, expect, it } from "vitest";
import { itemText } from "./item-view.js";
import { createPalette, TERMINAL_THEME } from "./palette.js";
import { ItemPrinter, type PrintedView } from "./printed-items.js";
import { type Item, Transcript } from "./transcript.js";

const plain = createPalette(TERMINAL_THEME, { color: false });
const coloured = createPalette(TERMINAL_THEME, { color: true });
const text = (value: string): KernelEvent => ({ type: "stream", event: { type: "text_delta", text: value } });
const microtasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function printer() {
  const written: string[] = [];
  const printer = new ItemPrinter(itemText);
  const view = (items: readonly Item[], epoch = 0, palette = plain): PrintedView => ({
    items,
    epoch,
    palette,
    width: 60,
    expanded: false,
    write: (chunk) => written.push(chunk),
  });
  return { printer, written, view };
}

/** A transcript with one item of every kind, the answer's markdown among them. */
function everyKind(): Transcript {
  const transcript = new Transcript();
  transcript.notice("info", "Pincer 0.1.0 · /work · /help for commands");
  transcript.apply({ type: "turn_start", prompt: "show me everything" });
  transcript.apply({ type: "stream", event: { type: "thinking_delta", text: "Let me think\nabout it" } });
  transcript.apply(
    text(
      `# Title\n\nSome **bold**, \`code\` and a [link](https://example.com).\n\n- one\n- two ${"wrapping ".repeat(12)}\n\n\`\`\`ts\nconst x = 1;\n\nfunction f() {}\n\`\`\`\n\n| a | b |\n|---|---|\n| 1 | two |\n\n日本語 ${"wide ".repeat(15)}\n\n`,
    ),
  );
  transcript.apply({ type: "tool_start", toolCallId: "c1", name: "bash", args: { command: "ls -la" } });
  transcript.apply({
    type: "tool_end",
    toolCallId: "c1",
    name: "bash",
    result: {
      role: "toolResult",
      toolCallId: "c1",
      toolName: "bash",
      content: [{ type: "text", text: Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n") }],
      isError: false,
      timestamp: 0,
    },
    durationMs: 1500,
  } as KernelEvent);
  transcript.add({ kind: "block", title: "Help", lines: ["/model  pick a model", "/clear  start again"] });
  transcript.apply({
    type: "turn_end",
    result: { stopReason: "end_turn", steps: 1, usage: emptyUsage(), text: "" },
    sessionUsage: emptyUsage(),
  });
  transcript.notice("warning", "Something to know");
  return transcript;
}

describe("finished items printed above the live area", () => {
  afterEach(() => {
    chalk.level = 0;
  });

  it("prints what Ink's <Static> printed for every kind of item, streamed markdown drawn without Ink", async () => {
    const items = everyKind().items;
    expect(new Set(items.map((item) => item.kind))).toEqual(
      new Set(["notice", "user", "thinking", "markdown", "tool", "block"]),
    );
    for (const width of [100, 60, 31]) {
      const { printer: print, written } = printer();
      print.commit({ items, epoch: 0, palette: plain, width, expanded: false, write: (chunk) => written.push(chunk) });
      print.flush();
      await microtasks();
      // Each item drawn by Ink in a <Static> of its own, the streamed answer's markdown too.
      const before = items.map((item) => itemText(item, plain, width, false)).join("");
      expect(written.join("")).toBe(before);
    }
  });

  it("prints each item once, and only those of the commit the frame was drawn from", async () => {
    const { printer: print, written, view } = printer();
    const transcript = new Transcript();
    transcript.apply({ type: "turn_start", prompt: "go" });
    transcript.apply(text("First paragraph.\n\nSecond"));
    print.commit(view(transcript.items));
    // Added after that commit: its text was still in the live area of the frame drawn from it.
    transcript.apply(text(" paragraph.\n\nThird"));
    print.flush();
    await microtasks();
    expect(written.join("")).toBe("\n› go\n\nFirst paragraph.\n");
    print.commit(view(transcript.items));
    print.flush();
    print.flush();
    await microtasks();
    expect(written.join("")).toBe("\n› go\n\nFirst paragraph.\n\nSecond paragraph.\n");
    expect(transcript.live.text).toBe("Third");
  });

  it("at exit prints what the last frame left unprinted, once, with the terminal's own write", async () => {
    const { printer: print, written, view } = printer();
    const transcript = everyKind();
    const items = transcript.items;
    print.commit(view(items.slice(0, 2)));
    print.flush();
    await microtasks();
    const shown = written.length;
    // The app quits in the frame that finished the rest: Ink drew it, but no flush printed it.
    print.commit(view(items));
    const atExit: string[] = [];
    print.finish((chunk) => atExit.push(chunk));
    expect(written).toHaveLength(shown);
    expect(atExit.join("")).toContain("Something to know");
    print.flush();
    await microtasks();
    print.finish((chunk) => atExit.push(chunk));
    expect(written).toHaveLength(shown);
    expect(atExit).toHaveLength(1);
  });

  it("prints everything again on a new screen (a resize, /clear, ctrl+o)", async () => {
    const { printer: print, written, view } = printer();
    const items = everyKind().items.slice(0, 2);
    print.commit(view(items, 0));
    print.flush();
    await microtasks();
    print.commit(view(items, 1));
    print.flush();
    await microtasks();
    expect(written).toHaveLength(2);
    expect(written[1]).toBe(written[0]);
  });

  it("says so when an item cannot be drawn, and prints the rest", async () => {
    const written: string[] = [];
    const print = new ItemPrinter(() => {
      throw new Error("no \x1b[31mway");
    });
    const transcript = new Transcript();
    transcript.notice("info", "hello");
    transcript.apply({ type: "turn_start", prompt: "x" });
    transcript.apply(text("an answer\n\n"));
    print.commit({
      items: transcript.items,
      epoch: 0,
      palette: plain,
      width: 60,
      expanded: false,
      write: (chunk) => written.push(chunk),
    });
    print.flush();
    await microtasks();
    expect(written.join("")).toBe(
      "\n✗ Could not draw this notice: no way\n\n✗ Could not draw this user: no way\n\nan answer\n",
    );
  });

  it("never hands the terminal a control sequence from the model, C1 controls included", async () => {
    chalk.level = 3;
    const { printer: print, written, view } = printer();
    const transcript = new Transcript();
    transcript.apply({ type: "turn_start", prompt: "x" });
    // An OSC 52 clipboard write and a title change, by ESC and by their one-character C1 forms.
    transcript.apply(
      text("a\x1b]52;c;ZXZpbA==\x07b \x9d0;pwned\x9c c \x9b2J d \x90qevil\x9c **e**\n\nafter the attack\n\n"),
    );
    print.commit(view(transcript.items, 0, coloured));
    print.flush();
    await microtasks();
    const out = written.join("");
    expect(out).toContain("after the attack");
    expect(out).not.toMatch(/[\x80-\x9f]/);
    // Only colour and weight (SGR) reach the terminal.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape sequences is the point.
    expect(out.replace(/\x1b\[[0-9;]*m/g, "")).not.toContain("\x1b");
    expect(out).toContain(chalk.bold("e"));
  });
});
