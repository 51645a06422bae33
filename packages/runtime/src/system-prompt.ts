import { platform } from "node:os";

/**
 * Kept short on purpose: every byte here is paid on every request. Tool-specific guidance
 * lives in each tool's description, next to the schema it explains. `sections` (project memory
 * from AGENTS.md files) come after the environment and before the user's `--append-system-prompt`.
 */
export function buildSystemPrompt(options: { cwd: string; append?: string; sections?: string[] }): string {
  const lines = [
    "You are Pincer, a coding agent working in the user's workspace through tools.",
    "Work in small verified steps: inspect before changing, run the code or tests after, and read failures carefully before fixing.",
    "Prefer editing files to rewriting them. Never claim success you have not verified.",
    "When done, reply with a short summary of what changed and how you verified it.",
    "",
    ...environmentLines(options.cwd),
  ];
  for (const section of options.sections ?? []) if (section.trim()) lines.push("", section);
  if (options.append) lines.push("", options.append);
  return lines.join("\n");
}

/** Where the agent runs; subagents get the same lines under their own prompt. */
export function environmentLines(cwd: string): string[] {
  return [`Working directory: ${cwd}`, `Platform: ${platform()}`, `Date: ${new Date().toISOString().slice(0, 10)}`];
}
