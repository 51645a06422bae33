import { resolve } from "node:path";
import {
  callModel,
  DEFAULT_RETRY,
  emptyUsage,
  type Kernel,
  type Message,
  type PermissionResolver,
  type Provider,
  parseModelRef,
  priceUsage,
} from "@pincer/kernel";
import {
  type McpClientHost,
  type McpElicitationAnswer,
  type McpElicitationRequest,
  type McpSamplingRequest,
  type McpSamplingResult,
  SamplingRefused,
} from "@pincer/mcp";

/** How a front end shows an MCP server's form to the user (TUI dialog, ACP or serve event). */
export type McpElicitHandler = (request: McpElicitationRequest, signal: AbortSignal) => Promise<McpElicitationAnswer>;

/**
 * The pseudo-tool a sampling request is judged as by the permission engine, with the server's
 * name as its subject: `mcp_sampling(github)` allows one server, `mcp_sampling` every server.
 * Not `mcp__<server>__…`, so allowing a server's tools does not let it spend the user's model.
 */
export const SAMPLING_TOOL = "mcp_sampling";

/**
 * What MCP servers of this session may ask of it: the workspace as roots, the session's model
 * for sampling (with the user's approval, through the permission engine and the front end's
 * resolver; with nobody to ask, refused unless a rule allows it), and the user for elicitation
 * (through the front end; with none, declined).
 */
export function mcpClientHost(options: {
  cwd: string;
  addDirs: string[];
  kernel: () => Kernel;
  provider: (id: string) => Provider | undefined;
  resolver?: PermissionResolver;
  elicit?: McpElicitHandler;
}): McpClientHost {
  const roots = [options.cwd, ...options.addDirs].map((dir) => resolve(options.cwd, dir));
  return {
    roots: () => roots,
    sample: async (request, signal) => {
      const kernel = options.kernel();
      await approveSampling(kernel, request, options.resolver, signal);
      return sampleWith(kernel, options.provider, request, signal);
    },
    elicit: async (request, signal) => (options.elicit ? options.elicit(request, signal) : { action: "decline" }),
  };
}

async function approveSampling(
  kernel: Kernel,
  request: McpSamplingRequest,
  resolver: PermissionResolver | undefined,
  signal: AbortSignal,
): Promise<void> {
  const last = request.messages.at(-1)?.content.find((block) => block.type === "text");
  const ask = {
    toolName: SAMPLING_TOOL,
    kind: "other" as const,
    subject: { kind: "text" as const, value: request.server },
    args: {
      server: request.server,
      maxTokens: request.maxTokens,
      messages: request.messages.length,
      ...(request.systemPrompt ? { systemPrompt: request.systemPrompt.slice(0, 500) } : {}),
      ...(last?.type === "text" ? { lastMessage: last.text.slice(0, 1_000) } : {}),
    },
    cwd: kernel.cwd,
  };
  const decision = kernel.permissions.evaluate(ask);
  if (decision.action === "allow") return;
  if (decision.action === "deny") throw new SamplingRefused(decision.reason);
  if (!resolver) {
    throw new SamplingRefused(
      `nobody is there to approve it (${decision.reason}); a rule such as ${SAMPLING_TOOL}(${request.server}) allows it`,
    );
  }
  const answer = await resolver({ ...ask, decision, suggestedRule: `${SAMPLING_TOOL}(${request.server})` }, signal);
  if (answer.remember) kernel.permissions.addRule(answer.remember);
  if (!answer.allow) throw new SamplingRefused(answer.message ?? "the user said no");
}

/** One model call with the session's model and no tools; its cost counts as the session's. */
async function sampleWith(
  kernel: Kernel,
  providers: (id: string) => Provider | undefined,
  request: McpSamplingRequest,
  signal: AbortSignal,
): Promise<McpSamplingResult> {
  const modelRef = kernel.model;
  const { provider: providerId, model } = parseModelRef(modelRef);
  const provider = providers(providerId);
  if (!provider) throw new Error(`the session's provider ${providerId} is not loaded`);
  const messages: Message[] = request.messages.map((message) =>
    message.role === "user"
      ? { role: "user", content: message.content, timestamp: Date.now() }
      : {
          role: "assistant",
          // An assistant turn holds text only: an image the server put there is named, not sent.
          content: message.content.map((block) =>
            block.type === "text" ? block : { type: "text" as const, text: `[image ${block.mimeType}]` },
          ),
          model: modelRef,
          usage: emptyUsage(),
          stopReason: "stop",
          timestamp: Date.now(),
        },
  );
  const result = await callModel({
    provider,
    modelRef,
    request: {
      model,
      systemPrompt: request.systemPrompt ?? "",
      messages,
      tools: [],
      maxOutputTokens: request.maxTokens,
    },
    signal,
    retry: DEFAULT_RETRY,
  });
  if (result.error) throw new Error(result.error.message);
  const usage = priceUsage(result.message.usage, kernel.catalog.resolve(modelRef).price);
  kernel.spending.addModelSpend(usage.cost.total);
  const text = result.message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
  return { text, model: modelRef, stopReason: result.message.stopReason === "length" ? "maxTokens" : "endTurn" };
}
