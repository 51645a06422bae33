import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareSession } from "@pincer/runtime";
import { commandLineAdvice, commandLineStop } from "../output/command-line-advice.js";
import { createProgressRenderer } from "../output/progress.js";
import { createStyle } from "../output/style.js";

export const DEMO_PROMPT =
  "Create fizzbuzz.js exporting fizzbuzz(n) (an array of strings for 1..n) and fizzbuzz.test.js that checks 1..15 with node:assert. Run the test and fix whatever fails.";

/**
 * The quick-start demo: a recorded model drives the real kernel and the real core tools through
 * a small coding task in a scratch folder. Everything but the model's words is live.
 */
export async function runDemo(options: {
  home: string;
  env: NodeJS.ProcessEnv;
  paceMs?: number;
  /** `--dangerously-run-unconfined`: its commands run without the OS sandbox, unasked. */
  unconfined?: boolean;
}): Promise<number> {
  const stdout = process.stdout;
  const style = createStyle(stdout, options.env);
  const scratch = mkdtempSync(join(tmpdir(), "pincer-demo-"));
  const started = Date.now();
  stdout.write(
    `${style.bold("Pincer demo")}\n` +
      `${style.dim("model:")}   replay/coding-demo ${style.yellow("(a recorded model, replayed offline: no network, no API key)")}\n` +
      `${style.dim("kernel, tools, permissions, session:")} real\n` +
      `${style.dim("scratch:")} ${scratch}\n` +
      `${style.dim("prompt:")}  ${DEMO_PROMPT}\n\n`,
  );
  const { kernel, session, dispose } = await prepareSession({
    cwd: scratch,
    home: options.home,
    env: options.env,
    model: "replay/coding-demo",
    permissionMode: "acceptEdits",
    allowedTools: ["bash(node:*)"],
    providerConfig: { replay: { delayMs: options.paceMs ?? 12 } },
    ...(options.unconfined ? { unconfined: true } : {}),
    advice: commandLineAdvice,
    writer: "pincer demo",
  });
  kernel.subscribe(createProgressRenderer((text) => stdout.write(text), style));
  const result = await kernel.prompt(DEMO_PROMPT).finally(dispose);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const files = readdirSync(scratch).sort().join(", ");
  const ok = result.stopReason === "end_turn";
  stdout.write(
    `\n${ok ? style.green("✓ demo finished") : style.red(`✗ demo stopped: ${commandLineStop(result) ?? result.stopReason}`)} in ${seconds}s · ` +
      `${result.steps} model calls · ${result.usage.input + result.usage.output} tokens (replayed)\n` +
      `${style.dim("files:")}   ${files}\n` +
      `${style.dim("session:")} ${session.id} (${session.path})\n` +
      `${style.dim("next:")}    pincer sessions show ${session.id}   ·   pincer -p "…" --model openai/gpt-5\n`,
  );
  return ok ? 0 : 1;
}
