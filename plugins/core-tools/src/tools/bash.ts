import { defineTool } from "@pincer/sdk";

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_TIMEOUT_MS = 600_000;
const MAX_OUTPUT_BYTES = 30_000;

export const bash = defineTool<{
  command: string;
  timeout_ms?: number;
  description?: string;
  run_in_background?: boolean;
}>({
  name: "bash",
  description:
    "Run a command with bash -c in the working directory; stdout and stderr interleaved, long output keeps its tail. Timeout 120000 ms unless timeout_ms says (at most 600000). run_in_background: returns at once with an id.",
  kind: "execute",
  parameters: {
    type: "object",
    properties: {
      command: { type: "string", minLength: 1 },
      timeout_ms: { type: "integer", minimum: 1, maximum: MAX_TIMEOUT_MS },
      description: { type: "string", description: "What it does, in a few words" },
      run_in_background: { type: "boolean" },
    },
    required: ["command"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "command", value: args.command }),
  async execute(args, ctx) {
    if (args.run_in_background) {
      // Same checks, sandbox and environment as a command run in the foreground; no timeout.
      const id = await ctx.exec.start(args.command, { cwd: ctx.cwd });
      return {
        content: `Started in the background as ${id}. Read its output with bash_output, stop it with kill_shell.`,
        details: { backgroundId: id },
      };
    }
    const result = await ctx.exec.run(args.command, {
      cwd: ctx.cwd,
      timeoutMs: args.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      signal: ctx.signal,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      onOutput: (chunk) => ctx.onUpdate(chunk),
    });
    const parts: string[] = [];
    if (result.truncatedBytes > 0) parts.push(`[output truncated: first ${result.truncatedBytes} bytes dropped]`);
    if (result.output) parts.push(result.output.trimEnd());
    if (result.timedOut)
      parts.push(
        `timed out after ${args.timeout_ms ?? DEFAULT_TIMEOUT_MS} ms; the command and its children were killed`,
      );
    else if (result.aborted) parts.push("interrupted; the command and its children were killed");
    else parts.push(result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`);
    return {
      content: parts.join("\n"),
      // A failing command is information for the model, not a tool failure; a killed one is.
      isError: result.timedOut || result.aborted,
      details: {
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        truncatedBytes: result.truncatedBytes,
      },
    };
  },
});
