import { ANSI_COLOR_NAMES, THEME_COLOR_ROLES } from "@pincer/sdk";
import { type LoadedTheme, loadPlugin } from "@pincer/testing";
import { afterAll, describe, expect, it } from "vitest";

const plugin = await loadPlugin(new URL("..", import.meta.url));
afterAll(() => plugin.dispose());
const theme = (await plugin.theme("ansi16")) as LoadedTheme;

describe("the ansi16 theme", () => {
  it("loads in the sandbox with every required role", () => {
    expect(theme.warnings).toEqual([]);
    for (const role of THEME_COLOR_ROLES) expect(theme.colors[role], role).toBeTruthy();
  });

  it("uses only the 16 ANSI colour names, never 24-bit colour", () => {
    const colors = [...Object.values(theme.colors), ...Object.values(theme.syntax ?? {})];
    expect(colors.length).toBeGreaterThan(10);
    for (const color of colors) expect(ANSI_COLOR_NAMES).toContain(color);
  });

  it("prints only ASCII symbols", () => {
    expect(Object.keys(theme.symbols ?? {})).toHaveLength(7);
    for (const symbol of Object.values(theme.symbols ?? {})) expect(symbol).toMatch(/^[\x21-\x7e]{1,2}$/);
  });
});
