import type { ModelCatalog } from "./catalog.js";
import { priceUsage } from "./catalog.js";
import type { DeferredOffers } from "./deferred-tools.js";
import type { EventBus, TurnResult, TurnStopReason } from "./events.js";
import type { HookDispatcher } from "./hook-dispatch.js";
import { attachPieces, detachPieces, piecesOf } from "./long-text.js";
import type { LoopGuard, LoopKind } from "./loop-guard.js";
import type { AssistantMessage, ToolCall, ToolResultMessage } from "./messages.js";
import { messageText } from "./messages.js";
import { callModel, type RetryPolicy } from "./model-call.js";
import type { PromptQueue, QueuedPrompt } from "./prompt-queue.js";
import type { ModelRequest, Provider, ToolSpec } from "./provider.js";
import type { Session } from "./session/session.js";
import type { TurnStop } from "./stop-codes.js";
import type { AnyTool } from "./tool.js";
import type { ToolRunner } from "./tool-runner.js";
import type { UsageLedger } from "./usage-ledger.js";
import { wireSchema } from "./wire-schema.js";

/** What one turn needs from the kernel; the kernel owns all of it and lends it per turn. */
export interface TurnDeps {
  session: Session;
  bus: EventBus;
  hooks: HookDispatcher;
  catalog: ModelCatalog;
  runner: ToolRunner;
  guard: LoopGuard | undefined;
  tools: ReadonlyMap<string, AnyTool>;
  /** Which deferred tools the model has been offered; kept by the kernel across turns. */
  offers: DeferredOffers;
  modelRef: string;
  model: string;
  provider: Provider;
  /** The reasoning effort to ask for; undefined sends no field (thinking off, or a model that does not reason). */
  reasoning: ModelRequest["reasoning"];
  systemPrompt: string;
  maxTurns: number;
  retry: RetryPolicy;
  /** Messages the user sent while this turn runs: steering ones are taken at every step. */
  queue: PromptQueue;
  /** Compacts the context if it is near the window; called before every model call. */
  maybeCompact(signal: AbortSignal): Promise<void>;
  /** Where every model call's usage is counted (usage-ledger.ts). */
  usage: UsageLedger;
}

/**
 * One user turn: prompt → (model call → tools)* → end. Every message is appended to the
 * session before the next step starts, so a crash at any point leaves a resumable file.
 */
export async function runTurn(deps: TurnDeps, prompt: string, signal: AbortSignal): Promise<TurnResult> {
  const { bus } = deps;
  let steps = 0;
  let lastText = "";
  /** The flat pieces of a long last text, for the front end's writer (long-text.ts). */
  let lastPieces: readonly string[] | undefined;
  const finish = (stopReason: TurnStopReason, error?: string, stop?: TurnStop): TurnResult => {
    const result: TurnResult = {
      stopReason,
      steps,
      usage: deps.usage.turn,
      text: lastText,
      ...(error ? { error } : {}),
      ...(stop ? { stop } : {}),
    };
    attachPieces(result, "text", lastPieces);
    return result;
  };

  deps.hooks.resetHalt();
  const halt = () => {
    const reason = deps.hooks.halted!;
    return finish("blocked", reason, { code: "blocked", reason });
  };
  const submitted = await submitPrompt(deps, prompt);
  if (typeof submitted !== "string") {
    return finish("blocked", submitted.blocked, { code: "blocked", reason: submitted.blocked });
  }
  deps.guard?.reset();
  append(deps, { role: "user", content: submitted, timestamp: Date.now() });

  for (;;) {
    if (signal.aborted) return finish("aborted");
    if (steps >= deps.maxTurns) {
      return finish("max_turns", `Stopped after ${deps.maxTurns} model calls, the limit of this run.`, {
        code: "max_turns",
        limit: deps.maxTurns,
      });
    }
    // What the user sent while the last step ran goes in now: after the tool results, before the model call.
    await deliverSteering(deps, deps.queue.takeSteering());
    if (signal.aborted) return finish("aborted");
    await deps.maybeCompact(signal);
    if (signal.aborted) return finish("aborted");
    steps++;
    bus.emit({ type: "request_start", step: steps, model: deps.modelRef });
    const result = await callModel({
      provider: deps.provider,
      modelRef: deps.modelRef,
      request: buildRequest(deps),
      signal,
      retry: deps.retry,
      bus,
      // The tool gets ready (its sandbox starts) while the rest of the reply streams in.
      onToolCallStart: (name) => void deps.tools.get(name)?.prepare?.(),
    });
    const message = result.message;
    message.usage = priceUsage(message.usage, deps.catalog.resolve(deps.modelRef).price);
    deps.usage.model(message.usage);
    if (message.content.length > 0) append(deps, message);
    bus.emit({ type: "assistant_message", message });
    const text = messageText(message);
    if (text) {
      lastText = text;
      const blocks = message.content.filter((block) => block.type === "text");
      lastPieces = blocks.length === 1 ? piecesOf(blocks[0]!, "text") : undefined;
    }
    // The session file and the listeners took what they need of the pieces (see detachPieces).
    for (const block of message.content) {
      if (block.type === "text") detachPieces(block, "text");
      else if (block.type === "thinking") detachPieces(block, "thinking");
    }

    if (message.stopReason === "aborted") return finish("aborted");
    if (result.error) return finish("error", result.error.message, { code: "error", message: result.error.message });

    const calls = message.content.filter((block): block is ToolCall => block.type === "toolCall");
    if (calls.length === 0) {
      // The model is done, but the user said more while it answered: the turn goes on with that.
      if (deps.queue.hasSteering) continue;
      const followUp = await stopFollowUp(deps, finish("end_turn"));
      if (deps.hooks.halted) return halt();
      if (!followUp) return finish("end_turn");
      append(deps, { role: "user", content: followUp, timestamp: Date.now() });
      continue;
    }

    const stop = await runToolCalls(deps, calls, result.argumentErrors, signal);
    if (deps.hooks.halted) return halt();
    if (stop) return finish("loop_guard", stop.reason, { code: "loop_guard", kind: stop.kind });
    if (signal.aborted) return finish("aborted");
  }
}

/** The prompt after the promptSubmit hooks (their context appended), or why one blocked it. */
function submitPrompt(deps: TurnDeps, prompt: string): Promise<string | { blocked: string }> {
  return deps.hooks.promptSubmit(prompt);
}

/**
 * Steering messages become user messages, each through the same prompt hooks as a prompt; one a
 * hook blocks is dropped (and the turn goes on). The delivery is recorded before the messages.
 */
async function deliverSteering(deps: TurnDeps, steering: QueuedPrompt[]): Promise<void> {
  if (steering.length === 0) return;
  const accepted: Array<{ item: QueuedPrompt; text: string }> = [];
  for (const item of steering) {
    const submitted = await submitPrompt(deps, item.text);
    if (typeof submitted === "string") accepted.push({ item, text: submitted });
    else {
      deps.queue.drop("blocked", [item]);
      deps.bus.emit({ type: "warning", message: submitted.blocked });
    }
  }
  if (accepted.length === 0) return;
  deps.queue.delivered(accepted.map(({ item }) => item));
  // The user changed course: repeating what came before is no longer a loop.
  deps.guard?.reset();
  for (const { text } of accepted) append(deps, { role: "user", content: text, timestamp: Date.now() });
}

function buildRequest(deps: TurnDeps): ModelRequest {
  const messages = deps.session.buildContext().messages;
  const tools = toolSpecs(deps.offers, deps.offers.select(deps.tools, messages));
  return {
    model: deps.model,
    systemPrompt: deps.systemPrompt,
    messages,
    tools,
    ...(deps.reasoning ? { reasoning: deps.reasoning } : {}),
  };
}

/** Each kernel's last request's tools (keyed by its offers, which live as long as it does). */
const lastSpecs = new WeakMap<DeferredOffers, { tools: AnyTool[]; specs: ToolSpec[] }>();

/**
 * The specs of `tools`, the very array of the last request while the tools offered are the same:
 * a session sends the same tools at every call (the ML intern's 53), and rebuilt they were 53 new
 * objects a call, for the provider's side to serialize again. Frozen, as it is shared by requests.
 */
function toolSpecs(offers: DeferredOffers, tools: AnyTool[]): ToolSpec[] {
  const last = lastSpecs.get(offers);
  if (last && last.tools.length === tools.length && last.tools.every((tool, index) => tool === tools[index])) {
    return last.specs;
  }
  const specs = Object.freeze(
    tools.map((tool) =>
      Object.freeze({ name: tool.name, description: tool.description, parameters: wireSchema(tool.parameters) }),
    ),
  ) as ToolSpec[];
  lastSpecs.set(offers, { tools, specs });
  return specs;
}

function append(
  deps: TurnDeps,
  message: AssistantMessage | ToolResultMessage | { role: "user"; content: string; timestamp: number },
) {
  deps.session.append({ type: "message", message });
  deps.bus.emit({ type: "message_appended", message });
}

function stopFollowUp(deps: TurnDeps, result: TurnResult): Promise<string | undefined> {
  return deps.hooks.stop(result);
}

/**
 * Runs a batch of tool calls: in parallel when every tool is read-only, in order otherwise
 * (a write followed by a read of the same file must see the write). Every call gets a result
 * in the session, even when the turn is aborted half-way, so no call is left dangling.
 * Returns why, when the loop guard ends the run.
 */
async function runToolCalls(
  deps: TurnDeps,
  calls: ToolCall[],
  argumentErrors: Map<string, string>,
  signal: AbortSignal,
): Promise<{ reason: string; kind: LoopKind } | undefined> {
  const readOnly = calls.every((call) => deps.tools.get(call.name)?.kind === "read");
  let results: ToolResultMessage[];
  if (readOnly && calls.length > 1) {
    results = await Promise.all(calls.map((call) => deps.runner.run(call, argumentErrors.get(call.id), signal)));
  } else {
    results = [];
    for (const call of calls) {
      if (signal.aborted) {
        results.push(interrupted(call));
        continue;
      }
      // The user steered while an earlier call ran: the model reads that before doing more.
      if (results.length > 0 && deps.queue.hasSteering) {
        results.push(
          interrupted(
            call,
            "the user sent a message before this tool ran; read it, then decide whether to call it again",
          ),
        );
        continue;
      }
      results.push(await deps.runner.run(call, argumentErrors.get(call.id), signal));
    }
  }

  let stopReason: { reason: string; kind: LoopKind } | undefined;
  for (const [index, result] of results.entries()) {
    const call = calls[index]!;
    const verdict = deps.guard?.observe({
      name: call.name,
      args: call.arguments,
      resultText: messageText(result),
      isError: result.isError,
      details: result.details,
    });
    if (verdict && verdict.action === "correct") {
      result.content.push({ type: "text", text: `\n[loop guard] ${verdict.message}` });
      deps.bus.emit({ type: "loop_guard", action: "correct", kind: verdict.kind, message: verdict.message });
    } else if (verdict && verdict.action === "stop" && !stopReason) {
      stopReason = { reason: verdict.reason, kind: verdict.kind };
      deps.bus.emit({ type: "loop_guard", action: "stop", kind: verdict.kind, message: verdict.reason });
    }
    append(deps, result);
  }
  return stopReason;
}

export function interrupted(call: ToolCall, why = "the turn was interrupted before this tool ran"): ToolResultMessage {
  return {
    role: "toolResult",
    toolCallId: call.id,
    toolName: call.name,
    content: [{ type: "text", text: `Not run: ${why}.` }],
    isError: true,
    timestamp: Date.now(),
  };
}
