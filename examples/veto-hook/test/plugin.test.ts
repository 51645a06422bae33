import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";

// The plugin as Pincer runs it: bundled, in its own isolate, its verdicts checked as a session checks them.
const plugin = await loadPlugin(new URL("..", import.meta.url));
after(() => plugin.dispose());

const bash = (command: string) => ({ id: "call-1", name: "bash", arguments: { command } });

test("refuses a command that matches a pattern, with a reason the model reads", async () => {
  const verdict = await plugin.runHook("beforeToolCall", bash("rm -rf build"));
  assert.match(String(verdict?.block?.reason), /refuses commands matching/);
});

test("has no objection to other commands", async () => {
  assert.equal(await plugin.runHook("beforeToolCall", bash("ls -la")), undefined);
});

test("a session with the hook refuses the call and goes on", async () => {
  const session = await plugin.session({ model: [{ bash: "rm -rf /" }, { text: "I will not." }] });
  const turn = await session.prompt("clean up");
  assert.equal(turn.stopReason, "end_turn");
  assert.deepEqual(session.ran, []);
  assert.match(session.toolResults.join("\n"), /Blocked by a hook/);
});
