/**
 * The canned model answers of the snapshot warm-up (warm-up.ts), evaluated inside its script: for
 * each wire protocol a built-in provider speaks, a streamed answer as the service sends it, in text
 * and as a tool call, so the provider's SDK parses what it parses on a real first call. The fake
 * host picks the protocol by the request's path and the answer by the conversation.
 */
export const WARM_UP_WIRE = `
  const sseData = (objects) => objects.map((object) => "data: " + JSON.stringify(object) + "\\n\\n").join("");
  const sseEvents = (objects) =>
    objects.map((object) => "event: " + object.type + "\\ndata: " + JSON.stringify(object) + "\\n\\n").join("");

  /** OpenAI Chat Completions (also every OpenAI-compatible service). */
  const chatChunk = (delta, finish) => ({
    id: "chatcmpl-warm-up", object: "chat.completion.chunk", created: 0, model: "warm-up",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const chatUsage = {
    id: "chatcmpl-warm-up", object: "chat.completion.chunk", created: 0, model: "warm-up", choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } },
  };
  const chatAnswer = (toolCall) =>
    sseData(
      toolCall
        ? [
            chatChunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: TOOL_CALL_ID, type: "function", function: { name: "bash", arguments: "" } }] }, null),
            chatChunk({ tool_calls: [{ index: 0, function: { arguments: '{"command":' } }] }, null),
            chatChunk({ tool_calls: [{ index: 0, function: { arguments: '"echo warm-up"}' } }] }, null),
            chatChunk({}, "tool_calls"),
            chatUsage,
          ]
        : [
            chatChunk({ role: "assistant", content: "" }, null),
            chatChunk({ content: "Warm" }, null),
            chatChunk({ content: "ed up." }, null),
            chatChunk({}, "stop"),
            chatUsage,
          ],
    ) + "data: [DONE]\\n\\n";

  /** Anthropic Messages. */
  const messagesAnswer = (toolCall) =>
    sseEvents([
      {
        type: "message_start",
        message: {
          id: "msg_warm_up", type: "message", role: "assistant", model: "warm-up", content: [],
          stop_reason: null, stop_sequence: null,
          usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        },
      },
      ...(toolCall
        ? [
            { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: TOOL_CALL_ID, name: "bash", input: {} } },
            { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"command":' } },
            { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"echo warm-up"}' } },
          ]
        : [
            { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
            { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Warm" } },
            { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "ed up." } },
          ]),
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: toolCall ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } },
      { type: "message_stop" },
    ]);

  /** A web page, for a tool that fetches one (web_fetch: HTML to Markdown). */
  const PAGE =
    "<!doctype html><html><head><title>Warm-up</title><style>p{}</style><script>1</script></head><body>" +
    "<nav><a href='/'>Home</a></nav><main><h1>Warm-up</h1><p>A <strong>page</strong> with <em>text</em>, " +
    "<code>code</code> and <a href='https://warm-up.invalid/next'>a link</a>.</p><ul><li>one</li><li>two</li></ul>" +
    "<pre><code class='language-js'>let x = 1;</code></pre><table><tr><th>a</th></tr><tr><td>1</td></tr></table>" +
    "<blockquote>quoted</blockquote><img src='/i.png' alt='image'></main></body></html>";

  /** The answer to a request: its content type and body, or null where the warm-up speaks no such service. */
  const cannedAnswer = (method, path, requestBody) => {
    // The conversation that asks for a tool call, until the call's result is in it.
    const toolCall = requestBody.includes(ASK_FOR_TOOL) && !requestBody.includes(TOOL_CALL_ID);
    if (method === "POST" && path.endsWith("/chat/completions")) return ["text/event-stream", chatAnswer(toolCall)];
    if (method === "POST" && path.endsWith("/messages")) return ["text/event-stream", messagesAnswer(toolCall)];
    if (method === "GET" && path === "/page") return ["text/html; charset=utf-8", PAGE];
    return null;
  };
`;
