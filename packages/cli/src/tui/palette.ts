import {
  isThemeColor,
  isThemeSymbol,
  SYNTAX_ROLES,
  type SyntaxRole,
  type ThemeColorRole,
  type ThemeDefinition,
  type ThemeOptionalColorRole,
  type ThemeSymbol,
} from "@pincer/sdk";

export type ColorRole = ThemeColorRole | ThemeOptionalColorRole;

/** Colours the TUI draws with, one per role; `undefined` means the terminal's own colour. */
export interface Palette {
  id: string;
  color: Record<ColorRole, string | undefined>;
  syntax: Record<SyntaxRole, string | undefined>;
  symbol: Record<ThemeSymbol, string>;
}

const DEFAULT_SYMBOLS: Record<ThemeSymbol, string> = {
  success: "✓",
  failure: "✗",
  pending: "…",
  prompt: "›",
  bullet: "●",
  collapsed: "▸",
  expanded: "▾",
};

const ASCII_SYMBOLS: Record<ThemeSymbol, string> = {
  success: "+",
  failure: "x",
  pending: "~",
  prompt: ">",
  bullet: "*",
  collapsed: ">",
  expanded: "v",
};

/**
 * Until a theme plugin answers (or when none can), the terminal's own 16 colours: readable on a
 * dark and a light background alike.
 */
export const TERMINAL_THEME: ThemeDefinition = {
  id: "terminal",
  colors: {
    accent: "cyan",
    success: "green",
    warning: "yellow",
    error: "red",
    muted: "gray",
    user: "blueBright",
    diffAdded: "green",
    diffRemoved: "red",
  },
  syntax: { keyword: "magenta", string: "green", number: "yellow", comment: "gray", function: "blue", type: "cyan" },
};

/** A colour Ink can print, or nothing: anything else a theme sends is dropped, never passed on. */
function safeColor(value: string | undefined): string | undefined {
  return isThemeColor(value) ? value : undefined;
}

function safeSymbol(value: string | undefined, fallback: string): string {
  return isThemeSymbol(value) ? value : fallback;
}

/**
 * Resolves a theme into the palette the components use. Optional roles fall back to the
 * required five; `NO_COLOR` keeps the layout and symbols but drops every colour.
 */
export function createPalette(theme: ThemeDefinition, options: { color: boolean; unicode?: boolean }): Palette {
  const pick = (value: string | undefined) => (options.color ? safeColor(value) : undefined);
  const c = theme.colors;
  const color: Record<ColorRole, string | undefined> = {
    accent: pick(c.accent),
    success: pick(c.success),
    warning: pick(c.warning),
    error: pick(c.error),
    muted: pick(c.muted),
    text: pick(c.text),
    user: pick(c.user ?? c.accent),
    border: pick(c.border ?? c.muted),
    heading: pick(c.heading ?? c.accent),
    code: pick(c.code ?? c.warning),
    link: pick(c.link ?? c.accent),
    diffAdded: pick(c.diffAdded ?? c.success),
    diffRemoved: pick(c.diffRemoved ?? c.error),
    selection: pick(c.selection ?? c.accent),
  };
  const syntax = Object.fromEntries(SYNTAX_ROLES.map((role) => [role, pick(theme.syntax?.[role])])) as Record<
    SyntaxRole,
    string | undefined
  >;
  const defaults = options.unicode === false ? ASCII_SYMBOLS : DEFAULT_SYMBOLS;
  const symbol = Object.fromEntries(
    (Object.keys(defaults) as ThemeSymbol[]).map((name) => [name, safeSymbol(theme.symbols?.[name], defaults[name])]),
  ) as Record<ThemeSymbol, string>;
  return { id: theme.id, color, syntax, symbol };
}

/** Colour on a terminal that shows it: not for NO_COLOR, `TERM=dumb`, or output that is not a TTY. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return !!stream.isTTY && !env.NO_COLOR && env.TERM !== "dumb";
}
