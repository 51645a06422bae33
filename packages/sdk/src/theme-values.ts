import {
  ANSI_COLOR_NAMES,
  type SyntaxRole,
  type ThemeColorRole,
  type ThemeOptionalColorRole,
  type ThemeSymbol,
} from "./define.js";

/**
 * The values a theme may hold, as data: the roles, syntax kinds and symbols it names, and what a
 * colour or a symbol may be. The host validates themes with these and the terminal UI draws with
 * them, so both agree on what is safe to print.
 */

export const THEME_COLOR_ROLES: readonly ThemeColorRole[] = ["accent", "success", "warning", "error", "muted"];
export const THEME_OPTIONAL_COLOR_ROLES: readonly ThemeOptionalColorRole[] = [
  "text",
  "user",
  "border",
  "heading",
  "code",
  "link",
  "diffAdded",
  "diffRemoved",
  "selection",
];
export const SYNTAX_ROLES: readonly SyntaxRole[] = [
  "keyword",
  "string",
  "number",
  "comment",
  "function",
  "type",
  "constant",
  "punctuation",
];
export const THEME_SYMBOLS: readonly ThemeSymbol[] = [
  "success",
  "failure",
  "pending",
  "prompt",
  "bullet",
  "collapsed",
  "expanded",
];

const ANSI_NAMES = new Set<string>(ANSI_COLOR_NAMES);

/** `#rrggbb`, or one of the 16 ANSI colour names. */
export function isThemeColor(value: unknown): value is string {
  return typeof value === "string" && (/^#[0-9a-f]{6}$/i.test(value) || ANSI_NAMES.has(value));
}

/** One or two printable characters (code points): nothing that moves the cursor, breaks a line or retitles the terminal. */
export function isThemeSymbol(value: unknown): value is string {
  return typeof value === "string" && /^[^\p{C}\p{Zl}\p{Zp}]{1,2}$/u.test(value);
}
