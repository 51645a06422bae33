import type { ThemeDefinition } from "@pincer/sdk";

/** ANSI styling that switches itself off for NO_COLOR and non-terminals. */
export interface Style {
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  /** The marks for a finished step, a failed one and one in progress. */
  symbols: { success: string; failure: string; pending: string };
}

const DEFAULT_SYMBOLS = { success: "✓", failure: "✗", pending: "…" };

/** SGR foreground codes of the 16 ANSI colour names a theme may use (background: add 10). */
const ANSI_SGR: Record<string, number> = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
  redBright: 91,
  greenBright: 92,
  yellowBright: 93,
  blueBright: 94,
  magentaBright: 95,
  cyanBright: 96,
  whiteBright: 97,
};

/**
 * The SGR parameters that select a theme colour: `#rrggbb` as 24-bit colour, an ANSI name as
 * the terminal's own. Anything else is undefined: it never reaches the terminal.
 */
export function colorCode(color: string | undefined, layer: "fg" | "bg" = "fg"): string | undefined {
  if (!color) return undefined;
  if (Object.hasOwn(ANSI_SGR, color)) return String((ANSI_SGR[color] as number) + (layer === "bg" ? 10 : 0));
  const rgb = /^#([0-9a-f]{6})$/i.exec(color)?.[1];
  if (!rgb) return undefined;
  const [r, g, b] = [0, 2, 4].map((at) => Number.parseInt(rgb.slice(at, at + 2), 16));
  return `${layer === "bg" ? 48 : 38};2;${r};${g};${b}`;
}

/** Whether colour output is on for a stream: a terminal, and neither NO_COLOR nor TERM=dumb (FORCE_COLOR=1 wins). */
export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return (!!stream.isTTY && !env.NO_COLOR && env.TERM !== "dumb") || env.FORCE_COLOR === "1";
}

/**
 * Colours by role: the terminal's own palette by default, or a theme plugin's colours (24-bit
 * `#rrggbb`, or the 16 ANSI names for terminals without it). A theme only ever supplies data;
 * what it may not do (escape sequences in a symbol, an unknown colour) is dropped.
 */
export function createStyle(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
  theme?: Pick<ThemeDefinition, "colors" | "symbols">,
): Style {
  const enabled = colorEnabled(stream, env);
  const wrap = (open: string, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  const color = (chosen: string | undefined, fallback: number) => wrap(colorCode(chosen) ?? String(fallback), 39);
  const symbol = (name: keyof typeof DEFAULT_SYMBOLS) => {
    const chosen = theme?.symbols?.[name];
    // One or two printable characters, nothing that could move the cursor or retitle the terminal.
    return chosen && /^[^\p{C}]{1,2}$/u.test(chosen) ? chosen : DEFAULT_SYMBOLS[name];
  };
  return {
    dim: colorCode(theme?.colors.muted) ? color(theme?.colors.muted, 2) : wrap("2", 22),
    bold: wrap("1", 22),
    red: color(theme?.colors.error, 31),
    green: color(theme?.colors.success, 32),
    yellow: color(theme?.colors.warning, 33),
    cyan: color(theme?.colors.accent, 36),
    symbols: { success: symbol("success"), failure: symbol("failure"), pending: symbol("pending") },
  };
}
