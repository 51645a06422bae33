import {
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
// It runs as /three-turn-driver <task> in a session, and as `pincer three-turn-driver <task>` from
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
  name: "three-turn-driver",
  description: "Work on a task in three turns and report",
  args: "<task> [--turns n]",
  async run(_args, ctx) {
    const { values, positionals, help } = parseCommandArgs(ctx.argv, { options: OPTIONS });
    if (help) return `three-turn-driver <task> [options]\n\n${formatCommandOptions({ options: OPTIONS })}`;
    const turns = values.turns ?? TURNS.length;
    if (!Number.isInteger(turns) || turns < 1 || turns > TURNS.length) {
      throw new CommandUsageError(`--turns must be 1, 2 or 3 (got ${turns}).`);
    }
    if (!ctx.sessions) return { text: "This front end cannot drive sessions.", exitCode: COMMAND_EXIT.failed };
    const task = positionals.join(" ") || "Look around the workspace and describe what it holds.";
    const session = await ctx.sessions.start();
    const report: string[] = [];
    let answer = "";
    let ended = true;
    for (const [index, turnPrompt] of TURNS.slice(0, turns).entries()) {
      ctx.progress(`turn ${index + 1} of ${turns}`);
      let tools = 0;
      const turn = await session.prompt(turnPrompt(task), {
        onEvent: (event) => {
          if (event.type === "tool_end") tools++;
        },
      });
      await session.ledger.append({ turn: index + 1, stopReason: turn.stopReason, tools });
      report.push(`turn ${index + 1}: ${turn.stopReason}, ${tools} tool call(s), $${turn.usage.costUsd.toFixed(4)}`);
      answer = turn.text;
      if (turn.stopReason !== "end_turn") {
        ended = false;
        break;
      }
    }
    return {
      text: [...report, "", answer, "", `session ${session.id} (pincer --resume ${session.id})`].join("\n"),
      // A script running `pincer three-turn-driver` learns from the exit code whether every turn ended well.
      exitCode: ended ? COMMAND_EXIT.done : COMMAND_EXIT.failed,
    };
  },
});

export default definePlugin({ commands: [drive] });
