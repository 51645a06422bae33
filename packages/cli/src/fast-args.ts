import { parseArgs } from "node:util";
import { isThinkingLevel, PERMISSION_MODES } from "@pincer/kernel";
import type { HeadlessArgs } from "./headless-args.js";

const OPTIONS = {
  print: { type: "string", short: "p" },
  "output-format": { type: "string" },
  model: { type: "string", short: "m" },
  thinking: { type: "string" },
  "permission-mode": { type: "string" },
  allowedTools: { type: "string", multiple: true },
  disallowedTools: { type: "string", multiple: true },
  "max-turns": { type: "string" },
  budget: { type: "string" },
  continue: { type: "boolean", short: "c" },
  resume: { type: "string", short: "r" },
  fork: { type: "boolean" },
  cwd: { type: "string" },
  "add-dir": { type: "string", multiple: true },
  "append-system-prompt": { type: "string" },
  agent: { type: "string" },
  record: { type: "string" },
  verbose: { type: "boolean" },
  "dangerously-run-unconfined": { type: "boolean" },
} as const;

/**
 * Plain flags parsed without yargs, for the fast paths (`pincer -p "…"`, and plain `pincer` in a
 * terminal). Anything it is not sure of — an unknown flag, a list given yargs-style, help, a prompt
 * from stdin, a bad value — is undefined, and the full CLI parses the same argv and gives its usual
 * answer. `interactive`: no -p, and a terminal on both ends.
 */
export function parseFastArgs(argv: string[]): { args: HeadlessArgs; interactive: boolean } | undefined {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch {
    return undefined;
  }
  const outputFormat = values["output-format"] as string | undefined;
  const mode = values["permission-mode"] as string | undefined;
  const maxTurns = values["max-turns"] as string | undefined;
  const thinking = values.thinking as string | undefined;
  // No -p: the interactive terminal, when there is one (a pipe goes through the full CLI).
  const interactive = values.print === undefined && !!process.stdin.isTTY && !!process.stdout.isTTY;
  if (!interactive && (typeof values.print !== "string" || values.print === "")) return undefined;
  if (interactive && values.record !== undefined) return undefined;
  if (outputFormat !== undefined && !["text", "json", "stream-json"].includes(outputFormat)) return undefined;
  if (mode !== undefined && !(PERMISSION_MODES as readonly string[]).includes(mode)) return undefined;
  if (maxTurns !== undefined && !/^\d+$/.test(maxTurns)) return undefined;
  if (thinking !== undefined && !isThinkingLevel(thinking)) return undefined;
  const args: HeadlessArgs = {
    print: values.print as string | undefined,
    outputFormat,
    model: values.model as string | undefined,
    thinking,
    permissionMode: mode,
    allowedTools: values.allowedTools as string[] | undefined,
    disallowedTools: values.disallowedTools as string[] | undefined,
    maxTurns: maxTurns === undefined ? undefined : Number(maxTurns),
    budget: values.budget as string | undefined,
    continue: values.continue as boolean | undefined,
    resume: values.resume as string | undefined,
    fork: values.fork as boolean | undefined,
    cwd: values.cwd as string | undefined,
    addDir: values["add-dir"] as string[] | undefined,
    appendSystemPrompt: values["append-system-prompt"] as string | undefined,
    agent: values.agent as string | undefined,
    record: values.record as string | undefined,
    verbose: values.verbose as boolean | undefined,
    dangerouslyRunUnconfined: values["dangerously-run-unconfined"] as boolean | undefined,
  };
  return { args, interactive };
}
