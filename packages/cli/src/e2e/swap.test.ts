import { startAnthropicServer, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox } from "./run-cli.js";

let openai: Awaited<ReturnType<typeof startOpenAIServer>>;
let hf: Awaited<ReturnType<typeof startOpenAIServer>>;
let anthropic: Awaited<ReturnType<typeof startAnthropicServer>>;
beforeAll(async () => {
  [openai, hf, anthropic] = await Promise.all([startOpenAIServer(), startOpenAIServer(), startAnthropicServer()]);
});
afterAll(async () => {
  await Promise.all([openai.close(), hf.close(), anthropic.close()]);
});

describe("one session across providers", () => {
  it("moves from OpenAI to Anthropic to Hugging Face and back with --resume --model, tool history intact", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-test-swap-0001",
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_API_KEY: "sk-ant-swap-0001",
      ANTHROPIC_BASE_URL: anthropic.url,
      HF_TOKEN: "hf_swap_0001",
      HF_ROUTER_BASE_URL: hf.url,
    });
    const run = async (model: string, prompt: string, resume?: string) => {
      const result = await box.run([
        "-p",
        prompt,
        "--model",
        model,
        "--output-format",
        "stream-json",
        ...(resume ? ["--resume", resume] : []),
      ]);
      expect(result.code, result.stderr).toBe(0);
      return jsonLines(result.stdout).at(-1) as { session_id: string; result: string };
    };

    openai.enqueue([
      { reasoning: "Let me look." },
      { toolCalls: [{ id: "call_ls1", name: "ls", arguments: {} }] },
      { finish: "tool_calls" },
    ]);
    openai.enqueue([{ text: "An empty folder." }, { finish: "stop" }]);
    const first = await run("openai/gpt-5", "What is here?");

    anthropic.enqueue([{ thinking: "Recall.", signature: "sig-a" }, { text: "Still empty." }]);
    const second = await run("anthropic/claude-sonnet-5-5", "And now?", first.session_id);
    expect(second.session_id).toBe(first.session_id);
    const toAnthropic = anthropic.requests.at(-1)!.body as {
      messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
    };
    // OpenAI's call and result, as Anthropic blocks; OpenAI's reasoning (no signature) dropped.
    expect(toAnthropic.messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(toAnthropic.messages[1]!.content).toEqual([{ type: "tool_use", id: "call_ls1", name: "ls", input: {} }]);
    expect((toAnthropic.messages[2]!.content as Array<Record<string, unknown>>)[0]).toMatchObject({
      type: "tool_result",
      tool_use_id: "call_ls1",
    });

    hf.enqueue([{ text: "Yes, empty." }, { finish: "stop" }]);
    await run("hf/openai/gpt-oss-120b", "Sure?", first.session_id);
    const toHf = hf.requests.at(-1)!.body as { model: string; messages: Array<Record<string, unknown>> };
    expect(toHf.model).toBe("openai/gpt-oss-120b");
    // Anthropic's signed thinking is not sent to another provider; its text is.
    expect(JSON.stringify(toHf.messages)).not.toContain("Recall.");
    expect(toHf.messages).toContainEqual({ role: "assistant", content: "Still empty." });
    expect(toHf.messages).toContainEqual(expect.objectContaining({ role: "tool", tool_call_id: "call_ls1" }));

    openai.enqueue([{ text: "Back on OpenAI." }, { finish: "stop" }]);
    const last = await run("openai/gpt-5", "Thanks", first.session_id);
    expect(last.result).toBe("Back on OpenAI.");
    const toOpenai = openai.requests.at(-1)!.body as { messages: Array<{ role: string }> };
    expect(toOpenai.messages.filter((message) => message.role === "user")).toHaveLength(4);
  });
});
