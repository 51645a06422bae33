import { type BackgroundOutput, defineTool } from "@pincer/sdk";

/** What one read gives the model at most: the tail, as the bash tool keeps it. */
const MAX_READ_BYTES = 30_000;

/**
 * Claude Code's BashOutput: a background command's new output since the last read. It touches
 * nothing but what this session started, so it never asks (like todo).
 */
export const bashOutput = defineTool<{ bash_id: string; filter?: string }>({
  name: "bash_output",
  // Needed only after a background bash, whose result names it: offered from then on.
  deferred: true,
  description:
    "New output of a background bash command since the last read, and whether it still runs. filter: a regex; only matching lines are shown.",
  kind: "read",
  parameters: {
    type: "object",
    properties: { bash_id: { type: "string" }, filter: { type: "string" } },
    required: ["bash_id"],
    additionalProperties: false,
  },
  async execute(args, ctx) {
    let pattern: RegExp | undefined;
    try {
      pattern = args.filter ? new RegExp(args.filter) : undefined;
    } catch (error) {
      return { content: `filter is not a valid regular expression: ${(error as Error).message}`, isError: true };
    }
    const read = await ctx.exec.readOutput(args.bash_id, { maxBytes: MAX_READ_BYTES });
    return report(read, pattern);
  },
});

/** Claude Code's KillShell: stops a background command and all it started. */
export const killShell = defineTool<{ shell_id: string }>({
  name: "kill_shell",
  deferred: true,
  description: "Stop a background command and its children.",
  // It can only stop what this session started: no approval needed.
  kind: "read",
  parameters: {
    type: "object",
    properties: { shell_id: { type: "string" } },
    required: ["shell_id"],
    additionalProperties: false,
  },
  async execute(args, ctx) {
    const read = await ctx.exec.kill(args.shell_id, { maxBytes: MAX_READ_BYTES });
    return report(read, undefined, true);
  },
});

function report(read: BackgroundOutput, pattern: RegExp | undefined, killed = false) {
  const lines = read.output.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const shown = pattern ? lines.filter((line) => pattern.test(line)) : lines;
  const state = read.running
    ? "still running"
    : killed
      ? `stopped${read.signal ? ` (${read.signal})` : ""}`
      : read.signal
        ? `killed by ${read.signal}`
        : `exit code ${read.exitCode}`;
  const parts: string[] = [];
  if (read.droppedBytes > 0) parts.push(`[${read.droppedBytes} earlier bytes of output dropped]`);
  if (shown.length > 0) parts.push(shown.join("\n"));
  else parts.push(pattern ? "(no new lines match the filter)" : "(no new output)");
  parts.push(`${read.id}: ${state}`);
  return {
    content: parts.join("\n"),
    details: {
      id: read.id,
      running: read.running,
      exitCode: read.exitCode,
      signal: read.signal,
      droppedBytes: read.droppedBytes,
    },
  };
}
