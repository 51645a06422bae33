import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";

// The plugin as Pincer runs it: bundled, in its own isolate; the sessions it drives are real kernels
// answered by a scripted model, one reply per turn.
const plugin = await loadPlugin(new URL("..", import.meta.url));
after(() => plugin.dispose());

test("drives three turns, keeps a ledger and reports", async () => {
  const sessions = plugin.sessions({ model: [{ text: "Done." }, { text: "Checked." }, { text: "1. did it" }] });
  const output = await plugin.runCommand("three-turn-driver", "fix the failing test", { sessions });
  assert.deepEqual(sessions.prompts(), [
    "fix the failing test",
    "Check your work: is anything wrong or missing? If so, fix it.",
    "Summarise what you did in at most three lines.",
  ]);
  assert.match(String(output.text), /turn 3: end_turn/);
  assert.match(String(output.text), /1\. did it/);
  assert.equal(sessions.ledger().length, 3);
  assert.deepEqual(plugin.progress, ["turn 1 of 3", "turn 2 of 3", "turn 3 of 3"]);
});
