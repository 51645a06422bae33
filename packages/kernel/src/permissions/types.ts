import type { CostEstimate, PermissionSubject, ToolKind } from "../tool.js";

/** Claude Code's modes, same names and meaning. */
export type PermissionMode = "default" | "acceptEdits" | "plan" | "bypassPermissions";
export const PERMISSION_MODES: readonly PermissionMode[] = ["default", "acceptEdits", "plan", "bypassPermissions"];

export type PermissionAction = "allow" | "ask" | "deny";

/** Where a rule came from; shown to users so they know which file to edit. */
export type RuleSource = "user" | "project" | "local" | "flag" | "session" | "default";

/** `bash(npm test:*)` parsed: tool name plus optional argument pattern. */
export interface PermissionRule {
  action: PermissionAction;
  tool: string;
  pattern?: string;
  source: RuleSource;
  /** The rule as written, e.g. `bash(npm test:*)`. */
  text: string;
}

export interface PermissionRequest {
  toolName: string;
  kind: ToolKind;
  subject?: PermissionSubject;
  /** What the call would cost, when its tool estimates it (shown when asking, counted by the budget). */
  estimate?: CostEstimate;
  args: Record<string, unknown>;
  cwd: string;
  /**
   * Why a person must answer this one whatever the mode and allow rules say (e.g. the command
   * would run without an OS sandbox); deny rules still deny. With nobody to ask, it is refused
   * with this reason.
   */
  mustAsk?: string;
}

export interface PermissionDecision {
  action: PermissionAction;
  /** The rule that decided, if a rule did (otherwise the mode did). */
  rule?: PermissionRule;
  /** One sentence for users and the model: why. */
  reason: string;
}

/** What the host's resolver answers to an `ask`. */
export interface PermissionAnswer {
  allow: boolean;
  /** "Always allow this pattern": a rule to add for the rest of the session (and persist if the host wants). */
  remember?: PermissionRule;
  /** Told to the model when denied, e.g. what to do instead. */
  message?: string;
}

export type PermissionResolver = (
  request: PermissionRequest & { decision: PermissionDecision; suggestedRule?: string },
  signal: AbortSignal,
) => Promise<PermissionAnswer>;
