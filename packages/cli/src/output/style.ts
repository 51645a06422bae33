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

/**
 * Colours by role: the terminal's own palette by default, or a theme plugin's (24-bit) colours.
 * A theme only ever supplies data; what it may not do (escape sequences in a symbol) is dropped.
 */
export function createStyle(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
  theme?: ThemeDefinition,
): Style {
  const enabled = (!!stream.isTTY && !env.NO_COLOR && env.TERM !== "dumb") || env.FORCE_COLOR === "1";
  const wrap = (open: string, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  const color = (hex: string | undefined, fallback: number) => {
    const rgb = hex && /^#([0-9a-f]{6})$/i.exec(hex)?.[1];
    if (!rgb) return wrap(String(fallback), 39);
    const [r, g, b] = [0, 2, 4].map((at) => Number.parseInt(rgb.slice(at, at + 2), 16));
    return wrap(`38;2;${r};${g};${b}`, 39);
  };
  const symbol = (name: keyof typeof DEFAULT_SYMBOLS) => {
    const chosen = theme?.symbols?.[name];
    // One or two printable characters, nothing that could move the cursor or retitle the terminal.
    return chosen && /^[^\p{C}]{1,2}$/u.test(chosen) ? chosen : DEFAULT_SYMBOLS[name];
  };
  return {
    dim: theme ? color(theme.colors.muted, 2) : wrap("2", 22),
    bold: wrap("1", 22),
    red: color(theme?.colors.error, 31),
    green: color(theme?.colors.success, 32),
    yellow: color(theme?.colors.warning, 33),
    cyan: color(theme?.colors.accent, 36),
    symbols: { success: symbol("success"), failure: symbol("failure"), pending: symbol("pending") },
  };
}
