import type { FrontEndAdvice, PermissionDenial, TurnResult } from "@pincer/kernel";

/**
 * What the user of `pincer -p` (and `pincer <plugin command>`, `pincer demo`) can do, in the command line's
 * words: its flags. The kernel's messages name none; this is where they are named.
 */
export const commandLineAdvice: FrontEndAdvice = {
  denial(denial) {
    if (denial.code === "budget_exceeded") return "raise the cap with --budget <usd> to let it run";
    if (denial.code !== "denied_headless") return undefined;
    // No suggestion when no narrow rule could allow it: never advise allowing a whole tool.
    const how = denial.suggestedRules.length
      ? `--allowedTools ${denial.suggestedRules.map((rule) => `"${rule}"`).join(" ")} or a permission mode`
      : "a permission mode or by running it themselves";
    return `The user can allow it with ${how}${denial.estimate ? ", or give the run a budget with --budget <usd>" : ""}.`;
  },
};

/** Why a run stopped, with what to do about it on the command line; undefined when it ended well. */
export function commandLineStop(result: TurnResult): string | undefined {
  if (result.stop?.code === "max_turns") {
    return `Stopped after ${result.stop.limit} model calls (the --max-turns limit). Run again with --continue to go on, or raise --max-turns.`;
  }
  return result.error;
}

/** A refusal's reason for the result line's `permission_denials`, with the flag that lifts a budget's. */
export function commandLineDenialReason(reason: string, denial: PermissionDenial | undefined): string {
  return denial?.code === "budget_exceeded" ? `${reason}; ${commandLineAdvice.denial?.(denial)}` : reason;
}
