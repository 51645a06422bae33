import {
  isThemeColor,
  isThemeSymbol,
  type StatusLineInfo,
  SYNTAX_ROLES,
  type SyntaxRole,
  THEME_COLOR_ROLES,
  THEME_OPTIONAL_COLOR_ROLES,
  THEME_SYMBOLS,
  type ThemeColorRole,
  type ThemeDefinition,
  type ThemeOptionalColorRole,
  type ThemeSymbol,
} from "@pincer/sdk";
import type { PluginSandbox } from "./sandbox/plugin-sandbox.js";

export { isThemeColor, isThemeSymbol, SYNTAX_ROLES, THEME_COLOR_ROLES, THEME_OPTIONAL_COLOR_ROLES, THEME_SYMBOLS };

/**
 * A theme as the host hands it to a UI: the plugin's data, checked (see validateTheme), and its
 * optional status-line code as a host function that runs it in the plugin's sandbox.
 */
export interface LoadedTheme extends Omit<ThemeDefinition, "format"> {
  /** The plugin that contributes it. */
  plugin: string;
  /** What validation dropped or replaced, one sentence each; a UI may show them once. */
  warnings: string[];
  /**
   * The theme's `format.statusLine`, run in its plugin's isolate under the plugin's limits.
   * Resolves to one line of plain text, or undefined when the code throws, runs out of time or
   * returns something other than a string: the caller then draws its own status line.
   */
  formatStatusLine?(info: StatusLineInfo): Promise<string | undefined>;
}

/** A theme's data as it crosses the isolate boundary: functions stripped, and whether it had one. */
export type ThemeData = Omit<ThemeDefinition, "format"> & { hasStatusLine?: boolean };

/** What a required role falls back to when a theme's colour for it is missing or unusable: the terminal's own. */
const REQUIRED_FALLBACK: Record<ThemeColorRole, string> = {
  accent: "cyan",
  success: "green",
  warning: "yellow",
  error: "red",
  muted: "gray",
};

/**
 * Terminal escape sequences: OSC (title, hyperlink, clipboard…) up to BEL or ST; DCS, SOS, PM
 * and APC strings up to ST; CSI (colours, cursor moves, erase), the C1 CSI too; any other escape.
 */
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?/g;

/** Text with every terminal escape sequence (CSI, OSC, DCS and the rest) removed; control characters stay. */
export function stripEscapeSequences(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "");
}

/** Longest status line a theme may return, in characters; the rest is cut with an ellipsis. */
export const MAX_STATUS_LINE = 400;
const MAX_DESCRIPTION = 200;

/**
 * A theme's text made safe for a terminal: escape sequences (CSI, OSC, and the rest) and control
 * characters removed, line breaks and tabs folded into single spaces, and the length capped.
 * Anything but a string is undefined.
 */
export function sanitizeThemeText(value: unknown, max = MAX_STATUS_LINE): string | undefined {
  if (typeof value !== "string") return undefined;
  const plain = stripEscapeSequences(value)
    .replace(/[\r\n\t\v\f\u2028\u2029]+/g, " ")
    .replace(/\p{C}/gu, "")
    .trimEnd();
  const chars = Array.from(plain);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : plain;
}

/**
 * Checks a theme's data from a plugin. What a terminal must not receive is dropped with a
 * warning rather than passed on: a colour that is neither `#rrggbb` nor an ANSI name, a symbol
 * that is not one or two printable characters, an unknown role. A required role that is missing
 * or unusable falls back to the terminal's colour for it, so every role stays coloured.
 */
export function validateTheme(raw: unknown, pluginName: string): { theme: ThemeData; warnings: string[] } {
  const warnings: string[] = [];
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`Plugin ${pluginName} defines a theme that is not an object.`);
  }
  const input = raw as Record<string, unknown>;
  const id = input.id;
  if (typeof id !== "string" || !id) throw new Error(`Plugin ${pluginName} defines a theme without an id.`);
  const where = `Theme ${id} (plugin ${pluginName})`;
  const record = (key: string): Record<string, unknown> => {
    const value = input[key];
    if (value === undefined) return {};
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    warnings.push(`${where}: "${key}" must be an object; ignored.`);
    return {};
  };
  const show = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : typeof value);

  const rawColors = record("colors");
  const colors = {} as ThemeData["colors"];
  for (const role of THEME_COLOR_ROLES) {
    const value = rawColors[role];
    if (isThemeColor(value)) colors[role] = value;
    else {
      warnings.push(
        value === undefined
          ? `${where}: no colour for "${role}"; the terminal's ${REQUIRED_FALLBACK[role]} is used.`
          : `${where}: colour ${show(value)} for "${role}" is neither #rrggbb nor an ANSI colour name; the terminal's ${REQUIRED_FALLBACK[role]} is used.`,
      );
      colors[role] = REQUIRED_FALLBACK[role];
    }
  }
  for (const [role, value] of Object.entries(rawColors)) {
    if ((THEME_COLOR_ROLES as readonly string[]).includes(role)) continue;
    if (!(THEME_OPTIONAL_COLOR_ROLES as readonly string[]).includes(role)) {
      warnings.push(`${where}: unknown colour role "${role}" dropped.`);
    } else if (!isThemeColor(value)) {
      warnings.push(
        `${where}: colour ${show(value)} for "${role}" is neither #rrggbb nor an ANSI colour name; dropped.`,
      );
    } else colors[role as ThemeOptionalColorRole] = value;
  }

  const syntax: Partial<Record<SyntaxRole, string>> = {};
  for (const [role, value] of Object.entries(record("syntax"))) {
    if (!(SYNTAX_ROLES as readonly string[]).includes(role))
      warnings.push(`${where}: unknown syntax role "${role}" dropped.`);
    else if (!isThemeColor(value)) {
      warnings.push(
        `${where}: syntax colour ${show(value)} for "${role}" is neither #rrggbb nor an ANSI colour name; dropped.`,
      );
    } else syntax[role as SyntaxRole] = value;
  }

  const symbols: Partial<Record<ThemeSymbol, string>> = {};
  for (const [name, value] of Object.entries(record("symbols"))) {
    if (!(THEME_SYMBOLS as readonly string[]).includes(name))
      warnings.push(`${where}: unknown symbol "${name}" dropped.`);
    else if (!isThemeSymbol(value)) {
      warnings.push(`${where}: symbol "${name}" must be one or two printable characters; dropped.`);
    } else symbols[name as ThemeSymbol] = value;
  }

  const theme: ThemeData = { id, colors };
  if (input.description !== undefined) {
    const description = sanitizeThemeText(input.description, MAX_DESCRIPTION);
    if (description) theme.description = description;
    else warnings.push(`${where}: "description" must be a line of text; ignored.`);
  }
  if (input.appearance === "dark" || input.appearance === "light") theme.appearance = input.appearance;
  else if (input.appearance !== undefined) {
    warnings.push(`${where}: "appearance" must be "dark" or "light"; ignored.`);
  }
  if (Object.keys(syntax).length) theme.syntax = syntax;
  if (Object.keys(symbols).length) theme.symbols = symbols;
  if (input.hasStatusLine === true) theme.hasStatusLine = true;
  return { theme, warnings };
}

/**
 * A theme its plugin defines, checked (see validateTheme). Its status-line code, if any, stays in
 * the plugin's isolate: `formatStatusLine` runs it there and hands back sanitized text.
 */
export async function loadSandboxedTheme(
  id: string,
  pluginName: string,
  sandboxOf: () => PluginSandbox,
): Promise<LoadedTheme> {
  const raw = (await sandboxOf().definitions()).themes.find((candidate) => candidate?.id === id);
  if (!raw) throw new Error(`Plugin ${pluginName} lists theme "${id}" but does not define it.`);
  const { theme, warnings } = validateTheme(raw, pluginName);
  const { hasStatusLine, ...data } = theme;
  const loaded: LoadedTheme = { ...data, plugin: pluginName, warnings };
  if (hasStatusLine) {
    let disabled = false;
    loaded.formatStatusLine = async (info: StatusLineInfo) => {
      if (disabled) return undefined;
      // Looked up per call: a theme under `pincer plugin dev` is replaced when its bundle changes.
      const result = await sandboxOf().formatThemeStatusLine(id, info);
      // Code that had to be stopped (CPU, time, memory) would stall every redraw: not run again.
      if (result.stopped) disabled = true;
      const problem = result.stopped
        ? `${result.problem} The theme's status line code is off for this session.`
        : result.problem;
      if (problem && !warnings.includes(problem)) warnings.push(problem);
      return sanitizeThemeText(result.line);
    };
  }
  return loaded;
}
