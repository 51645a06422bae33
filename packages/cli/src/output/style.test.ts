import { describe, expect, it } from "vitest";
import { colorCode, createStyle } from "./style.js";

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;
const THEME = {
  colors: { accent: "cyanBright", success: "#9ece6a", warning: "yellow", error: "red", muted: "gray" },
  symbols: { success: "+", failure: "\x1b[2J", pending: ".." },
};

describe("headless output colours", () => {
  it("maps the 16 ANSI names to the terminal's own colours, and #rrggbb to 24-bit colour", () => {
    expect(colorCode("red")).toBe("31");
    expect(colorCode("gray")).toBe("90");
    expect(colorCode("whiteBright")).toBe("97");
    expect(colorCode("blue", "bg")).toBe("44");
    expect(colorCode("#9ece6a")).toBe("38;2;158;206;106");
    expect(colorCode("#9ece6a", "bg")).toBe("48;2;158;206;106");
    for (const bad of ["orange", "constructor", "#fff", "\x1b[31m", "", undefined])
      expect(colorCode(bad)).toBeUndefined();
  });

  it("colours by a theme's roles, ANSI names included, and keeps only printable symbols", () => {
    const style = createStyle(tty, {}, THEME);
    expect(style.cyan("a")).toBe("\x1b[96ma\x1b[39m");
    expect(style.green("ok")).toBe("\x1b[38;2;158;206;106mok\x1b[39m");
    expect(style.dim("quiet")).toBe("\x1b[90mquiet\x1b[39m");
    expect(style.symbols).toEqual({ success: "+", failure: "✗", pending: ".." });
  });

  it("has no colour for NO_COLOR, TERM=dumb or a pipe, unless FORCE_COLOR=1", () => {
    for (const [stream, env] of [
      [tty, { NO_COLOR: "1" }],
      [tty, { TERM: "dumb" }],
      [pipe, {}],
    ] as const) {
      expect(createStyle(stream, env, THEME).red("x")).toBe("x");
    }
    expect(createStyle(pipe, { FORCE_COLOR: "1" }, THEME).red("x")).toBe("\x1b[31mx\x1b[39m");
    // Without a theme: the terminal's palette, as ever.
    expect(createStyle(tty, {}).dim("d")).toBe("\x1b[2md\x1b[22m");
  });
});
