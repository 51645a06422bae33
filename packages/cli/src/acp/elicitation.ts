import type { McpElicitationAnswer, McpElicitationRequest, McpElicitationValue } from "@pincer/mcp";
import type { AcpSession } from "./session.js";

/**
 * An MCP server's form as ACP's `elicitation/create` (form mode), tied to the running tool call
 * of that server when there is one. The message names the server, so the user knows who asks.
 * An editor that fails or goes away declines; the answer is checked against the form afterwards
 * (in @pincer/mcp), whatever the editor sent.
 */
export async function askEditorForm(
  session: AcpSession,
  request: McpElicitationRequest,
  signal: AbortSignal,
): Promise<McpElicitationAnswer> {
  const running = [...session.calls.entries()].findLast(
    ([, call]) => call.status === "in_progress" && call.name.startsWith(`mcp__${request.server}__`),
  );
  try {
    await session.flushed();
    const response = await session.client.request(
      "elicitation/create",
      {
        sessionId: session.id,
        ...(running ? { toolCallId: running[0] } : {}),
        mode: "form",
        message: `The MCP server "${request.server}" asks: ${request.message}`,
        requestedSchema: request.schema as never,
      },
      { cancellationSignal: signal, stopWaitingOnCancel: true },
    );
    if (response.action === "accept") {
      const content = (response as { content?: Record<string, McpElicitationValue> | null }).content ?? {};
      return { action: "accept", content };
    }
    return { action: response.action === "decline" ? "decline" : "cancel" };
  } catch (error) {
    if (!signal.aborted) session.log(`elicitation/create failed: ${(error as Error).message}`);
    return { action: "decline" };
  }
}
