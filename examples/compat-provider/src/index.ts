import { definePlugin, defineProvider, type ProviderEvent } from "@pincer/sdk";

// A provider turns Pincer's model request into an HTTP call and the reply into Pincer's stream
// events. It runs in a sandbox: ctx.fetch reaches only the hosts pincer.plugin.json declares,
// plus the one in COMPAT_PROVIDER_BASE_URL, which the user chose.
const provider = defineProvider({
  id: "compat-provider",
  create(ctx) {
    return {
      id: "compat-provider",
      async *stream(request, signal): AsyncGenerator<ProviderEvent> {
        const baseUrl = ctx.env.get("COMPAT_PROVIDER_BASE_URL");
        if (!baseUrl) {
          yield { type: "error", message: "Set COMPAT_PROVIDER_BASE_URL to the endpoint's URL.", retryable: false };
          return;
        }
        const response = await ctx.fetch(`${baseUrl.replace(/\/$/, "")}/chat/completions`, {
          method: "POST",
          signal,
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${ctx.env.get("COMPAT_PROVIDER_API_KEY") ?? ""}`,
          },
          body: JSON.stringify({
            model: request.model,
            stream: true,
            messages: [
              { role: "system", content: request.systemPrompt },
              ...request.messages.map((message) => ({
                role: message.role === "assistant" ? "assistant" : "user",
                content: typeof message.content === "string" ? message.content : JSON.stringify(message.content),
              })),
            ],
          }),
        });
        if (!response.ok || !response.body) {
          yield { type: "error", message: `HTTP ${response.status}`, retryable: response.status >= 500 };
          return;
        }
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        let buffer = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let newline = buffer.indexOf("\n");
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf("\n");
            if (!line.startsWith("data:")) continue;
            const data = line.slice(5).trim();
            if (data === "[DONE]") continue;
            const chunk = JSON.parse(data);
            const text = chunk.choices?.[0]?.delta?.content;
            if (text) yield { type: "text_delta", text };
            if (chunk.usage) {
              yield {
                type: "usage",
                usage: { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens },
              };
            }
          }
        }
        yield { type: "stop", reason: "stop" };
      },
    };
  },
});

export default definePlugin({ providers: [provider] });
