import * as pty from "@lydell/node-pty";
import xterm from "@xterm/headless";
import { CLI } from "./run-cli.js";

export const KEYS = {
  enter: "\r",
  escape: "\x1b",
  ctrlC: "\x03",
  ctrlO: "\x0f",
  up: "\x1b[A",
  down: "\x1b[B",
  tab: "\t",
  shiftTab: "\x1b[Z",
  altEnter: "\x1b\r",
} as const;

/**
 * The CLI in a real pseudo-terminal, its output fed to a headless xterm: tests read the screen
 * a person would see, type keys and resize the window.
 */
export class Terminal {
  private readonly term: xterm.Terminal;
  private readonly process: pty.IPty;
  private exited: Promise<number>;
  output = "";

  constructor(options: { args?: string[]; env: NodeJS.ProcessEnv; cwd: string; cols?: number; rows?: number }) {
    const cols = options.cols ?? 100;
    const rows = options.rows ?? 30;
    this.term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 5000 });
    this.process = pty.spawn(process.execPath, [CLI, ...(options.args ?? [])], {
      name: "xterm-256color",
      cols,
      rows,
      cwd: options.cwd,
      env: { TERM: "xterm-256color", ...options.env } as Record<string, string>,
    });
    this.process.onData((data) => {
      this.output += data;
      this.term.write(data);
    });
    this.exited = new Promise((resolve) => this.process.onExit(({ exitCode }) => resolve(exitCode)));
  }

  /** The visible rows, right-trimmed, as one string. */
  screen(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? "");
    }
    return lines.join("\n").replace(/\n+$/, "");
  }

  /** Everything printed so far, scrollback included. */
  transcript(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < buffer.length; row++) lines.push(buffer.getLine(row)?.translateToString(true) ?? "");
    return lines.join("\n").replace(/\n+$/, "");
  }

  /** Waits until the screen (or the scrollback, with `scrollback: true`) shows the text. */
  async waitFor(
    expected: string | RegExp,
    options: { timeoutMs?: number; scrollback?: boolean } = {},
  ): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      // Let xterm finish parsing what has arrived.
      await new Promise<void>((resolve) => this.term.write("", resolve));
      const text = options.scrollback ? this.transcript() : this.screen();
      if (typeof expected === "string" ? text.includes(expected) : expected.test(text)) return text;
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${String(expected)}. The screen shows:\n${this.screen()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until the screen no longer shows the text (a spinner gone: the turn is over). */
  async waitForGone(text: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise<void>((resolve) => this.term.write("", resolve));
      if (!this.screen().includes(text)) return;
      if (Date.now() > deadline) throw new Error(`Still showing ${text} after ${timeoutMs} ms:\n${this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Types text the way a person does: one key at a time. */
  async type(text: string): Promise<void> {
    for (const char of text) {
      this.process.write(char);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  press(key: string): void {
    this.process.write(key);
  }

  /** Sends text as a terminal does for a paste: wrapped in bracketed-paste markers. */
  paste(text: string): void {
    this.process.write(`\x1b[200~${text}\x1b[201~`);
  }

  resize(cols: number, rows: number): void {
    this.process.resize(cols, rows);
    this.term.resize(cols, rows);
  }

  async exit(timeoutMs = 5_000): Promise<number> {
    return Promise.race([
      this.exited,
      new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error(`The CLI did not exit. The screen shows:\n${this.screen()}`)), timeoutMs),
      ),
    ]);
  }

  kill(): void {
    try {
      this.process.kill();
    } catch {
      // Already gone.
    }
  }
}
