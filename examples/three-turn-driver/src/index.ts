import { defineCommand, definePlugin } from "@pincer/sdk";

// A command that drives a session (ctx.sessions): it starts one, prompts it turn after turn,
// reads each turn's events, keeps its own ledger in it, and reports. The session is an ordinary
// one (pincer --resume <id> goes on with it) and its tool calls pass the user's permission rules:
// a driver can narrow what a session may do, never widen it. Cancelling the command aborts the turn.
const TURNS = [
  (task: string) => task,
  () => "Check your work: is anything wrong or missing? If so, fix it.",
  () => "Summarise what you did in at most three lines.",
];

const drive = defineCommand({
  name: "three-turn-driver",
  description: "Work on a task in three turns and report",
  args: "<task>",
  async run(args, ctx) {
    if (!ctx.sessions) return "This front end cannot drive sessions.";
    const task = args || "Look around the workspace and describe what it holds.";
    const session = await ctx.sessions.start();
    const report: string[] = [];
    let answer = "";
    for (const [index, turnPrompt] of TURNS.entries()) {
      ctx.progress(`turn ${index + 1} of ${TURNS.length}`);
      let tools = 0;
      const turn = await session.prompt(turnPrompt(task), {
        onEvent: (event) => {
          if (event.type === "tool_end") tools++;
        },
      });
      await session.ledger.append({ turn: index + 1, stopReason: turn.stopReason, tools });
      report.push(`turn ${index + 1}: ${turn.stopReason}, ${tools} tool call(s), $${turn.usage.costUsd.toFixed(4)}`);
      answer = turn.text;
      if (turn.stopReason !== "end_turn") break;
    }
    return { text: [...report, "", answer, "", `session ${session.id} (pincer --resume ${session.id})`].join("\n") };
  },
});

export default definePlugin({ commands: [drive] });
