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

/** The roles of Pincer's output every theme colours. */
export type ThemeColorRole = "accent" | "success" | "warning" | "error" | "muted";

/** Roles a theme may colour too; left out, each falls back to one of the five above or the terminal's. */
export type ThemeOptionalColorRole =
  | "text"
  | "user"
  | "border"
  | "heading"
  | "code"
  | "link"
  | "diffAdded"
  | "diffRemoved"
  | "selection";

/** Token kinds of the code highlighter in fenced blocks. */
export type SyntaxRole = "keyword" | "string" | "number" | "comment" | "function" | "type" | "constant" | "punctuation";

/** The marks Pincer prints; each one or two printable characters. */
export type ThemeSymbol = "success" | "failure" | "pending" | "prompt" | "bullet" | "collapsed" | "expanded";

/**
 * What a theme's optional formatting code receives to draw the status line. Plain data: the
 * function runs inside the theme plugin's sandbox and returns text (escape sequences are dropped).
 */
export interface StatusLineInfo {
  model: string;
  sessionId: string;
  cwd: string;
  /** Tokens of context the next request will carry, and the model's window when known. */
  contextTokens: number;
  contextWindow?: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  busy: boolean;
  permissionMode: string;
}

/**
 * A theme is data: a colour per role, a syntax palette and the symbols Pincer prints, plus
 * optional formatting code. A colour is `#rrggbb`, or one of the 16 ANSI names (`red`,
 * `blueBright`, `gray`…) for terminals without 24-bit colour.
 */
export interface ThemeDefinition {
  id: string;
  /** One line for `pincer theme list`. */
  description?: string;
  /** The terminal background the theme is made for. */
  appearance?: "dark" | "light";
  colors: Record<ThemeColorRole, string> & Partial<Record<ThemeOptionalColorRole, string>>;
  syntax?: Partial<Record<SyntaxRole, string>>;
  symbols?: Partial<Record<ThemeSymbol, string>>;
  /** Optional code, run in the theme's sandbox: return the whole status line as plain text. */
  format?: { statusLine?(info: StatusLineInfo): string };
}

/** The 16 ANSI colour names a theme may use instead of `#rrggbb`. */
export const ANSI_COLOR_NAMES = [
  "black",
  "red",
  "green",
  "yellow",
  "blue",
  "magenta",
  "cyan",
  "white",
  "gray",
  "redBright",
  "greenBright",
  "yellowBright",
  "blueBright",
  "magentaBright",
  "cyanBright",
  "whiteBright",
] as const;

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
