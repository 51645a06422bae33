import type { PipelineEvent } from "./pipeline-run.js";

/** One line per pipeline step, between the tool calls of the progress stream. */
export function describePipelineEvent(event: PipelineEvent): string {
  switch (event.type) {
    case "stage_start":
      return `\n▶ stage ${event.index + 1}/${event.total}: ${event.stage} (${event.kind})\n`;
    case "stage_end":
      return `■ stage ${event.stage}: ${event.status}${event.reason ? ` (${event.reason})` : ""} · ${(event.durationMs / 1000).toFixed(1)}s\n`;
    case "run_start":
      return `  ▷ run ${event.index + 1}/${event.total} ${event.run}\n`;
    case "run_end":
      return `  □ run ${event.run}: ${event.status}${event.value !== undefined ? ` = ${event.value}` : ""}${event.reason ? ` (${event.reason})` : ""}\n`;
    case "repair":
      return `  ↻ repair ${event.attempt}/${event.of} of ${event.run ?? event.stage}: ${event.problems.join("; ")}\n`;
    case "selected":
      return `★ selected ${event.run}: ${event.metric} = ${event.value}\n`;
    case "pipeline_end":
      return `\n${event.status === "done" ? "✓" : "✗"} pipeline ${event.status}${event.stoppedAt ? ` at ${event.stoppedAt}` : ""}\n`;
  }
}
