import { renderToString } from "ink";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import type { PendingPermission } from "./controller.js";
import { createPalette, TERMINAL_THEME } from "./palette.js";
import { PermissionView } from "./panels.js";

const palette = createPalette(TERMINAL_THEME, { color: false });

const screenFor = (request: PendingPermission): string =>
  renderToString(
    createElement(PermissionView, { request, palette, configFile: "~/.pincer/config.json", onEscape: () => {} }),
    { columns: 100 },
  );

describe("the permission question", () => {
  it("shows what the call would cost, when its tool estimates it", () => {
    const screen = screenFor({
      toolName: "hf_job_run",
      title: "hf_job_run a10g-small",
      reason: "hf_job_run runs commands, and default mode asks before that",
      cost: "estimated $2.00: a10g-small at $1.00/h × up to 2 h ≈ $2.00",
      answer: () => {},
    });
    expect(screen).toContain("estimated $2.00: a10g-small at $1.00/h × up to 2 h ≈ $2.00");
    expect(screen.indexOf("estimated $2.00")).toBeLessThan(screen.indexOf("default mode asks"));
  });

  it("shows no cost line for a call without an estimate", () => {
    const screen = screenFor({
      toolName: "bash",
      title: "bash rm -rf build",
      reason: "bash runs commands",
      answer: () => {},
    });
    expect(screen).not.toContain("estimated");
    expect(screen).toContain("bash runs commands");
  });

  it("shows what will run exactly: escape sequences and bidi overrides as visible codes, never as effects", () => {
    const screen = screenFor({
      toolName: "bash",
      title: "bash: echo safe \u202e; rm -rf ~ \u202c\u001b]52;c;ZXZpbA==\u0007",
      reason: "bash runs commands",
      cost: "estimated $0.00: free\u001b[8m hidden\u202e",
      suggestedRule: "lookup(\u001b[2Jx)",
      answer: () => {},
    });
    expect(screen).toContain("echo safe ⟨U+202E⟩; rm -rf ~ ⟨U+202C⟩⟨U+001B⟩]52;c;ZXZpbA==⟨U+0007⟩?");
    expect(screen).toContain("lookup(⟨U+001B⟩[2Jx)");
    expect(screen).toContain("estimated $0.00: free hidden");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
    expect(screen).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});
