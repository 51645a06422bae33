import { startOpenAIServer } from "@pincer/testing";
import { type CliResult, jsonLines, type Sandbox } from "./run-cli.js";

/** One turn of the scripted model: the next tool call, chosen from what the tools answered so far. */
export type Step = (results: string[]) => [name: string, args: Record<string, unknown>];

export interface ScriptedSession {
  result: CliResult;
  /** Each tool call in order: its name and what it answered, as stream-json reported it. */
  calls: Array<{ name: string; text: string; isError: boolean }>;
}

/**
 * A `pincer -p` run (stream-json) against a loopback OpenAI server whose model calls one tool a
 * turn, `steps[n]` deciding the n-th call from the results before it (so an id one tool returns
 * feeds the next), then answers "done".
 */
export async function scriptedSession(
  box: Sandbox,
  steps: Step[],
  options: { flags?: string[]; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ScriptedSession> {
  const model = await startOpenAIServer();
  try {
    const names: string[] = [];
    model.respond((body) => {
      const results = body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
      const step = steps[results.length];
      if (!step) return [{ text: "done" }, { finish: "stop" }];
      const [name, args] = step(results);
      names.push(name);
      return [{ toolCalls: [{ id: `call_${results.length}`, name, arguments: args }] }, { finish: "tool_calls" }];
    });
    const result = await box.run(
      ["-p", "use the tools", "--model", "openai/gpt-5", "--output-format", "stream-json", ...(options.flags ?? [])],
      {
        env: { OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: model.url, ...options.env },
        ...(options.cwd ? { cwd: options.cwd } : {}),
      },
    );
    const calls = jsonLines(result.stdout)
      .filter((line) => line.type === "user")
      .flatMap((line) => (line.message as { content: Array<Record<string, unknown>> }).content)
      .filter((block) => block.type === "tool_result")
      .map((block, index) => ({
        name: names[index] ?? "?",
        text: typeof block.content === "string" ? block.content : JSON.stringify(block.content),
        isError: block.is_error === true,
      }));
    return { result, calls };
  } finally {
    await model.close();
  }
}
