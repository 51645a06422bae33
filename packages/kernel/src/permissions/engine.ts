import picomatch from "picomatch";
import type { ToolKind } from "../tool.js";
import { commandCoverage, commandHitBy } from "./command.js";
import { pathCoveredBy, pathHitBy } from "./paths.js";
import { parseRule } from "./rules.js";
import type {
  PermissionAction,
  PermissionDecision,
  PermissionMode,
  PermissionRequest,
  PermissionRule,
  RuleSource,
} from "./types.js";

/** How each source reads in a sentence: `denied by rule "…" from project settings`. */
export const RULE_SOURCE_NAMES: Readonly<Record<RuleSource, string>> = {
  user: "user settings",
  project: "project settings",
  local: "this project's local settings",
  flag: "the command line",
  session: "this session",
  default: "the defaults",
};

const KIND_DESCRIPTIONS: Readonly<Record<ToolKind, string>> = {
  read: "only reads",
  edit: "edits files",
  execute: "runs commands",
  other: "can change things",
};

/** Why the allow rules did not settle a call, when that is worth telling. */
type AllowOutcome = { rules: PermissionRule[] } | { rules?: undefined; note?: string };

/**
 * Decides each tool call: any matching deny rule, then ask, then allow, then the mode.
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

  /** Adds a rule (e.g. an "always allow" answer); a rule already present is not added twice. */
  addRule(rule: PermissionRule): void {
    const present = this.ruleList.some(
      (existing) =>
        existing.action === rule.action &&
        existing.tool === rule.tool &&
        existing.pattern === rule.pattern &&
        existing.source === rule.source,
    );
    if (!present) this.ruleList.push(rule);
  }

  /** Takes out a rule added with addRule (a grant for one command's turn); absent: nothing happens. */
  removeRule(rule: PermissionRule): void {
    const index = this.ruleList.indexOf(rule);
    if (index >= 0) this.ruleList.splice(index, 1);
  }

  evaluate(request: PermissionRequest): PermissionDecision {
    const deny = this.ruleList.find((rule) => rule.action === "deny" && ruleHits(rule, request));
    if (deny) return { action: "deny", rule: deny, reason: `denied by ${describeRule(deny)}` };

    const ask = this.ruleList.find((rule) => rule.action === "ask" && ruleHits(rule, request));
    if (ask && this.currentMode === "bypassPermissions") {
      return { action: "allow", rule: ask, reason: `bypassPermissions mode skips asking for ${describeRule(ask)}` };
    }
    if (ask) return { action: "ask", rule: ask, reason: `${describeRule(ask)} says to ask first` };

    // Plan mode is read-only whatever the allow rules say: the user asked for a plan, not changes.
    if (this.currentMode === "plan" && request.kind !== "read") return this.byMode(request, undefined);

    const allow = this.findAllow(request);
    if (allow.rules) {
      return {
        action: "allow",
        rule: allow.rules[0]!,
        reason: `allowed by ${allow.rules.map(describeRule).join(" and ")}`,
      };
    }
    return this.byMode(request, allow.note);
  }

  /**
   * The allow rules that together allow the call. A bare tool rule allows every call of the tool.
   * A compound command needs every part allowed, each by some rule, and nothing hidden in it.
   */
  private findAllow(request: PermissionRequest): AllowOutcome {
    const allows = this.ruleList.filter((rule) => rule.action === "allow" && toolMatches(rule.tool, request.toolName));
    const bare = allows.find((rule) => !rule.pattern);
    if (bare) return { rules: [bare] };
    const subject = request.subject;
    if (!subject) return {};
    if (subject.kind === "path") {
      const rule = allows.find((candidate) => pathCoveredBy(subject.value, candidate.pattern!, request.cwd));
      return rule ? { rules: [rule] } : {};
    }
    if (subject.kind === "text") {
      const rule = allows.find((candidate) => textMatches(subject.value, candidate.pattern!));
      return rule ? { rules: [rule] } : {};
    }
    const coverage = commandCoverage(
      subject.value,
      allows.map((rule) => rule.pattern!),
    );
    if (coverage.covered) return { rules: [...new Set(coverage.patternIndexes.map((index) => allows[index]!))] };
    // Only worth explaining when some rule was close: otherwise the mode's reason says it all.
    if (allows.length === 0) return {};
    if ("opaque" in coverage) {
      const hidden =
        coverage.opaque === "substitution"
          ? "$(…) or backticks"
          : coverage.opaque === "here-document"
            ? "a here-document"
            : "an unterminated quote";
      return { note: `no allow rule covers a command containing ${hidden}` };
    }
    if (!coverage.uncoveredPart) return {};
    const why = coverage.why ? ` (${coverage.why}, so a rule must spell that out)` : "";
    return { note: `no allow rule covers "${coverage.uncoveredPart}"${why}` };
  }

  private byMode(request: PermissionRequest, note: string | undefined): PermissionDecision {
    const { kind, toolName } = request;
    const does = `${toolName} ${KIND_DESCRIPTIONS[kind]}`;
    const decide = (action: PermissionAction, reason: string): PermissionDecision => ({
      action,
      reason: note && action === "ask" ? `${reason}; ${note}` : reason,
    });
    switch (this.currentMode) {
      case "bypassPermissions":
        return decide("allow", "bypassPermissions mode allows every call that no deny rule forbids");
      case "plan":
        return kind === "read"
          ? decide("allow", `${does}, which plan mode allows`)
          : decide("deny", `plan mode is read-only and ${does}; leave plan mode to make changes`);
      case "acceptEdits":
        if (kind === "read" || kind === "edit") return decide("allow", `${does}, which acceptEdits mode allows`);
        return decide("ask", `${does}, and acceptEdits mode still asks before that`);
      case "default":
        if (kind === "read") return decide("allow", `${does}, which default mode allows`);
        return decide("ask", `${does}, and default mode asks before that`);
    }
  }
}

/** `rule "bash(rm:*)" from project settings`. */
function describeRule(rule: PermissionRule): string {
  return `rule "${rule.text}" from ${RULE_SOURCE_NAMES[rule.source]}`;
}

/**
 * Exact, or `*` as a wildcard: `mcp__github__*`. Case-insensitive, so rules copied from Claude
 * Code settings (`Bash(npm test:*)`, `Read(~/.ssh/**)`) apply to Pincer's tools as written.
 */
function toolMatches(ruleTool: string, toolName: string): boolean {
  if (!ruleTool.includes("*")) return ruleTool.toLowerCase() === toolName.toLowerCase();
  const source = ruleTool
    .split("*")
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(toolName);
}

function textMatches(text: string, pattern: string): boolean {
  return picomatch.isMatch(text, pattern, { dot: true, nonegate: true });
}

/** For deny and ask rules: whether the rule applies to any part of the call. */
function ruleHits(rule: PermissionRule, request: PermissionRequest): boolean {
  if (!toolMatches(rule.tool, request.toolName)) return false;
  if (!rule.pattern) return true;
  const subject = request.subject;
  if (!subject) return false;
  switch (subject.kind) {
    case "command":
      return commandHitBy(subject.value, rule.pattern);
    case "path":
      return pathHitBy(subject.value, rule.pattern, request.cwd);
    case "text":
      return textMatches(subject.value, rule.pattern);
  }
}

type PermissionsConfig = { allow?: string[]; ask?: string[]; deny?: string[] };

/**
 * Rules from a Claude Code-style `permissions` block (`{ "allow": [...], "deny": [...] }`).
 * Errors name the source, the list and the bad rule, so the user knows which file to fix.
 */
export function rulesFromConfig(config: PermissionsConfig, source: RuleSource): PermissionRule[] {
  const where = RULE_SOURCE_NAMES[source];
  // Settings come from JSON files: check the shape the types promise.
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new Error(
      `In ${where}, "permissions" must be an object like {"allow": ["bash(npm test:*)"], "deny": ["read(.env)"]}.`,
    );
  }
  const rules: PermissionRule[] = [];
  for (const action of ["allow", "ask", "deny"] as const) {
    const texts: unknown = config[action];
    if (texts === undefined) continue;
    if (!Array.isArray(texts)) {
      throw new Error(`In ${where}, permissions.${action} must be a list of rules like ["bash(npm test:*)"].`);
    }
    texts.forEach((text: unknown, index) => {
      if (typeof text !== "string") {
        throw new Error(`In ${where}, permissions.${action}[${index}] must be a string like "bash(npm test:*)".`);
      }
      try {
        rules.push(parseRule(text, action, source));
      } catch (error) {
        throw new Error(`In ${where}, permissions.${action}: ${(error as Error).message}`);
      }
    });
  }
  return rules;
}
