import type { PermissionOption, ToolCallUpdate } from "@agentclientprotocol/sdk";
import {
  type CostEstimate,
  describeEstimate,
  formatUsd,
  type PermissionAnswer,
  type PermissionResolver,
  parseRule,
} from "@pincer/kernel";
import type { AcpSession, OpenCall } from "./session.js";
import { proposedContent, textContent, toolKind, toolLocations, toolTitle } from "./tool-calls.js";

type Request = Parameters<PermissionResolver>[0];

const ALLOW = "allow_once";
const ALWAYS = "allow_always";
const REJECT = "reject_once";

/**
 * A permission question as ACP's `session/request_permission`. "Always allow" is offered only
 * when the kernel suggested a narrow rule (`bash(npm test:*)`, `write(src/**)`): the editor's
 * button then adds exactly that rule for the rest of the session, never a whole tool.
 */
export async function askEditor(session: AcpSession, request: Request, signal: AbortSignal): Promise<PermissionAnswer> {
  const options: PermissionOption[] = [
    { optionId: ALLOW, name: "Allow", kind: "allow_once" },
    ...(request.suggestedRule
      ? [
          {
            optionId: ALWAYS,
            name: `Always allow ${request.suggestedRule} in this session`,
            kind: "allow_always" as const,
          },
        ]
      : []),
    { optionId: REJECT, name: "Reject", kind: "reject_once" },
  ];
  let outcome: string;
  try {
    await session.flushed();
    const response = await session.client.request(
      "session/request_permission",
      { sessionId: session.id, toolCall: withCost(describeCall(session, request), request.estimate), options },
      // A cancelled turn stops waiting at once: the editor may never answer a question it dropped.
      { cancellationSignal: signal, stopWaitingOnCancel: true },
    );
    outcome = response.outcome.outcome === "selected" ? response.outcome.optionId : "cancelled";
  } catch (error) {
    if (!signal.aborted) session.log(`session/request_permission failed: ${(error as Error).message}`);
    return { allow: false, message: "The question could not be asked in the editor." };
  }
  if (outcome === ALLOW) return { allow: true };
  if (outcome === ALWAYS && request.suggestedRule) {
    return { allow: true, remember: parseRule(request.suggestedRule, "allow", "session") };
  }
  if (outcome === "cancelled") return { allow: false, message: "The user cancelled the turn." };
  return { allow: false };
}

/**
 * The call the question is about. The kernel's question carries no call id, so it is matched
 * to the open call it belongs to: the pending call of that tool with the same arguments (calls
 * that run together are read-only and may be asked side by side), else any pending call of
 * that tool. A question asked while a call runs (a plugin spawning a command) belongs to the
 * running call and is titled by what it asks for.
 */
function describeCall(session: AcpSession, request: Request): ToolCallUpdate {
  const open = [...session.calls.entries()];
  const same = (call: OpenCall) => call.status === "pending" && call.name === request.toolName;
  const wanted = JSON.stringify(request.args);
  const match =
    open.find(([, call]) => same(call) && JSON.stringify(call.args) === wanted) ?? open.find(([, call]) => same(call));
  if (match) {
    const [toolCallId, call] = match;
    return {
      toolCallId,
      title: toolTitle(call.name, request.args),
      kind: toolKind(call.name, request.kind),
      status: "pending",
      rawInput: request.args,
      locations: toolLocations(request.args, request.cwd),
      content: proposedContent(call.name, request.args, request.cwd),
    };
  }
  const running = open.findLast(([, call]) => call.status === "in_progress");
  const sampling = samplingQuestion(request);
  if (sampling) return { toolCallId: running?.[0] ?? `permission-${Date.now()}`, ...sampling };
  const subject = request.subject ? `: ${request.subject.value}` : "";
  return {
    toolCallId: running?.[0] ?? `permission-${Date.now()}`,
    title: `${request.toolName}${subject}`,
    kind: toolKind(request.toolName, request.kind),
    rawInput: request.subject ?? request.args,
  };
}

/**
 * An MCP server's sampling request (runtime's mcp-client-host.ts), asked while its tool call
 * runs: the editor shows which server wants the model, how many tokens at most, and what it asks.
 */
function samplingQuestion(request: Request): Omit<ToolCallUpdate, "toolCallId"> | undefined {
  const args = request.args as { server?: unknown; maxTokens?: unknown; systemPrompt?: unknown; lastMessage?: unknown };
  if (request.toolName !== "mcp_sampling" || typeof args.server !== "string") return undefined;
  const asks = [
    typeof args.systemPrompt === "string" ? `System prompt: ${args.systemPrompt}` : "",
    typeof args.lastMessage === "string" ? `It asks: ${args.lastMessage}` : "",
  ].filter(Boolean);
  return {
    title: `The MCP server "${args.server}" asks to use your model (up to ${String(args.maxTokens)} tokens)`,
    kind: "other",
    rawInput: request.args,
    ...(asks.length ? { content: [textContent(asks.join("\n\n"))] } : {}),
  };
}

/**
 * What the call would cost, where the tool estimated it, where every editor shows it: in the
 * title (the line the question is listed by) and as the first content block (the whole summary).
 * Recurring work (an endpoint billed by the hour) says that it keeps costing until stopped.
 */
export function withCost(call: ToolCallUpdate, estimate: CostEstimate | undefined): ToolCallUpdate {
  if (!estimate) return call;
  const short = `estimated ${formatUsd(estimate.usd)}${estimate.recurring ? ", recurring" : ""}`;
  const line = describeEstimate(estimate).replace(/^e/, "E");
  const recurring = estimate.recurring ? " It keeps costing money until someone stops it." : "";
  return {
    ...call,
    title: `${call.title ?? "Tool call"} (${short})`,
    content: [textContent(`${line}.${recurring}`), ...(call.content ?? [])],
  };
}
