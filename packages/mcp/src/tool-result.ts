import type { ImageContent, TextContent, ToolResult } from "@pincer/kernel";
import { CONNECTION_CLOSED, errorMessage, type McpCallResult, type McpContent, REQUEST_TIMEOUT } from "./sdk.js";

/** A tools/call answer as a kernel tool result: text and images for the model, the rest described. */
export function toToolResult(server: string, tool: string, result: McpCallResult): ToolResult {
  if (!("content" in result) || !Array.isArray(result.content)) {
    const legacy = (result as { toolResult?: unknown }).toolResult;
    return { content: JSON.stringify(legacy ?? result) };
  }
  const content: Array<TextContent | ImageContent> = result.content.map(toContent);
  if (content.length === 0 && result.structuredContent !== undefined) {
    content.push({ type: "text", text: JSON.stringify(result.structuredContent) });
  }
  if (content.length === 0) content.push({ type: "text", text: "(no output)" });
  return {
    content,
    details: {
      mcp: { server, tool },
      ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    },
    ...(result.isError ? { isError: true } : {}),
  };
}

export function toContent(block: McpContent): TextContent | ImageContent {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "image":
      return { type: "image", data: block.data, mimeType: block.mimeType };
    case "audio":
      return { type: "text", text: `[audio ${block.mimeType}, ${Math.round((block.data.length * 3) / 4)} bytes]` };
    case "resource_link":
      return {
        type: "text",
        text: `[resource ${block.name}: ${block.uri}${block.mimeType ? ` (${block.mimeType})` : ""}${block.description ? ` — ${block.description}` : ""}]`,
      };
    case "resource": {
      const resource = block.resource;
      if ("text" in resource && typeof resource.text === "string") {
        return { type: "text", text: `[resource ${resource.uri}]\n${resource.text}` };
      }
      if (resource.mimeType?.startsWith("image/") && "blob" in resource && typeof resource.blob === "string") {
        return { type: "image", data: resource.blob, mimeType: resource.mimeType };
      }
      return {
        type: "text",
        text: `[binary resource ${resource.uri}${resource.mimeType ? ` (${resource.mimeType})` : ""}]`,
      };
    }
    default:
      return { type: "text", text: JSON.stringify(block) };
  }
}

/** What the model is told when a call fails: timed out, aborted, the server gone, or a bad answer. */
export function callFailure(
  server: { name: string; stderrTail(): string },
  tool: string,
  error: unknown,
  signal: AbortSignal,
  timeout: number,
): string {
  const where = `MCP tool ${tool} on server "${server.name}"`;
  if (signal.aborted) return `${where} was aborted.`;
  const code = (error as { code?: unknown }).code;
  if (code === REQUEST_TIMEOUT) {
    return `${where} timed out after ${timeout} ms (mcp.callTimeoutMs); the call was cancelled.`;
  }
  if (code === CONNECTION_CLOSED) {
    return `${where} failed: the server closed the connection during the call (did it crash?)${server.stderrTail()}. It is started again on the next call.`;
  }
  if ((error as { name?: unknown }).name === "ZodError" || /invalid_|Expected|Invalid/.test(errorMessage(error))) {
    return `${where} returned a result that is not valid MCP: ${errorMessage(error).slice(0, 400)}`;
  }
  return `${where} failed: ${errorMessage(error).slice(0, 1_000)}`;
}
