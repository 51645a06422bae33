import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";

const plugin = await loadPlugin(new URL("..", import.meta.url));
after(() => plugin.dispose());

test("defines the theme with a colour for every role", async () => {
  const theme = await plugin.theme("dusk-theme");
  for (const role of ["accent", "success", "warning", "error", "muted"]) {
    assert.match(theme.colors[role] ?? "", /^#[0-9a-f]{6}$/i, role);
  }
});
