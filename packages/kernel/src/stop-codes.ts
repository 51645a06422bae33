import type { LoopKind } from "./loop-guard.js";
import { describeEstimate } from "./permissions/budget.js";
import type { CostEstimate } from "./tool.js";

/**
 * Why a turn stopped and why a call was refused, as codes with their data. The kernel's own
 * messages name no front end's controls (no `--flag`, no `/command`): each front end words its own
 * advice from these (the CLI names its flags, serve its request fields, the terminal its commands).
 */
export type TurnStop =
  | { code: "max_turns"; limit: number }
  | { code: "loop_guard"; kind: LoopKind }
  /** A prompt hook refused the prompt, or a hook stopped the session (a `halt` verdict). */
  | { code: "blocked"; reason: string }
  | { code: "error"; message: string };

export type PermissionDenial =
  /** A deny rule or the mode refused it (plan mode, say). */
  | { code: "denied"; tool: string; reason: string }
  /** It needs a person's approval and this session has nobody to ask. */
  | { code: "denied_headless"; tool: string; reason: string; suggestedRules: string[]; estimate?: CostEstimate }
  /** Only a person may approve it (a hook asked, or recurring spending), and nobody can here. */
  | { code: "needs_person"; tool: string; reason: string; recurring: boolean }
  /** It would take the run past its budget. */
  | {
      code: "budget_exceeded";
      tool: string;
      reason: string;
      estimateUsd: number;
      spentUsd: number;
      capUsd: number;
    }
  /** The person asked said no. */
  | { code: "denied_by_user"; tool: string; message?: string };

/**
 * A front end's words for what the user can do about a refusal, told to the model with the
 * refusal so it can pass them on. Undefined: the kernel's own, which name no front end's controls.
 */
export interface FrontEndAdvice {
  denial?(denial: PermissionDenial): string | undefined;
}

/** The refusal the model reads as the call's result: what happened, then what the user can do. */
export function denialMessage(denial: PermissionDenial, advice?: FrontEndAdvice): string {
  const how = advice?.denial?.(denial) ?? neutralAdvice(denial);
  switch (denial.code) {
    case "denied":
      return `Permission denied: ${denial.reason}. Do not retry this call; choose another approach or ask the user.`;
    case "needs_person":
      return denial.recurring
        ? `Permission denied: ${denial.reason}; nobody can approve it in this session (it needs a human). ${how}`
        : `Permission denied: ${denial.tool} needs a person's approval and nobody can give it in this session: ${denial.reason}.`;
    case "budget_exceeded":
      return `Permission denied: ${denial.reason}${how ? `; ${how}` : ""}. Do not retry this call; choose a cheaper approach or ask the user.`;
    case "denied_headless": {
      const cost = denial.estimate ? `${describeEstimate(denial.estimate)}; ` : "";
      return `Permission denied: ${denial.tool} needs approval (${cost}${denial.reason}) and nobody can approve it in this session. ${how}`;
    }
    case "denied_by_user":
      return `Permission denied by the user${denial.message ? `: ${denial.message}` : ""}. Do not retry this call; ask the user how to proceed.`;
  }
}

/** What the user can do, in words every front end shares. */
function neutralAdvice(denial: PermissionDenial): string {
  switch (denial.code) {
    case "denied_headless": {
      const rules = denial.suggestedRules.map((rule) => `"${rule}"`).join(" ");
      // No suggestion when no narrow rule could allow it: never advise allowing a whole tool.
      const how = rules
        ? `an allow rule (${rules}) or a permission mode`
        : "a permission mode or by running it themselves";
      return `The user can allow it with ${how}${denial.estimate ? ", or give the run a budget" : ""}.`;
    }
    case "needs_person":
      return "Ask the user to run it interactively.";
    case "budget_exceeded":
      return "the user can raise the run's budget to let it run";
    default:
      return "";
  }
}
