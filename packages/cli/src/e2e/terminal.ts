import * as pty from "@lydell/node-pty";
import { DEFAULT_WAIT_MS, scaledTimeout } from "@pincer/testing";
import xterm from "@xterm/headless";
import { CLI } from "./run-cli.js";

/** How long the output must stay quiet before "gone" counts: a few of Ink's frames. */
const FRAME_SETTLE_MS = 100;

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
  private exitCode: number | undefined;
  /** Called whenever the screen may have changed (output parsed, the process gone). */
  private readonly watchers = new Set<() => void>();
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
      this.term.write(data, () => this.notify());
    });
    this.exited = new Promise((resolve) =>
      this.process.onExit(({ exitCode }) => {
        this.exitCode = exitCode;
        // Whatever it printed last is parsed before waiters look a final time.
        this.term.write("", () => this.notify());
        resolve(exitCode);
      }),
    );
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

  private notify(): void {
    for (const watcher of this.watchers) watcher();
  }

  /**
   * Resolves when `check` passes, checked each time the screen changes (never on a timer), or
   * fails after the deadline (scaled by PINCER_TEST_TIMEOUT_SCALE) or when the CLI exits first.
   * With `settleMs`, it must still pass once the output has been quiet that long: a frame is often
   * drawn in more than one write, and half a frame can lack what the whole one shows.
   */
  private watch(
    check: () => boolean,
    describe: () => string,
    options: { timeoutMs?: number; settleMs?: number } = {},
  ): Promise<void> {
    const limit = scaledTimeout(options.timeoutMs ?? DEFAULT_WAIT_MS);
    return new Promise((resolve, reject) => {
      let settling: NodeJS.Timeout | undefined;
      const done = (error?: Error) => {
        clearTimeout(timer);
        clearTimeout(settling);
        this.watchers.delete(look);
        if (error) reject(error);
        else resolve();
      };
      const look = () => {
        clearTimeout(settling);
        if (check()) {
          if (!options.settleMs) return done();
          settling = setTimeout(() => (check() ? done() : undefined), options.settleMs);
          return;
        }
        if (this.exitCode !== undefined)
          done(
            new Error(`The CLI exited (${this.exitCode}) before ${describe()}. The screen shows:\n${this.screen()}`),
          );
      };
      const timer = setTimeout(
        () =>
          done(new Error(`Timed out after ${limit} ms waiting for ${describe()}. The screen shows:\n${this.screen()}`)),
        limit,
      );
      this.watchers.add(look);
      // What has arrived is parsed first, then looked at once.
      this.term.write("", look);
    });
  }

  /** Waits until the screen (or the scrollback, with `scrollback: true`) shows the text. */
  /**
   * Waits until the screen (or with `scrollback`, the whole transcript) shows `expected`, and returns
   * it. With `settled`, the screen returned is the one once output has been quiet for a frame's
   * settling time: a test that reads more off it than `expected` must not get half a frame.
   */
  async waitFor(
    expected: string | RegExp,
    options: { timeoutMs?: number; scrollback?: boolean; settled?: boolean } = {},
  ): Promise<string> {
    let text = "";
    const { settled, ...rest } = options;
    await this.watch(
      () => {
        text = options.scrollback ? this.transcript() : this.screen();
        return typeof expected === "string" ? text.includes(expected) : expected.test(text);
      },
      () => String(expected),
      settled ? { ...rest, settleMs: FRAME_SETTLE_MS } : rest,
    );
    return text;
  }

  /** Waits until the screen no longer shows the text (a spinner gone: the turn is over). */
  async waitForGone(text: string, timeoutMs?: number): Promise<void> {
    await this.watch(
      () => !this.screen().includes(text),
      () => `${text} to go`,
      { ...(timeoutMs ? { timeoutMs } : {}), settleMs: FRAME_SETTLE_MS },
    );
  }

  /** Waits until more output than `length` characters has arrived (something was redrawn). */
  async waitForOutput(length: number, timeoutMs?: number): Promise<void> {
    await this.watch(
      () => this.output.length > length,
      () => `output past ${length} characters`,
      timeoutMs ? { timeoutMs } : {},
    );
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

  async exit(timeoutMs = 10_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<number>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`The CLI did not exit. The screen shows:\n${this.screen()}`)),
            scaledTimeout(timeoutMs),
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    try {
      this.process.kill();
    } catch {
      // Already gone.
    }
  }
}
