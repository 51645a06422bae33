import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";

const workspace = mkdtempSync(join(tmpdir(), "workspace-"));
// The plugin as Pincer runs it: bundled, in its own isolate, with its manifest's grants.
const plugin = await loadPlugin(new URL("..", import.meta.url), { cwd: workspace });
after(() => plugin.dispose());

test("counts the words of a workspace file", async () => {
  writeFileSync(join(workspace, "notes.txt"), "one two  three\nfour");
  const result = await plugin.runTool("word_count", { path: "notes.txt" });
  assert.equal(result.content, "notes.txt: 4 words");
});

test("cannot read outside the workspace", async () => {
  const result = await plugin.runTool("word_count", { path: "/etc/passwd" });
  assert.equal(result.isError, true);
  assert.match(String(result.content), /refused/);
});
