import picomatch from "picomatch";
import { commandHitBy, commandPartMatches, hasCommandSubstitution, splitCommand } from "./command.js";
import { pathMatches } from "./paths.js";
import { parseRule } from "./rules.js";
import type {
  PermissionAction,
  PermissionDecision,
  PermissionMode,
  PermissionRequest,
  PermissionRule,
  RuleSource,
} from "./types.js";

const SOURCE_NAMES: Record<RuleSource, string> = {
  user: "user settings",
  project: "project settings",
  flag: "the command line",
  session: "this session",
  default: "the defaults",
};

/**
 * Decides each tool call: deny rules, then ask rules, then allow rules, then the mode.
 * Deny rules hold in every mode; bypassPermissions only skips the asking.
 */
export class PermissionEngine {
  private currentMode: PermissionMode;
  private readonly ruleList: PermissionRule[];

  constructor(options: { mode?: PermissionMode; rules?: PermissionRule[] } = {}) {
    this.currentMode = options.mode ?? "default";
    this.ruleList = [...(options.rules ?? [])];
  }

  get mode(): PermissionMode {
    return this.currentMode;
  }

  get rules(): readonly PermissionRule[] {
    return this.ruleList;
  }

  setMode(mode: PermissionMode): void {
    this.currentMode = mode;
  }

  addRule(rule: PermissionRule): void {
    this.ruleList.push(rule);
  }

  evaluate(request: PermissionRequest): PermissionDecision {
    const deny = this.ruleList.find((rule) => rule.action === "deny" && ruleMatches(rule, request));
    if (deny)
      return { action: "deny", rule: deny, reason: `denied by rule "${deny.text}" from ${SOURCE_NAMES[deny.source]}` };
    const ask = this.ruleList.find((rule) => rule.action === "ask" && ruleMatches(rule, request));
    if (ask) {
      if (this.currentMode === "bypassPermissions") {
        return { action: "allow", rule: ask, reason: `bypassPermissions mode skips the ask rule "${ask.text}"` };
      }
      return { action: "ask", rule: ask, reason: `rule "${ask.text}" from ${SOURCE_NAMES[ask.source]} asks first` };
    }
    const allow = this.findAllow(request);
    if (allow)
      return {
        action: "allow",
        rule: allow,
        reason: `allowed by rule "${allow.text}" from ${SOURCE_NAMES[allow.source]}`,
      };
    return this.byMode(request);
  }

  /**
   * An allow rule for the call. A compound command is allowed when each of its parts is
   * allowed by some rule (`npm test 2>&1 | tee log` by `npm test:*` and `tee:*`), and never
   * when it hides a command inside `$(…)` or backticks, unless a bare tool rule allows all.
   */
  private findAllow(request: PermissionRequest): PermissionRule | undefined {
    const allows = this.ruleList.filter((rule) => rule.action === "allow" && toolMatches(rule, request.toolName));
    const bare = allows.find((rule) => !rule.pattern);
    if (bare) return bare;
    const subject = request.subject;
    if (subject?.kind !== "command") return allows.find((rule) => ruleMatches(rule, request));
    if (hasCommandSubstitution(subject.value)) return undefined;
    const parts = splitCommand(subject.value);
    if (parts.length === 0) return undefined;
    let first: PermissionRule | undefined;
    for (const part of parts) {
      const rule = allows.find((candidate) => commandPartMatches(part, candidate.pattern!));
      if (!rule) return undefined;
      first ??= rule;
    }
    return first;
  }

  private byMode(request: PermissionRequest): PermissionDecision {
    const { kind, toolName } = request;
    const decide = (action: PermissionAction, reason: string): PermissionDecision => ({ action, reason });
    switch (this.currentMode) {
      case "bypassPermissions":
        return decide("allow", "bypassPermissions mode allows every call no rule denies");
      case "plan":
        return kind === "read"
          ? decide("allow", `${toolName} only reads`)
          : decide("deny", `plan mode is read-only: ${toolName} would change things; leave plan mode to make changes`);
      case "acceptEdits":
        if (kind === "read") return decide("allow", `${toolName} only reads`);
        if (kind === "edit") return decide("allow", "acceptEdits mode allows file edits");
        return decide("ask", `${toolName} needs approval in acceptEdits mode`);
      default:
        if (kind === "read") return decide("allow", `${toolName} only reads`);
        return decide("ask", `${toolName} needs approval in default mode`);
    }
  }
}

/**
 * `every` (allow rules): every part of a compound command must match.
 * `any` (deny/ask rules): one matching part is enough.
 */
function toolMatches(rule: PermissionRule, toolName: string): boolean {
  return rule.tool.includes("*") ? picomatch.isMatch(toolName, rule.tool) : rule.tool === toolName;
}

function ruleMatches(rule: PermissionRule, request: PermissionRequest): boolean {
  if (!toolMatches(rule, request.toolName)) return false;
  if (!rule.pattern) return true;
  const subject = request.subject;
  if (!subject) return false;
  switch (subject.kind) {
    case "command":
      return commandHitBy(subject.value, rule.pattern);
    case "path":
      return pathMatches(subject.value, rule.pattern, request.cwd);
    case "text":
      return picomatch.isMatch(subject.value, rule.pattern, { dot: true });
  }
}

/** Parses a Claude Code-style `permissions` block; errors name the source and the bad rule. */
export function rulesFromConfig(
  config: { allow?: string[]; ask?: string[]; deny?: string[] },
  source: RuleSource,
): PermissionRule[] {
  const rules: PermissionRule[] = [];
  for (const action of ["allow", "ask", "deny"] as const) {
    for (const text of config[action] ?? []) {
      try {
        rules.push(parseRule(text, action, source));
      } catch (error) {
        throw new Error(`In ${SOURCE_NAMES[source]}, permissions.${action}: ${(error as Error).message}`);
      }
    }
  }
  return rules;
}
