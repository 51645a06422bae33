import type { KindFiles } from "./plugin-templates.js";

/** `pincer plugin new --kind hook`: a guard that refuses bash commands matching a pattern. */
export function hookTemplate(slug: string): KindFiles {
  return {
    description: `${slug}: refuses bash commands that match a pattern, whatever the permission mode`,
    contributes: { hooks: [{ event: "beforeToolCall", tools: ["bash"], guard: true }] },
    source: `import { defineHooks, definePlugin } from "@pincer/sdk";

// A hook runs in the plugin's sandbox at a point of every session: here, before each bash call
// (pincer.plugin.json lists it under contributes.hooks, for the bash tool only). It answers with
// a verdict: block (refused, with a reason the model reads), ask (a person must approve), args
// (rewrite the input), context (a note for the model), or nothing for no objection. No verdict
// lowers a gate: what the user's rules ask about or deny stays asked or denied. As a "guard",
// a hook that fails refuses the call rather than let it through.
const REFUSED = [/\\brm\\s+-[a-z]*r[a-z]*f/, /\\bgit\\s+push\\b.*(--force|-f\\b)/, /\\bcurl\\b.*\\|\\s*(ba)?sh\\b/];

export default definePlugin({
  hooks: defineHooks({
    beforeToolCall(call) {
      const command = String(call.arguments.command ?? "");
      const pattern = REFUSED.find((candidate) => candidate.test(command));
      if (pattern) return { block: { reason: \`${slug} refuses commands matching \${pattern}\` } };
    },
  }),
});
`,
    test: `import assert from "node:assert/strict";
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
  assert.match(session.toolResults.join("\\n"), /Blocked by a hook/);
});
`,
  };
}

/** `pincer plugin new --kind driver`: a command that drives a session through three turns and reports. */
export function driverTemplate(slug: string): KindFiles {
  // A command name starts with a letter and has at most 32 characters.
  const name =
    slug
      .replace(/^[^a-z]+/, "")
      .slice(0, 32)
      .replace(/-+$/, "") || "drive";
  return {
    description: `/${name}: works on a task in three turns (do, check, summarise) and reports`,
    contributes: {
      commands: [{ name: slug, description: "Work on a task in three turns and report", args: "<task> [--turns n]" }],
    },
    source: `import {
  COMMAND_EXIT,
  CommandUsageError,
  defineCommand,
  definePlugin,
  formatCommandOptions,
  parseCommandArgs,
} from "@pincer/sdk";

// A command that drives a session (ctx.sessions): it starts one, prompts it turn after turn,
// reads each turn's events, keeps its own ledger in it, and reports. The session is an ordinary
// one (pincer --resume <id> goes on with it) and its tool calls pass the user's permission rules:
// a driver can narrow what a session may do, never widen it. Cancelling the command aborts the turn.
// It runs as /${name} <task> in a session, and as \`pincer ${name} <task>\` from
// the command line; either way its words arrive in ctx.argv, read with parseCommandArgs.
const TURNS = [
  (task: string) => task,
  () => "Check your work: is anything wrong or missing? If so, fix it.",
  () => "Summarise what you did in at most three lines.",
];

const OPTIONS = {
  turns: { type: "number", default: TURNS.length, description: "How many of the three turns to run (1-3)" },
} as const;

const drive = defineCommand({
  name: "${name}",
  description: "Work on a task in three turns and report",
  args: "<task> [--turns n]",
  async run(_args, ctx) {
    const { values, positionals, help } = parseCommandArgs(ctx.argv, { options: OPTIONS });
    if (help) return \`${name} <task> [options]\\n\\n\${formatCommandOptions({ options: OPTIONS })}\`;
    const turns = values.turns ?? TURNS.length;
    if (!Number.isInteger(turns) || turns < 1 || turns > TURNS.length) {
      throw new CommandUsageError(\`--turns must be 1, 2 or 3 (got \${turns}).\`);
    }
    if (!ctx.sessions) return { text: "This front end cannot drive sessions.", exitCode: COMMAND_EXIT.failed };
    const task = positionals.join(" ") || "Look around the workspace and describe what it holds.";
    const session = await ctx.sessions.start();
    const report: string[] = [];
    let answer = "";
    let ended = true;
    for (const [index, turnPrompt] of TURNS.slice(0, turns).entries()) {
      ctx.progress(\`turn \${index + 1} of \${turns}\`);
      let tools = 0;
      const turn = await session.prompt(turnPrompt(task), {
        onEvent: (event) => {
          if (event.type === "tool_end") tools++;
        },
      });
      await session.ledger.append({ turn: index + 1, stopReason: turn.stopReason, tools });
      report.push(\`turn \${index + 1}: \${turn.stopReason}, \${tools} tool call(s), $\${turn.usage.costUsd.toFixed(4)}\`);
      answer = turn.text;
      if (turn.stopReason !== "end_turn") {
        ended = false;
        break;
      }
    }
    return {
      text: [...report, "", answer, "", \`session \${session.id} (pincer --resume \${session.id})\`].join("\\n"),
      // A script running \`pincer ${name}\` learns from the exit code whether every turn ended well.
      exitCode: ended ? COMMAND_EXIT.done : COMMAND_EXIT.failed,
    };
  },
});

export default definePlugin({ commands: [drive] });
`,
    test: `import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";

// The plugin as Pincer runs it: bundled, in its own isolate; the sessions it drives are real kernels
// answered by a scripted model, one reply per turn.
const plugin = await loadPlugin(new URL("..", import.meta.url));
after(() => plugin.dispose());

test("drives three turns, keeps a ledger and reports", async () => {
  const sessions = plugin.sessions({ model: [{ text: "Done." }, { text: "Checked." }, { text: "1. did it" }] });
  const output = await plugin.runCommand("${name}", "fix the failing test", { sessions });
  assert.deepEqual(sessions.prompts(), [
    "fix the failing test",
    "Check your work: is anything wrong or missing? If so, fix it.",
    "Summarise what you did in at most three lines.",
  ]);
  assert.match(String(output.text), /turn 3: end_turn/);
  assert.match(String(output.text), /1\\. did it/);
  assert.equal(sessions.ledger().length, 3);
  assert.deepEqual(plugin.progress, ["turn 1 of 3", "turn 2 of 3", "turn 3 of 3"]);
});

test("reads its words with the SDK's parser: --turns, and a usage error for a bad value", async () => {
  const sessions = plugin.sessions({ model: [{ text: "Done." }] });
  const output = await plugin.runCommand("${name}", "fix it --turns 1", { sessions });
  assert.deepEqual(sessions.prompts(), ["fix it"]);
  assert.equal(output.exitCode, undefined);
  await assert.rejects(plugin.runCommand("${name}", "fix it --turns 9", { sessions }), (error: Error) => {
    assert.match(error.message, /--turns must be 1, 2 or 3 \\(got 9\\)/);
    assert.equal((error as Error & { exitCode?: number }).exitCode, 2);
    return true;
  });
});
`,
  };
}
