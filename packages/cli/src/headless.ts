import {
  emptyUsage,
  jsonChunks,
  type KernelEvent,
  piecesOf,
  SessionBusyError,
  type TurnResult,
  textPieces,
} from "@pincer/kernel";
import { prepareSession, type SessionOptions } from "@pincer/runtime";
import { abortOnSignals, exitCodeFor } from "./abort-on-signal.js";
import { runHeadlessCommand } from "./headless-command.js";
import {
  assistantLine,
  initLine,
  type PermissionDenial,
  resultLine,
  spendSummary,
  toolResultLine,
} from "./output/claude-format.js";
import { commandLineAdvice, commandLineDenialReason, commandLineStop } from "./output/command-line-advice.js";
import { writePaced } from "./output/paced-write.js";
import { EXIT_PIPE_CLOSED, watchPipes } from "./output/pipe-closed.js";
import { createProgressRenderer } from "./output/progress.js";
import { createStyle } from "./output/style.js";
import { sessionBusyMessage } from "./session-args.js";

export type OutputFormat = "text" | "json" | "stream-json";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Characters of a text answer per write. */
const TEXT_SLICE = 1 << 20;

/** One JSON line in pieces, made as they are written. */
function* jsonLine(value: unknown): Generator<string> {
  yield* jsonChunks(value);
  yield "\n";
}

/**
 * A text answer a mebibyte at a time, ending in a newline: read from its flat pieces where the
 * kernel kept them (long-text.ts), so a long answer is never flattened into one more copy.
 */
function* textSlices(pieces: readonly string[]): Generator<string> {
  for (const piece of pieces)
    for (let at = 0; at < piece.length; at += TEXT_SLICE) yield piece.slice(at, at + TEXT_SLICE);
  const last = pieces.findLast((piece) => piece.length > 0);
  if (last && !last.endsWith("\n")) yield "\n";
}

export interface HeadlessOptions extends SessionOptions {
  prompt: string;
  outputFormat: OutputFormat;
  /** Show live progress on stderr (default: when stderr is a terminal and the format is text). */
  verbose?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * `pincer -p`: one prompt, run to the end, reported in the requested format. Returns the exit
 * code: 0 done, 1 the run failed (provider error, max turns, denied, interrupted).
 */
export async function runHeadless(options: HeadlessOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const started = Date.now();
  const prepared = await prepareSession({ ...options, advice: commandLineAdvice }).catch((error: Error) => {
    if (!(error instanceof SessionBusyError)) throw error;
    throw new Error(sessionBusyMessage(error, "continue in a copy of it: add --fork"));
  });
  const { kernel, session, mode, warnings, dispose, theme, expandMcpPrompt } = prepared;
  const showProgress = options.verbose ?? (options.outputFormat === "text" && !!stderr.isTTY);
  const style = createStyle(stderr, options.env, showProgress ? await theme() : undefined);

  // `pincer -p … | head -1`: once the reader has gone, the turn stops and the session is kept.
  const pipes = watchPipes([stdout, stderr], () => kernel.abort("the output pipe was closed"));
  const write = (stream: NodeJS.WritableStream, text: string) => {
    if (!pipes.closed()) stream.write(text);
  };
  for (const warning of warnings) write(stderr, `${style.yellow("!")} ${warning}\n`);
  const denials: PermissionDenial[] = [];
  // Lines are written in order by one paced writer (events come faster than a slow reader takes
  // them), each in pieces: a 50 MB answer goes a mebibyte at a time through one reused buffer,
  // not as fifty fresh Buffers queued at once. `written` is when every line so far is out.
  let written = Promise.resolve();
  const emitLine = (value: unknown) => {
    written = written.then(() => writePaced(stdout, jsonLine(value), pipes.closed));
  };
  let pendingInit: Extract<KernelEvent, { type: "session_start" }> | undefined;
  kernel.subscribe((event: KernelEvent) => {
    if (event.type === "permission" && !event.allowed) {
      denials.push({
        tool_name: event.name,
        tool_use_id: event.toolCallId,
        reason: commandLineDenialReason(event.decision.reason, event.denial),
      });
    }
    if (options.outputFormat !== "stream-json") return;
    // The init line waits for the first request: MCP servers register their tools when the prompt
    // is submitted, after session_start, and a client reads the session's tools from this line.
    if (event.type === "session_start") pendingInit = event;
    else if ((event.type === "request_start" || event.type === "turn_end") && pendingInit) {
      emitLine(initLine({ ...pendingInit, tools: kernel.listTools().map((tool) => tool.name) }, mode));
      pendingInit = undefined;
    }
    if (event.type === "session_start") return;
    else if (event.type === "assistant_message") emitLine(assistantLine(event.message, session.id));
    else if (event.type === "tool_end") emitLine(toolResultLine(event.result, session.id));
  });
  if (showProgress) kernel.subscribe(createProgressRenderer((text) => write(stderr, text), style));
  else {
    kernel.on("warning", (event) => write(stderr, `${style.yellow("!")} ${event.message}\n`));
    kernel.on("retry", (event) =>
      write(stderr, `${style.yellow("↻")} ${event.error}; retrying in ${(event.delayMs / 1000).toFixed(1)}s\n`),
    );
  }

  // A plugin's command (`-p "/name args"`) is cancelled by the same signals as a turn.
  const commandCancel = new AbortController();
  const signals = abortOnSignals(
    (reason) => {
      commandCancel.abort();
      kernel.abort(reason);
    },
    {
      // A turn that does not stop when asked (a tool ignoring its signal) must not hold the run: what is
      // on disk is a whole session, as after a crash, and the next --resume marks the cut-off call.
      graceMs: 5000,
      stuck: (signal) => {
        write(
          stderr,
          `${style.red("✗")} Interrupted by ${signal}; the turn did not stop within 5 s, so the run ends now.\n` +
            `  The session is saved up to its last entry. Continue it with: pincer --resume ${session.id}\n`,
        );
      },
    },
  );
  let result: TurnResult;
  try {
    const command = await runHeadlessCommand(prepared, options.prompt, {
      cwd: options.cwd,
      signal: commandCancel.signal,
      progress: (line) => write(stderr, `${style.dim("…")} ${line.trimEnd()}\n`),
    }).catch((error: Error) => {
      write(stderr, `${style.red("✗")} ${error.message}\n`);
      return { failed: error.message };
    });
    if (command && "failed" in command) {
      result = { stopReason: "error", steps: 0, usage: emptyUsage(), text: "", error: command.failed };
    } else if (command && command.prompt === undefined) {
      result = { stopReason: "end_turn", steps: 0, usage: emptyUsage(), text: command.text ?? "" };
    } else {
      if (command?.text && options.outputFormat === "text") write(stdout, `${command.text}\n`);
      // `/mcp__<server>__<prompt> args`: the server's prompt, filled in, is what the model gets.
      const mcpPrompt =
        !command && options.prompt.trimStart().startsWith("/mcp__") ? await expandMcpPrompt(options.prompt) : undefined;
      // `/name args` for a markdown command or skill: its turn (prompt, tools, model); an unknown
      // name is an error listing the close matches, and nothing reaches the model.
      const slash =
        command || mcpPrompt !== undefined
          ? ({ kind: "none" } as const)
          : await prepared.slash
              .expand(options.prompt, {
                signal: commandCancel.signal,
                known: prepared.registry.listCommands().map((item) => item.name),
              })
              .catch((error: Error) => ({ kind: "failed" as const, message: error.message }));
      if (slash.kind === "unknown" || slash.kind === "failed") {
        // Nothing was sent, so there is no session to resume: said, and (in JSON) reported as an error.
        write(stderr, `${style.red("✗")} ${slash.message}\n`);
        if (options.outputFormat !== "text") {
          const failed: TurnResult = {
            stopReason: "error",
            steps: 0,
            usage: emptyUsage(),
            text: "",
            error: slash.message,
          };
          emitLine(resultLine({ result: failed, sessionId: session.id, durationMs: Date.now() - started, denials }));
        }
        return slash.kind === "unknown" ? EXIT.usage : EXIT.failed;
      }
      if (slash.kind === "turn") {
        for (const note of slash.turn.notes) write(stderr, `${style.yellow("!")} ${note}\n`);
        result = await prepared.slash.run(slash.turn);
      } else result = await kernel.prompt(command?.prompt ?? mcpPrompt ?? options.prompt);
    }
  } finally {
    signals.release();
    // Every line emitted so far is out before the run's last one (or its error).
    await written;
    dispose();
  }

  const stopped = commandLineStop(result);
  const summary = resultLine({
    result: stopped ? { ...result, error: stopped } : result,
    textPieces: piecesOf(result, "text"),
    sessionId: session.id,
    durationMs: Date.now() - started,
    denials,
    spend: kernel.spending.breakdown(),
  });
  const spent = spendSummary(kernel.spending.breakdown());
  if (spent) write(stderr, `${style.dim("$")} ${spent}\n`);
  if (options.outputFormat === "text") {
    await writePaced(stdout, textSlices(textPieces(result, "text")), pipes.closed);
  } else {
    await writePaced(stdout, jsonLine(summary), pipes.closed);
  }
  const signalled = signals.signalled();
  if (result.stopReason !== "end_turn") {
    const why = signalled ? `Interrupted by ${signalled}` : (stopped ?? `The run ended: ${result.stopReason}`);
    write(
      stderr,
      `${style.red("✗")} ${why}\n  The session is saved. Continue it with: pincer --resume ${session.id}\n`,
    );
  }
  if (signalled) return exitCodeFor(signalled);
  if (pipes.closed()) return EXIT_PIPE_CLOSED;
  return summary.is_error ? EXIT.failed : EXIT.ok;
}
