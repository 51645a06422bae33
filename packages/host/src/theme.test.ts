import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StatusLineInfo } from "@pincer/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry, type RegistryContext } from "./registry.js";
import { MAX_STATUS_LINE, sanitizeThemeText, validateTheme } from "./theme.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A theme plugin on disk: its manifest lists `ids`, its bundle defines `themes` (JS source). */
function themePlugin(ids: string[], themes: string, name = "theme-probe"): string {
  const dir = tempDir("pincer-theme-");
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name,
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { themes: ids },
    }),
  );
  writeFileSync(join(dir, "dist/plugin.js"), `globalThis.__pincerPlugin = { default: { themes: [${themes}] } };`);
  return dir;
}

function registry(context: Partial<RegistryContext> = {}): PluginRegistry {
  const created = new PluginRegistry({ cwd: tempDir("pincer-cwd-"), env: {}, ...context });
  cleanups.push(() => created.dispose());
  return created;
}

const COLORS = `{ accent: "#7aa2f7", success: "#9ece6a", warning: "#e0af68", error: "#f7768e", muted: "gray" }`;
const theme = (id: string, extra = "") => `{ id: ${JSON.stringify(id)}, colors: ${COLORS}, ${extra} }`;

const INFO: StatusLineInfo = {
  model: "openai/gpt-5",
  sessionId: "s1",
  cwd: "/work/app",
  contextTokens: 12_000,
  contextWindow: 200_000,
  inputTokens: 1200,
  outputTokens: 340,
  costUsd: 0.0123,
  busy: false,
  permissionMode: "default",
};

describe("theme validation", () => {
  const valid = {
    id: "neat",
    description: "A neat theme",
    appearance: "dark",
    colors: { accent: "#7aa2f7", success: "green", warning: "#e0af68", error: "redBright", muted: "#565f89" },
    syntax: { keyword: "#bb9af7", comment: "gray" },
    symbols: { success: "✔", prompt: "❯", collapsed: "+>" },
  };

  it("keeps a valid theme as it is, with no warnings", () => {
    expect(validateTheme(valid, "p")).toEqual({ theme: valid, warnings: [] });
  });

  it("drops colours that are neither #rrggbb nor an ANSI name, with a warning naming the role", () => {
    const { theme, warnings } = validateTheme(
      {
        ...valid,
        colors: { ...valid.colors, error: "\x1b[31m", link: "#12345", heading: "blue", code: "orange" },
        syntax: { keyword: "rgb(1,2,3)", string: "#a1b2c3" },
      },
      "p",
    );
    // A required role keeps a colour: the terminal's own for it.
    expect(theme.colors).toEqual({ ...valid.colors, error: "red", heading: "blue" });
    expect(theme.syntax).toEqual({ string: "#a1b2c3" });
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/Theme neat \(plugin p\): colour .* for "error" .*the terminal's red is used/);
    expect(warnings.join("\n")).toContain('"link"');
    expect(warnings.join("\n")).toContain('"code"');
    expect(warnings.join("\n")).toContain('syntax colour "rgb(1,2,3)" for "keyword"');
  });

  it("fills a missing required role and drops unknown roles and symbols", () => {
    const { theme, warnings } = validateTheme(
      {
        id: "sparse",
        colors: { accent: "#000000", success: "green", warning: "yellow", error: "red", sucess: "#ffffff" },
        syntax: { keywrd: "red" },
        symbols: { sucess: "+" },
      },
      "p",
    );
    expect(theme.colors.muted).toBe("gray");
    expect(theme).not.toHaveProperty("syntax");
    expect(theme).not.toHaveProperty("symbols");
    expect(warnings.join("\n")).toMatch(/no colour for "muted"/);
    expect(warnings.join("\n")).toMatch(/unknown colour role "sucess"/);
    expect(warnings.join("\n")).toMatch(/unknown syntax role "keywrd"/);
    expect(warnings.join("\n")).toMatch(/unknown symbol "sucess"/);
  });

  it("accepts only one or two printable characters as a symbol", () => {
    const symbols = {
      success: "ok",
      failure: "✘",
      pending: "...",
      prompt: "\x1b]0;pwned\x07",
      bullet: "\n",
      collapsed: "",
      expanded: "\u202e",
    };
    const { theme, warnings } = validateTheme({ ...valid, symbols }, "p");
    expect(theme.symbols).toEqual({ success: "ok", failure: "✘" });
    expect(warnings).toHaveLength(5);
    for (const warning of warnings) expect(warning).toMatch(/must be one or two printable characters/);
  });

  it("makes the description one plain line and drops a bad appearance", () => {
    const { theme, warnings } = validateTheme(
      { ...valid, description: "Line one\nline \x1b[2Jtwo", appearance: "sepia" },
      "p",
    );
    expect(theme.description).toBe("Line one line two");
    expect(theme).not.toHaveProperty("appearance");
    expect(warnings).toEqual(['Theme neat (plugin p): "appearance" must be "dark" or "light"; ignored.']);
  });

  it("refuses what is not a theme at all", () => {
    expect(() => validateTheme("dark", "p")).toThrow("not an object");
    expect(() => validateTheme({ colors: {} }, "p")).toThrow("without an id");
  });
});

describe("status line sanitizing", () => {
  it("strips escape sequences and control characters and keeps one line", () => {
    const hostile = [
      "\x1b[31mred\x1b[0m",
      "\x1b]0;new title\x07",
      "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
      "\x1b[2J\x1b[H",
      "\x9b31m",
      "\x1bPdcs\x1b\\",
      "bell\x07",
      "two\nlines\r\n\tand\u2028more",
      "\u202ertl",
    ].join(" ");
    const clean = sanitizeThemeText(hostile)!;
    expect(clean).toBe("red  link    bell two lines and more rtl");
    expect(clean).not.toMatch(/[\p{C}]/u);
  });

  it("caps the length and refuses what is not a string", () => {
    const long = sanitizeThemeText("é".repeat(5000))!;
    expect(Array.from(long)).toHaveLength(MAX_STATUS_LINE);
    expect(long.endsWith("…")).toBe(true);
    expect(sanitizeThemeText(42)).toBeUndefined();
    expect(sanitizeThemeText(undefined)).toBeUndefined();
    expect(sanitizeThemeText({ toString: () => "x" })).toBeUndefined();
  });
});

describe("themes from plugins", () => {
  it("crosses the isolate as data: the function stays inside, the host gets a flag and a bridge", async () => {
    const dir = themePlugin(
      ["fancy", "plain"],
      `${theme("fancy", `format: { statusLine(info) { return "\\x1b[1m" + info.model + " · " + Math.round(info.costUsd * 100) + "¢ · " + typeof process + "\\n"; } }`)}, ${theme("plain")}`,
    );
    const themes = registry();
    themes.add(dir);
    expect(themes.listThemes()).toEqual([
      { id: "fancy", plugin: "theme-probe" },
      { id: "plain", plugin: "theme-probe" },
    ]);
    const fancy = await themes.loadTheme("fancy");
    expect(fancy).toMatchObject({ id: "fancy", plugin: "theme-probe", warnings: [], colors: { muted: "gray" } });
    expect(fancy).not.toHaveProperty("format");
    expect(fancy).not.toHaveProperty("hasStatusLine");
    // Bold and the newline are dropped; the code ran where there is no `process`.
    expect(await fancy.formatStatusLine?.(INFO)).toBe("openai/gpt-5 · 1¢ · undefined");
    const plain = await themes.loadTheme("plain");
    expect(plain.formatStatusLine).toBeUndefined();
  });

  it("gives undefined (the caller falls back) when the code throws or returns no string, and keeps working", async () => {
    const dir = themePlugin(
      ["throws", "number", "promise"],
      [
        theme("throws", `format: { statusLine(info) { if (info.busy) throw new Error("boom"); return "idle"; } }`),
        theme("number", "format: { statusLine() { return 42; } }"),
        theme("promise", `format: { async statusLine() { return "later"; } }`),
      ].join(", "),
    );
    const themes = registry();
    themes.add(dir);
    const throws = await themes.loadTheme("throws");
    expect(await throws.formatStatusLine?.({ ...INFO, busy: true })).toBeUndefined();
    expect(throws.warnings.join("\n")).toMatch(/Theme throws's status line failed: .*boom/);
    expect(await throws.formatStatusLine?.(INFO)).toBe("idle");
    const number = await themes.loadTheme("number");
    expect(await number.formatStatusLine?.(INFO)).toBeUndefined();
    expect(number.warnings.join("\n")).toMatch(/returned no text/);
    expect(await (await themes.loadTheme("promise")).formatStatusLine?.(INFO)).toBeUndefined();
  });

  it("stops code that hangs at the plugin's CPU limit, and never runs it again", async () => {
    const dir = themePlugin(
      ["spin", "calm"],
      `${theme("spin", "format: { statusLine() { while (true) {} } }")}, ${theme("calm", `format: { statusLine() { return "calm"; } }`)}`,
    );
    const themes = registry({ sandboxLimits: { cpuMsPerCall: 200 } });
    themes.add(dir);
    const spin = await themes.loadTheme("spin");
    const started = Date.now();
    expect(await spin.formatStatusLine?.(INFO)).toBeUndefined();
    expect(spin.warnings.join("\n")).toMatch(/used more than 200 ms of CPU.*off for this session/);
    // Off for the rest of the session: no second stall.
    expect(await spin.formatStatusLine?.(INFO)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
    // The plugin's isolate restarts for the next call of another theme.
    expect(await (await themes.loadTheme("calm")).formatStatusLine?.(INFO)).toBe("calm");
  });

  it("validates theme data on load and reports what it dropped", async () => {
    const dir = themePlugin(
      ["loud"],
      `{ id: "loud", colors: { accent: "#7aa2f7", success: "green", warning: "yellow", error: "\\x1b[5m", muted: "gray", link: "hotpink" }, symbols: { success: "\\x1b[2J", pending: "…" } }`,
    );
    const themes = registry();
    themes.add(dir);
    const loud = await themes.loadTheme("loud");
    expect(loud.colors).toEqual({
      accent: "#7aa2f7",
      success: "green",
      warning: "yellow",
      error: "red",
      muted: "gray",
    });
    expect(loud.symbols).toEqual({ pending: "…" });
    expect(loud.warnings).toHaveLength(3);
  });

  it("names the missing theme and the plugin that lists a theme it does not define", async () => {
    const themes = registry();
    themes.add(themePlugin(["ghost"], theme("real")));
    await expect(themes.loadTheme("nope")).rejects.toThrow('No plugin provides the theme "nope". Known themes: ghost.');
    await expect(themes.loadTheme("ghost")).rejects.toThrow(
      'Plugin theme-probe lists theme "ghost" but does not define it.',
    );
  });

  it("works from a V8 snapshot, as built-in themes start", async () => {
    const dir = themePlugin(["snap"], theme("snap", `format: { statusLine(info) { return "snap " + info.model; } }`));
    const cacheDir = tempDir("pincer-cache-");
    for (const round of [1, 2]) {
      const themes = registry({ cacheDir });
      themes.add(dir, { snapshot: true });
      const snap = await themes.loadTheme("snap");
      expect(snap.colors.accent, `round ${round}`).toBe("#7aa2f7");
      expect(await snap.formatStatusLine?.(INFO), `round ${round}`).toBe("snap openai/gpt-5");
      themes.dispose();
      // The first start made the snapshot; the second started from it.
      expect(readdirSync(join(cacheDir, "snapshots")).filter((file) => file.endsWith(".bin"))).toHaveLength(1);
    }
    expect(existsSync(join(cacheDir, "snapshots"))).toBe(true);
  });
});
