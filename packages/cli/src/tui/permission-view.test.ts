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
});
