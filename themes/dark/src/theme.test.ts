import { isThemeColor, isThemeSymbol, SYNTAX_ROLES, THEME_COLOR_ROLES, THEME_OPTIONAL_COLOR_ROLES } from "@pincer/sdk";
import { type LoadedTheme, loadPlugin } from "@pincer/testing";
import { afterAll, describe, expect, it } from "vitest";
import { statusLine } from "./index.js";

// The theme as Pincer runs it: bundled, in its own isolate, read back as data.
const plugin = await loadPlugin(new URL("..", import.meta.url));
afterAll(() => plugin.dispose());
const theme = (await plugin.theme("dark")) as LoadedTheme;

const INFO = {
  model: "anthropic/claude-sonnet-5-5",
  sessionId: "s1",
  cwd: "/home/me/projects/pincer",
  contextTokens: 23_456,
  contextWindow: 200_000,
  inputTokens: 18_200,
  outputTokens: 940,
  costUsd: 0.0421,
  busy: true,
  permissionMode: "default",
};

describe("the dark theme", () => {
  it("loads in the sandbox with every role, token kind and symbol, and nothing dropped", () => {
    expect(theme.warnings).toEqual([]);
    expect(theme.appearance).toBe("dark");
    for (const role of [...THEME_COLOR_ROLES, ...THEME_OPTIONAL_COLOR_ROLES]) {
      expect(theme.colors[role], role).toMatch(/^#[0-9a-f]{6}$/);
    }
    for (const role of SYNTAX_ROLES) expect(theme.syntax?.[role], role).toMatch(/^#[0-9a-f]{6}$/);
    expect(Object.values(theme.symbols ?? {})).toHaveLength(7);
    for (const symbol of Object.values(theme.symbols ?? {})) expect(isThemeSymbol(symbol)).toBe(true);
    expect(Object.values(theme.colors).every(isThemeColor)).toBe(true);
  });

  it("draws its status line in its own sandbox", async () => {
    expect(await theme.formatStatusLine?.(INFO)).toBe(
      "● anthropic/claude-sonnet-5-5 · pincer · ctx 23k/200k 12% · ↑18k ↓940 · $0.042",
    );
    expect(await theme.formatStatusLine?.({ ...INFO, busy: false, permissionMode: "plan", costUsd: 1.5 })).toMatch(
      /^○ .* · \$1\.50 · plan$/,
    );
  });

  it("copes with a model whose window is unknown and with odd numbers", () => {
    const line = statusLine({ ...INFO, contextWindow: undefined, contextTokens: 1_500_000, costUsd: Number.NaN });
    expect(line).toBe("● anthropic/claude-sonnet-5-5 · pincer · ctx 1.5M · ↑18k ↓940 · $0.00");
    expect(statusLine({ ...INFO, cwd: "C:\\work\\app", inputTokens: 9_999, outputTokens: -1 })).toContain(
      "app · ctx 23k/200k 12% · ↑10k ↓0",
    );
  });
});
