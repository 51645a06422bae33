import type { ModelInfo, Provider, Tool, ToolContext, ToolResult } from "@pincer/kernel";
import type { EnvCapability, ExecCapability, FsCapability } from "./capabilities.js";

/** The context a plugin's tool runs with: the kernel's tool context plus its granted capabilities. */
export interface PluginToolContext extends ToolContext {
  fs: FsCapability;
  exec: ExecCapability;
  env: EnvCapability;
  /** Plugin-scoped key/value state that lives as long as the session (e.g. the todo list). */
  state: Map<string, unknown>;
}

export interface ToolDefinition<Args = Record<string, unknown>> extends Omit<Tool<Args>, "execute"> {
  execute(args: Args, ctx: PluginToolContext): Promise<ToolResult>;
}

export interface ProviderContext {
  env: EnvCapability;
  /** Files the provider may read (e.g. cassettes), under its granted roots. */
  fs: FsCapability;
  /** Provider settings from the user's config (base URL, headers, quirks). */
  config: Record<string, unknown>;
  fetch: typeof fetch;
}

export interface ProviderDefinition {
  id: string;
  /** Models this provider knows, for the catalogue (context window, prices). */
  models?: ModelInfo[];
  create(ctx: ProviderContext): Provider;
}

// biome-ignore lint/suspicious/noExplicitAny: a plugin holds tools of every argument type.
export type AnyToolDefinition = ToolDefinition<any>;

/** The roles of Pincer's output a theme colours. */
export type ThemeColorRole = "accent" | "success" | "warning" | "error" | "muted";

/** A theme is data: a colour (`#rrggbb`) per role and, optionally, the symbols Pincer prints. */
export interface ThemeDefinition {
  id: string;
  colors: Record<ThemeColorRole, string>;
  symbols?: Partial<Record<"success" | "failure" | "pending", string>>;
}

export interface PluginDefinition {
  tools?: AnyToolDefinition[];
  providers?: ProviderDefinition[];
  themes?: ThemeDefinition[];
}

/** Identity helpers: they exist for type inference and to give authors one obvious import. */
// biome-ignore lint/suspicious/noExplicitAny: argument types are inferred per tool.
export function defineTool<Args = any>(definition: ToolDefinition<Args>): ToolDefinition<Args> {
  return definition;
}

export function defineProvider(definition: ProviderDefinition): ProviderDefinition {
  return definition;
}

export function defineTheme(definition: ThemeDefinition): ThemeDefinition {
  return definition;
}

export function definePlugin(definition: PluginDefinition): PluginDefinition {
  return definition;
}
