import type { DrivenEvent } from "@pincer/sdk";

const MAX_RESULT_LINES = 6;
/** Live output lines shown per tool call; the rest is counted, not printed. */
const MAX_LIVE_LINES = 8;

/**
 * Live, human-readable progress of an unattended run, one line at a time (ctx.progress: stderr on
 * the command line): what the model says, each tool call as it starts, its output tail while it
 * runs, how it ended, and what was refused, retried or guarded.
 */
export function createProgressRenderer(line: (text: string) => void): (event: DrivenEvent) => void {
  const liveLines = new Map<string, number>();
  return (event) => {
    switch (event.type) {
      case "text":
        for (const text of event.text.trim().split("\n")) line(text);
        break;
      case "tool_start":
        line(`● ${event.name} ${describeArgs(event.args)}`);
        break;
      case "tool_update":
        for (const text of event.text.split("\n").filter(Boolean)) {
          const shown = (liveLines.get(event.toolCallId) ?? 0) + 1;
          liveLines.set(event.toolCallId, shown);
          if (shown <= MAX_LIVE_LINES) line(`  │ ${text}`);
        }
        break;
      case "tool_end": {
        const streamed = liveLines.get(event.toolCallId) ?? 0;
        liveLines.delete(event.toolCallId);
        const lines = event.text.trimEnd().split("\n");
        const mark = event.isError ? "✗" : "✓";
        // Output already shown live is summarised by its last line (the exit code).
        const summary =
          streamed > 0
            ? `${streamed > MAX_LIVE_LINES ? `${streamed - MAX_LIVE_LINES} more lines · ` : ""}${lines.at(-1)}`
            : lines[0];
        line(`  ${mark} ${event.name} · ${(event.durationMs / 1000).toFixed(1)}s · ${summary}`);
        if (event.isError && streamed === 0 && lines.length > 1) {
          const rest = lines.slice(1, MAX_RESULT_LINES).map((entry) => `    ${entry}`);
          if (lines.length > MAX_RESULT_LINES) rest.push(`    … ${lines.length - MAX_RESULT_LINES} more lines`);
          line(rest.join("\n"));
        }
        break;
      }
      case "retry":
        line(`↻ ${event.error} — retrying in ${(event.delayMs / 1000).toFixed(1)}s (attempt ${event.attempt})`);
        break;
      case "denied":
        line(`⊘ ${event.name} not allowed: ${event.reason}`);
        break;
      case "compaction":
        line(`⇣ compacted the conversation: ~${event.tokensBefore} → ~${event.tokensAfter} tokens`);
        break;
      case "loop_guard":
        line(`⟳ loop guard: ${event.message}`);
        break;
      case "warning":
        line(`! ${event.message}`);
        break;
      case "dropped":
        line(`! ${event.count} events were not shown (too many at once)`);
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
