import type { AnyTool, ImageContent, TextContent, ToolResult } from "@pincer/kernel";

/** What a server lists under resources/list (the fields Pincer shows). */
export interface McpResourceInfo {
  uri: string;
  name: string;
  description?: string;
  mimeType?: string;
}

/** What a server lists under resources/templates/list: a URI template (RFC 6570) to fill. */
export interface McpResourceTemplateInfo {
  uriTemplate: string;
  name: string;
  description?: string;
  mimeType?: string;
}

/** One entry of a resources/read answer. */
export type McpResourceContents =
  | { uri: string; mimeType?: string; text: string }
  | { uri: string; mimeType?: string; blob: string };

/** Listed in the tool's description; the rest are still readable by URI. */
const LISTED = 50;

/**
 * A server's resources as one read-only tool, `mcp__<server>__read_resource { uri }`: the model
 * sees what the server offers in the description (resources, and templates to fill in) and reads
 * what it needs. Its name follows the server's tools, so a rule such as `mcp__docs__*` covers it too.
 */
export function resourceTool(
  server: string,
  resources: McpResourceInfo[],
  templates: McpResourceTemplateInfo[],
  read: (uri: string, signal: AbortSignal) => Promise<McpResourceContents[]>,
): AnyTool {
  const line = (uri: string, name: string, description?: string) =>
    `- ${uri} — ${name}${description ? `: ${description.slice(0, 120)}` : ""}`;
  const listed = resources.slice(0, LISTED).map((resource) => line(resource.uri, resource.name, resource.description));
  const more = resources.length > LISTED ? [`… and ${resources.length - LISTED} more.`] : [];
  const filled = templates
    .slice(0, LISTED)
    .map((template) => line(template.uriTemplate, template.name, template.description));
  const moreTemplates = templates.length > LISTED ? [`… and ${templates.length - LISTED} more templates.`] : [];
  const description = [
    `Read a resource of the MCP server "${server}" by its URI.`,
    ...(listed.length ? ["It offers:", ...listed, ...more] : []),
    ...(filled.length
      ? ["URI templates (replace each {name} with a value to form a URI):", ...filled, ...moreTemplates]
      : []),
  ];
  return {
    name: `mcp__${server}__read_resource`.slice(0, 64),
    description: description.join("\n"),
    parameters: {
      type: "object",
      properties: {
        uri: { type: "string", description: "The resource's URI, as listed or filled in from a template" },
      },
      required: ["uri"],
      additionalProperties: false,
    },
    // Reading what the server publishes changes nothing.
    kind: "read",
    async execute(args, ctx): Promise<ToolResult> {
      const uri = String((args as { uri?: unknown }).uri ?? "");
      try {
        const contents = await read(uri, ctx.signal);
        if (contents.length === 0) return { content: `The server "${server}" has nothing at ${uri}.` };
        return { content: contents.map(toContent), details: { mcp: { server, resource: uri } } };
      } catch (error) {
        return {
          content: `Reading ${uri} from the MCP server "${server}" failed: ${(error as Error).message ?? String(error)}`,
          isError: true,
        };
      }
    },
  };
}

function toContent(entry: McpResourceContents): TextContent | ImageContent {
  if ("text" in entry) return { type: "text", text: `[resource ${entry.uri}]\n${entry.text}` };
  if (entry.mimeType?.startsWith("image/")) return { type: "image", data: entry.blob, mimeType: entry.mimeType };
  const bytes = Math.round((entry.blob.length * 3) / 4);
  return {
    type: "text",
    text: `[binary resource ${entry.uri}${entry.mimeType ? ` (${entry.mimeType})` : ""}, ${bytes} bytes]`,
  };
}
