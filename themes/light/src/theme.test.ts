import { isThemeSymbol, SYNTAX_ROLES, THEME_COLOR_ROLES } from "@pincer/sdk";
import { type LoadedTheme, loadPlugin } from "@pincer/testing";
import { afterAll, describe, expect, it } from "vitest";

const plugin = await loadPlugin(new URL("..", import.meta.url));
afterAll(() => plugin.dispose());
const theme = (await plugin.theme("light")) as LoadedTheme;

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((at) => {
      const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
      return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe("the light theme", () => {
  it("loads in the sandbox with every required role and the full syntax palette", () => {
    expect(theme.warnings).toEqual([]);
    expect(theme.appearance).toBe("light");
    for (const role of THEME_COLOR_ROLES) expect(theme.colors[role], role).toMatch(/^#[0-9a-f]{6}$/);
    for (const role of SYNTAX_ROLES) expect(theme.syntax?.[role], role).toMatch(/^#[0-9a-f]{6}$/);
    for (const symbol of Object.values(theme.symbols ?? {})) expect(isThemeSymbol(symbol)).toBe(true);
  });

  it("keeps text readable on white: 4.5:1 or more for every foreground colour", () => {
    const { border: _border, selection, ...foreground } = theme.colors;
    for (const [role, color] of [...Object.entries(foreground), ...Object.entries(theme.syntax ?? {})]) {
      expect(contrast(color, "#ffffff"), role).toBeGreaterThanOrEqual(4.5);
    }
    // The selection is a background: the theme's text stays readable on it.
    expect(contrast(theme.colors.text!, selection!)).toBeGreaterThanOrEqual(7);
  });
});
