/**
 * The prompt box, drawn by bin.js with nothing but Node before the interactive bundle (React,
 * Ink and its WebAssembly layout engine, ~100 ms) has loaded. The terminal is put in raw mode at
 * once, so keys typed meanwhile wait in the input buffer instead of echoing over the screen; Ink
 * reads them when it starts, after wiping this frame and drawing its own in the same place.
 */
const FRAME = Symbol.for("pincer.firstFrame");
type Holder = { [FRAME]?: number };

export function drawFirstFrame(stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream, env: NodeJS.ProcessEnv): void {
  const color = !env.NO_COLOR && env.TERM !== "dumb";
  const dim = (text: string) => (color ? `\x1b[90m${text}\x1b[39m` : text);
  // One column short of the edge: a line that fills the last column wraps early on some terminals.
  const width = Math.max(12, (stdout.columns || 80) - 1);
  const inner = width - 4;
  const placeholder = "Starting…".padEnd(inner - 3).slice(0, inner - 3);
  const lines = [
    "",
    dim(`╭${"─".repeat(width - 2)}╮`),
    `${dim("│")} › \x1b[7m \x1b[27m${dim(placeholder)}${dim("│")}`,
    dim(`╰${"─".repeat(width - 2)}╯`),
  ];
  stdin.setRawMode?.(true);
  stdout.write(`${lines.join("\n")}\n`);
  (process as Holder)[FRAME] = lines.length;
}

/** Removes the first frame (cursor up over its lines, clear below), if this process drew one. */
export function eraseFirstFrame(stdout: NodeJS.WriteStream): void {
  const holder = process as Holder;
  const lines = holder[FRAME];
  if (!lines) return;
  delete holder[FRAME];
  stdout.write(`\x1b[${lines}A\r\x1b[0J`);
}
