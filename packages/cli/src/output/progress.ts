import type { KernelEvent } from "@pincer/kernel";
import { messageText } from "@pincer/kernel";
import { planFromResult, planSummary } from "./plan.js";
import type { Style } from "./style.js";

const MAX_RESULT_LINES = 6;
/** Live output lines shown per tool call; the rest is counted, not printed. */
const MAX_LIVE_LINES = 8;

/**
 * Live, human-readable progress: streamed text as it arrives, each tool call as it starts,
 * its output tail while it runs, and how it ended.
 */
export function createProgressRenderer(write: (text: string) => void, style: Style) {
  let atLineStart = true;
  let inThinking = false;
  const liveLines = new Map<string, number>();
  const out = (text: string) => {
    if (!text) return;
    write(text);
    atLineStart = text.endsWith("\n");
  };
  const line = (text: string) => {
    if (!atLineStart) out("\n");
    out(`${text}\n`);
  };

  return (event: KernelEvent) => {
    switch (event.type) {
      case "stream": {
        const delta = event.event;
        if (delta.type === "text_delta") {
          if (inThinking) {
            line("");
            inThinking = false;
          }
          out(delta.text);
        } else if (delta.type === "thinking_delta") {
          inThinking = true;
          out(style.dim(delta.text));
        }
        break;
      }
      case "tool_start":
        line(`${style.cyan("●")} ${style.bold(event.name)} ${style.dim(describeArgs(event.args))}`);
        break;
      case "tool_update":
        for (const text of event.partial.split("\n").filter(Boolean)) {
          const shown = (liveLines.get(event.toolCallId) ?? 0) + 1;
          liveLines.set(event.toolCallId, shown);
          if (shown <= MAX_LIVE_LINES) line(style.dim(`  │ ${text}`));
        }
        break;
      case "tool_end": {
        const streamed = liveLines.get(event.toolCallId) ?? 0;
        liveLines.delete(event.toolCallId);
        const lines = messageText(event.result).trimEnd().split("\n");
        const mark = event.result.isError ? style.red(style.symbols.failure) : style.green(style.symbols.success);
        // The plan the model keeps: where it stands, one line per update, so its progress reads as it changes.
        const plan = planFromResult(event.name, event.result);
        if (plan) {
          line(`  ${mark} ${style.bold("plan")} ${style.dim(planSummary(plan))}`);
          break;
        }
        // Output already shown live is summarised by its last line (the exit code).
        const summary =
          streamed > 0
            ? `${streamed > MAX_LIVE_LINES ? `${streamed - MAX_LIVE_LINES} more lines · ` : ""}${lines.at(-1)}`
            : lines[0];
        line(`  ${mark} ${style.dim(`${event.name} · ${(event.durationMs / 1000).toFixed(1)}s · ${summary}`)}`);
        if (event.result.isError && streamed === 0 && lines.length > 1) {
          const rest = lines.slice(1, MAX_RESULT_LINES).map((entry) => `    ${entry}`);
          if (lines.length > MAX_RESULT_LINES) rest.push(`    … ${lines.length - MAX_RESULT_LINES} more lines`);
          line(style.dim(rest.join("\n")));
        }
        break;
      }
      case "retry":
        line(
          style.yellow(
            `↻ ${event.error} — retrying in ${(event.delayMs / 1000).toFixed(1)}s (attempt ${event.attempt})` +
              (event.discarded ? "; the partial answer above is discarded and starts again" : ""),
          ),
        );
        break;
      case "permission":
        if (!event.allowed) line(style.yellow(`⊘ ${event.name} not allowed: ${event.decision.reason}`));
        break;
      case "compaction":
        line(style.dim(`⇣ compacted the conversation: ~${event.tokensBefore} → ~${event.tokensAfter} tokens`));
        break;
      case "loop_guard":
        line(style.yellow(`⟳ loop guard (${event.kind}): ${event.message}`));
        break;
      case "warning":
        line(style.yellow(`! ${event.message}`));
        break;
      case "subscriber_error":
        line(style.red(`! an event listener failed on ${event.eventType}: ${event.error}`));
        break;
      case "turn_end":
        if (!atLineStart) out("\n");
        break;
    }
  };
}

function describeArgs(args: Record<string, unknown>): string {
  if (Array.isArray(args.todos)) return `${args.todos.length} steps`;
  const primary = args.command ?? args.path ?? args.pattern ?? args.description;
  if (typeof primary === "string") return primary.length > 100 ? `${primary.slice(0, 97)}…` : primary;
  const json = JSON.stringify(args);
  return json.length > 100 ? `${json.slice(0, 97)}…` : json;
}
