import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadPlugin } from "./plugin-harness.js";

const plugin = fileURLToPath(new URL("../../../plugins/web-search", import.meta.url));

describe("loadPlugin's workspace", () => {
  it("is removed by dispose when the harness made it, and left alone when it was given", async () => {
    const made = await loadPlugin(plugin);
    expect(existsSync(made.cwd)).toBe(true);
    made.dispose();
    expect(existsSync(made.cwd)).toBe(false);

    const mine = mkdtempSync(join(tmpdir(), "pincer-harness-given-"));
    try {
      const given = await loadPlugin(plugin, { cwd: mine });
      expect(given.cwd).toBe(mine);
      given.dispose();
      expect(existsSync(mine)).toBe(true);
    } finally {
      rmSync(mine, { recursive: true, force: true });
    }
  });
});
