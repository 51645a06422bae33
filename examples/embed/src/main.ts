/**
 * Embedding Pincer: a program registers its own tool and provider, listens to events, runs
 * turns and aborts one. Run it with `pnpm --filter @pincer/example-embed start`.
 */
import { createKernel, type Provider, type ProviderEvent, type Tool } from "@pincer/kernel";

// 1. A tool: JSON Schema arguments, a kind for the permission engine, an execute function.
const clock: Tool<{ timeZone?: string }> = {
  name: "clock",
  description: "The current date and time in a time zone (IANA name, default UTC).",
  parameters: { type: "object", properties: { timeZone: { type: "string" } }, additionalProperties: false },
  kind: "read",
  async execute(args) {
    const now = new Date("2026-11-24T12:00:00Z"); // fixed, so the example's output is stable
    return { content: now.toLocaleString("en-GB", { timeZone: args.timeZone ?? "UTC" }) };
  },
};

// 2. A provider: anything that turns a request into the kernel's stream events. This toy one
//    asks for the clock, then answers with the tool's result; a prompt containing "slowly"
//    streams until it is aborted.
const toy: Provider = {
  id: "toy",
  async *stream(request, signal): AsyncGenerator<ProviderEvent> {
    const last = request.messages.at(-1);
    if (last?.role === "toolResult") {
      const time = last.content.map((block) => (block.type === "text" ? block.text : "")).join("");
      yield { type: "text_delta", text: `In Tokyo it is ${time}.` };
      yield { type: "usage", usage: { input: 42, output: 9 } };
      yield { type: "stop", reason: "stop" };
      return;
    }
    if (typeof last?.content === "string" && last.content.includes("slowly")) {
      while (!signal.aborted) {
        yield { type: "text_delta", text: "… " };
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      yield { type: "stop", reason: "aborted" };
      return;
    }
    yield { type: "toolcall_start", index: 0, id: "call_1", name: "clock" };
    yield { type: "toolcall_delta", index: 0, argumentsDelta: '{"timeZone":' };
    yield { type: "toolcall_delta", index: 0, argumentsDelta: '"Asia/Tokyo"}' };
    yield { type: "toolcall_end", index: 0 };
    yield { type: "stop", reason: "toolUse" };
  },
};

// 3. The kernel: register, subscribe, run.
const kernel = createKernel({ model: "toy/clock-reader", tools: [clock], providers: [toy] });
kernel.on("tool_start", (event) => console.log(`[event] tool_start ${event.name} ${JSON.stringify(event.args)}`));
kernel.on("tool_end", (event) => console.log(`[event] tool_end ${event.name} error=${event.result.isError}`));

const answer = await kernel.prompt("What time is it in Tokyo?");
console.log(`[turn 1] ${answer.stopReason}: ${answer.text}`);

// 4. Abort a turn: the signal reaches the provider stream (and any running tool).
const slow = kernel.prompt("Think slowly about it.");
setTimeout(() => kernel.abort(), 50);
const aborted = await slow;
// The aborted turn keeps what streamed before the abort, so nothing the user saw is lost.
console.log(`[turn 2] ${aborted.stopReason}`);
console.log(
  `[session] ${kernel.session.buildContext().messages.length} messages, ${kernel.usage.input + kernel.usage.output} tokens`,
);
