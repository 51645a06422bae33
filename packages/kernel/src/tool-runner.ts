import { addUsage } from "./catalog.js";
import { type EventBus, errorText } from "./events.js";
import type { HookDispatcher } from "./hook-dispatch.js";
import { emptyUsage, type TextContent, type ToolCall, type ToolResultMessage, type Usage } from "./messages.js";
import { checkEstimate, recurringReason, type SpendingBudget } from "./permissions/budget.js";
import type { PermissionEngine } from "./permissions/engine.js";
import { suggestRule, suggestRules } from "./permissions/rules.js";
import type { PermissionDecision, PermissionRequest, PermissionResolver } from "./permissions/types.js";
import type { Redactor } from "./redact.js";
import { denialMessage, type FrontEndAdvice, type PermissionDenial } from "./stop-codes.js";
import type { AnyTool, CostEstimate, PermissionSubject, ToolKind, ToolResult } from "./tool.js";
import { type ToolValidator, validatorFor } from "./tool-validators.js";

/** A tool's cost estimate that has not answered by then is taken as no estimate. */
const ESTIMATE_TIMEOUT_MS = 5000;

export interface ToolRunnerOptions {
  tools: ReadonlyMap<string, AnyTool>;
  permissions: PermissionEngine;
  resolver?: PermissionResolver;
  /** Counts what costed calls spend; with a cap, approves those that fit (see budget.ts). */
  spending?: SpendingBudget;
  /** The loop's hooks, each failure contained (see hook-dispatch.ts). */
  hooks: HookDispatcher;
  bus: EventBus;
  cwd: string;
  /** A tool still running after this long is aborted and reported as timed out. */
  timeoutMs: number;
  /** Tool output beyond this many characters is cut, keeping head and tail. */
  maxResultChars: number;
  /** Told of model usage a call spends through ctx.addUsage (a subagent's turns). */
  addUsage?: (usage: Usage) => void;
  /** Scrubs known secrets out of tool output before the model, the UI or the session see it. */
  redact?: Redactor;
  /** The front end's words for what the user can do about a refusal (see stop-codes.ts). */
  advice?: FrontEndAdvice;
}

/**
 * Runs one tool call the way every tool call runs: hooks, schema validation, permission,
 * execution with abort and timeout, central truncation. Never throws: every failure becomes
 * a tool result the model can act on.
 */
export class ToolRunner {
  /** The subject each running call was approved for, so ctx.authorize does not ask twice. */
  private readonly approvedSubjects = new Map<string, PermissionSubject>();
  /** Calls a person approved (not a rule or the mode): enough for an action that must be asked. */
  private readonly askedCalls = new Set<string>();
  /** Model usage each running call has reported (undefined: none yet), kept on its result message. */
  private readonly callUsage = new Map<string, Usage | undefined>();
  /** Time each running call has spent waiting for a person's answer: not the tool's own time. */
  private readonly personWaitMs = new Map<string, number>();

  constructor(private readonly options: ToolRunnerOptions) {}

  async run(call: ToolCall, argumentError: string | undefined, signal: AbortSignal): Promise<ToolResultMessage> {
    const started = Date.now();
    const { bus } = this.options;
    bus.emit({ type: "tool_start", toolCallId: call.id, name: call.name, args: call.arguments });
    this.callUsage.set(call.id, undefined);
    let result: ToolResult & { isError: boolean };
    try {
      result = await this.execute(call, argumentError, signal);
    } catch (error) {
      result = failure(`Tool ${call.name} failed: ${errorText(error)}`);
    }
    const spent = this.callUsage.get(call.id);
    const waited = this.personWaitMs.get(call.id) ?? 0;
    this.callUsage.delete(call.id);
    this.personWaitMs.delete(call.id);
    this.askedCalls.delete(call.id);
    const message: ToolResultMessage = {
      role: "toolResult",
      toolCallId: call.id,
      toolName: call.name,
      content: this.truncate(
        this.redacted(typeof result.content === "string" ? [{ type: "text", text: result.content }] : result.content),
      ),
      ...(result.details !== undefined ? { details: result.details } : {}),
      isError: result.isError,
      timestamp: Date.now(),
      ...(spent ? { usage: spent } : {}),
    };
    bus.emit({
      type: "tool_end",
      toolCallId: call.id,
      name: call.name,
      result: message,
      // How long the tool took, not how long the person took to answer its prompt.
      durationMs: Math.max(0, Date.now() - started - waited),
    });
    return message;
  }

  private async execute(
    call: ToolCall,
    argumentError: string | undefined,
    signal: AbortSignal,
  ): Promise<ToolResult & { isError: boolean }> {
    const { tools, hooks, cwd } = this.options;
    const tool = tools.get(call.name);
    if (!tool) {
      const names = [...tools.keys()].join(", ") || "none";
      return failure(`Unknown tool "${call.name}". Available tools: ${names}.`);
    }
    if (argumentError)
      return failure(`Invalid call to ${call.name}: ${argumentError}. Send the arguments again as one JSON object.`);

    let args = call.arguments;
    const extraContext: string[] = [];
    let hookAsks: string[] = [];
    let hookAllows: string[] = [];
    if (hooks.has("beforeToolCall")) {
      const gate = await hooks.beforeToolCall(call, cwd);
      if (gate.blocked !== undefined) return failure(`Blocked by a hook: ${gate.blocked}`);
      args = gate.args;
      hookAsks = gate.ask;
      hookAllows = gate.allow;
      extraContext.push(...gate.context);
    }

    const invalid = await this.validate(tool, args);
    if (invalid) {
      return failure(
        `Invalid arguments for ${tool.name}: ${invalid}. Rewrite the input so it satisfies the tool's schema.`,
      );
    }

    // A hook's ask raises the gate to a person's approval; deny rules still deny first.
    const mustAsk = hookAsks.length > 0 ? hookAsks.join("; ") : undefined;
    const denied = await this.checkPermission(tool, call, args, signal, mustAsk, hookAllows);
    if (denied) return failure(denied);

    let result = await this.executeWithLimits(tool, call, args, signal);
    if (hooks.has("afterToolCall")) {
      const after = await hooks.afterToolCall({ ...call, arguments: args }, result);
      result = after.result;
      extraContext.push(...after.context);
    }
    if (extraContext.length === 0) return result;
    const content =
      typeof result.content === "string" ? [{ type: "text" as const, text: result.content }] : result.content;
    return { ...result, content: [...content, { type: "text", text: extraContext.join("\n") }] };
  }

  private async validate(tool: AnyTool, args: Record<string, unknown>): Promise<string | undefined> {
    let validator: ToolValidator;
    try {
      validator = await validatorFor(tool);
    } catch (error) {
      return `the tool's own schema is invalid (${errorText(error)}); this is a bug in the tool, not in your call`;
    }
    if (validator(args)) return undefined;
    return (validator.errors ?? [])
      .map((error) => {
        const where = error.instancePath ? `${error.instancePath.slice(1).replaceAll("/", ".")} ` : "";
        const extra =
          error.keyword === "additionalProperties"
            ? ` (${(error.params as { additionalProperty: string }).additionalProperty})`
            : "";
        return `${where}${error.message}${extra}`;
      })
      .join("; ");
  }

  /** Returns the refusal text, or undefined when the call may run. */
  private async checkPermission(
    tool: AnyTool,
    call: ToolCall,
    args: Record<string, unknown>,
    signal: AbortSignal,
    mustAsk?: string,
    hookAllows: string[] = [],
  ): Promise<string | undefined> {
    const { cwd } = this.options;
    const [subject, estimate] = await Promise.all([tool.permissionSubject?.(args, cwd), estimateOf(tool, args, cwd)]);
    if (subject) this.approvedSubjects.set(call.id, subject);
    return this.decide(
      {
        toolName: tool.name,
        kind: tool.kind,
        args,
        cwd,
        ...(subject ? { subject } : {}),
        ...(estimate ? { estimate } : {}),
        ...(mustAsk ? { mustAsk } : {}),
      },
      call.id,
      signal,
      hookAllows,
    );
  }

  /**
   * What a tool asks through ctx.authorize: an action beyond the call itself (a command a plugin
   * spawns), judged by the same engine and rules. The call's own approved subject is not asked
   * twice: the bash tool running the very command the user approved goes straight through.
   */
  private authorize(
    callId: string,
    action: { toolName: string; kind: ToolKind; subject: PermissionSubject; mustAsk?: string },
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const approved = this.approvedSubjects.get(callId);
    const same = approved && approved.kind === action.subject.kind && approved.value === action.subject.value;
    // A person who just approved this very command has answered; a rule or mode has not, when one must.
    if (same && (!action.mustAsk || this.askedCalls.has(callId))) return Promise.resolve(undefined);
    const { cwd } = this.options;
    return this.decide(
      {
        toolName: action.toolName,
        kind: action.kind,
        args: {},
        cwd,
        subject: action.subject,
        ...(action.mustAsk ? { mustAsk: action.mustAsk } : {}),
      },
      callId,
      signal,
    );
  }

  private async decide(
    request: PermissionRequest,
    callId: string,
    signal: AbortSignal,
    hookAllows: string[] = [],
  ): Promise<string | undefined> {
    const { permissions, resolver, bus, spending } = this.options;
    const name = request.toolName;
    const estimate = request.estimate;
    let decision = permissions.evaluate(request);
    // A hook's allow answers only the mode's question: not a rule's, a hook's ask, a must-ask or recurring spending.
    if (
      hookAllows.length > 0 &&
      decision.action === "ask" &&
      !decision.rule &&
      !request.mustAsk &&
      !estimate?.recurring
    ) {
      decision = { action: "allow", reason: hookAllows.join("; ") };
    }
    // A refusal is announced with its code and data, and told to the model in the front end's words.
    const refuse = (denial: PermissionDenial, asked = false): string => {
      bus.emit({ type: "permission", toolCallId: callId, name, decision, asked, allowed: false, denial });
      return denialMessage(denial, this.options.advice);
    };
    // What must be asked is asked: no mode, allow rule or budget answers for a person.
    if (request.mustAsk && decision.action !== "deny") {
      decision = { action: "ask", reason: request.mustAsk };
      if (!resolver) return refuse({ code: "needs_person", tool: name, reason: request.mustAsk, recurring: false });
    }
    // Recurring work is never started without a person: no mode, rule or budget approves it.
    if (estimate?.recurring && decision.action !== "deny") {
      const reason = recurringReason(name, estimate);
      decision = decision.action === "ask" && decision.rule ? { ...decision, reason } : { action: "ask", reason };
    }
    // The cap binds whatever allowed the call (a rule, the mode): a costed call that would pass it
    // goes to a person, and headless it is refused with the figures.
    if (decision.action === "allow" && estimate && spending?.capUsd !== undefined) {
      const verdict = spending.approve(name, estimate);
      if (verdict.allowed) {
        bus.emit({ type: "permission", toolCallId: callId, name, decision, asked: false, allowed: true });
        return undefined;
      }
      if (!resolver) {
        return verdict.over
          ? refuse({ code: "budget_exceeded", tool: name, reason: verdict.reason, ...verdict.over })
          : refuse({ code: "denied", tool: name, reason: verdict.reason });
      }
      decision = { action: "ask", reason: verdict.reason };
    }
    if (decision.action === "allow") {
      bus.emit({ type: "permission", toolCallId: callId, name, decision, asked: false, allowed: true });
      spending?.record(estimate);
      return undefined;
    }
    if (decision.action === "deny") return refuse({ code: "denied", tool: name, reason: decision.reason });
    // The budget answers for the mode, never for an ask rule: a person who wrote one wants to be asked.
    if (estimate && !estimate.recurring && spending?.capUsd !== undefined && !decision.rule && !request.mustAsk) {
      const verdict = spending.approve(name, estimate);
      if (verdict.allowed) {
        const approved: PermissionDecision = { action: "allow", reason: verdict.reason };
        bus.emit({ type: "permission", toolCallId: callId, name, decision: approved, asked: false, allowed: true });
        return undefined;
      }
      decision = { ...decision, reason: verdict.reason };
      if (!resolver && verdict.over) {
        return refuse({ code: "budget_exceeded", tool: name, reason: verdict.reason, ...verdict.over });
      }
    }
    if (!resolver) {
      if (estimate?.recurring)
        return refuse({ code: "needs_person", tool: name, reason: decision.reason, recurring: true });
      return refuse({
        code: "denied_headless",
        tool: name,
        reason: decision.reason,
        suggestedRules: suggestRules(request),
        ...(estimate ? { estimate } : {}),
      });
    }
    const suggested = suggestRule(request);
    const asked = Date.now();
    const answer = await resolver({ ...request, decision, ...(suggested ? { suggestedRule: suggested } : {}) }, signal);
    this.personWaitMs.set(callId, (this.personWaitMs.get(callId) ?? 0) + Date.now() - asked);
    if (answer.remember) permissions.addRule(answer.remember);
    if (!answer.allow) {
      return refuse(
        { code: "denied_by_user", tool: name, ...(answer.message ? { message: answer.message } : {}) },
        true,
      );
    }
    bus.emit({ type: "permission", toolCallId: callId, name, decision, asked: true, allowed: true });
    this.askedCalls.add(callId);
    spending?.record(estimate);
    return undefined;
  }

  private async executeWithLimits(
    tool: AnyTool,
    call: ToolCall,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ToolResult & { isError: boolean }> {
    const controller = new AbortController();
    const abort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    let restartClock = () => {};
    // A tool that ignores its signal must not hold the turn hostage: race it against the limits.
    // The limit counts from the call's last progress update: a wait that reports as it goes (a job
    // followed for hours) is never cut, one that goes silent for the limit is.
    const limits = new Promise<ToolResult & { isError: boolean }>((resolve) => {
      const expire = () => {
        // Resolve before aborting: the abort listener below would otherwise report a user interrupt.
        resolve(failure(`${tool.name} timed out after ${formatSeconds(this.options.timeoutMs)} and was stopped.`));
        controller.abort(new Error("timeout"));
      };
      timer = setTimeout(expire, this.options.timeoutMs);
      restartClock = () => {
        if (controller.signal.aborted) return;
        clearTimeout(timer);
        timer = setTimeout(expire, this.options.timeoutMs);
      };
      controller.signal.addEventListener(
        "abort",
        () => resolve(failure(`${tool.name} was interrupted by the user before it finished.`)),
        { once: true },
      );
      if (signal.aborted) abort();
    });
    try {
      const run = tool
        .execute(args, {
          toolCallId: call.id,
          cwd: this.options.cwd,
          signal: controller.signal,
          onUpdate: (partial) => {
            restartClock();
            this.options.bus.emit({
              type: "tool_update",
              toolCallId: call.id,
              partial: this.options.redact ? this.options.redact(partial) : partial,
            });
          },
          authorize: (action) => this.authorize(call.id, action, controller.signal),
          addUsage: (usage) => this.addCallUsage(call.id, usage),
        })
        .then((result) => ({ ...result, isError: result.isError ?? false }));
      return await Promise.race([run, limits]);
    } catch (error) {
      return failure(`${tool.name} failed: ${errorText(error)}`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
      this.approvedSubjects.delete(call.id);
    }
  }

  /** Usage reported after the result is in (a tool that ignored its timeout) still counts for the session. */
  private addCallUsage(callId: string, usage: Usage): void {
    if (this.callUsage.has(callId)) {
      this.callUsage.set(callId, addUsage(this.callUsage.get(callId) ?? emptyUsage(), usage));
    }
    this.options.addUsage?.(usage);
  }

  private redacted(content: ToolResultMessage["content"]): ToolResultMessage["content"] {
    const redact = this.options.redact;
    if (!redact) return content;
    return content.map((block) => (block.type === "text" ? { ...block, text: redact(block.text) } : block));
  }

  private truncate(content: ToolResultMessage["content"]): ToolResultMessage["content"] {
    const max = this.options.maxResultChars;
    return content.map((block) => {
      if (block.type !== "text" || block.text.length <= max) return block;
      const head = block.text.slice(0, Math.floor(max * 0.2));
      const tail = block.text.slice(block.text.length - Math.floor(max * 0.8));
      const dropped = block.text.length - head.length - tail.length;
      return { type: "text", text: `${head}\n[... ${dropped} characters cut ...]\n${tail}` } satisfies TextContent;
    });
  }
}

/**
 * The tool's own estimate, checked; one that throws, answers nonsense or takes too long is no
 * estimate (the call keeps its ordinary decision, which for a costed tool means asking).
 */
async function estimateOf(
  tool: AnyTool,
  args: Record<string, unknown>,
  cwd: string,
): Promise<CostEstimate | undefined> {
  if (!tool.estimateCost) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ESTIMATE_TIMEOUT_MS);
    });
    return checkEstimate(await Promise.race([Promise.resolve(tool.estimateCost(args, cwd)), late]));
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function failure(text: string): ToolResult & { isError: true } {
  return { content: [{ type: "text", text }], isError: true };
}
