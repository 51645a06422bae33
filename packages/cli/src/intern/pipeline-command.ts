import type { Kernel } from "@pincer/kernel";
import { loadPipeline } from "./pipeline.js";
import { type PipelineEvent, runPipeline } from "./pipeline-run.js";
import { exitCodeOf } from "./report.js";
import { type InternRunOptions, runIntern } from "./run.js";

/**
 * `pincer intern run <pipeline.yaml>`: the file is checked first (every mistake listed, exit 2),
 * then the engineer carries out its stages in one unattended run (progress, session upload and
 * final state as for `pincer intern "<task>"`).
 */
export async function runPipelineCommand(file: string, options: Omit<InternRunOptions, "task">): Promise<number> {
  const pipeline = loadPipeline(file);
  const outcome = await runIntern({
    ...options,
    ...(pipeline.runner && !options.runner ? { runner: pipeline.runner } : {}),
    task: `Pipeline ${pipeline.name}: ${pipeline.task}`,
    work: async (kernel: Kernel, write) => {
      const result = await runPipeline(pipeline, {
        kernel,
        cwd: options.cwd,
        onProgress: (event) => write(describePipelineEvent(event)),
      });
      return { ok: result.status === "done", summary: `${result.summary}\nResults: ${result.files.markdown}` };
    },
  });
  return exitCodeOf(outcome);
}

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
