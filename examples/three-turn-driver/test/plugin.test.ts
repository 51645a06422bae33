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

test("reads its words with the SDK's parser: --turns, and a usage error for a bad value", async () => {
  const sessions = plugin.sessions({ model: [{ text: "Done." }] });
  const output = await plugin.runCommand("three-turn-driver", "fix it --turns 1", { sessions });
  assert.deepEqual(sessions.prompts(), ["fix it"]);
  assert.equal(output.exitCode, undefined);
  await assert.rejects(plugin.runCommand("three-turn-driver", "fix it --turns 9", { sessions }), (error: Error) => {
    assert.match(error.message, /--turns must be 1, 2 or 3 \(got 9\)/);
    assert.equal((error as Error & { exitCode?: number }).exitCode, 2);
    return true;
  });
});
