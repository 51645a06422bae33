import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";
import definition from "../src/index.ts";

// The theme as Pincer reads it: bundled, run in its own isolate, its data checked by the host.
const plugin = await loadPlugin(new URL("..", import.meta.url));
after(() => plugin.dispose());

test("defines the theme with a colour for every role", async () => {
  const theme = await plugin.theme("dusk-theme");
  for (const role of ["accent", "success", "warning", "error", "muted"]) {
    assert.match(theme.colors[role] ?? "", /^#[0-9a-f]{6}$/i, role);
  }
});

test("keeps every colour and symbol it defines: none is dropped as unfit for a terminal", async () => {
  const theme = await plugin.theme("dusk-theme");
  const [defined] = definition.themes ?? [];
  assert.deepEqual(theme.colors, defined?.colors);
  assert.deepEqual(theme.syntax, defined?.syntax);
  assert.deepEqual(theme.symbols, defined?.symbols);
});
