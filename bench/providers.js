// Provider benchmarks: time to first token and the cost of a 2,000-event stream for each
// provider plugin in its sandbox, against the same SDK code called directly in this process.
// Used by bench/run.js; `node bench/providers.js` prints them alone.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PluginRegistry } from "@pincer/host";
import { createAnthropicProvider } from "@pincer/provider-anthropic";
import { createOpenAIProvider } from "@pincer/provider-openai";
import { startAnthropicServer, startOpenAIServer } from "@pincer/testing";

const root = fileURLToPath(new URL("..", import.meta.url));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const EVENTS = 2000;
const request = (model) => ({
  model,
  systemPrompt: "bench",
  messages: [{ role: "user", content: "go", timestamp: 0 }],
  tools: [],
});

async function measure(provider, model) {
  const started = process.hrtime.bigint();
  let first = 0;
  let count = 0;
  for await (const event of provider.stream(request(model), new AbortController().signal)) {
    if (event.type === "text_delta") {
      if (!first) first = Number(process.hrtime.bigint() - started) / 1e6;
      count++;
    }
    if (event.type === "error") throw new Error(event.message);
  }
  return { firstMs: first, totalMs: Number(process.hrtime.bigint() - started) / 1e6, count };
}

async function compare(name, { server, script, sandboxed, direct, model, runs }) {
  const results = { sandboxed: [], direct: [] };
  for (let i = 0; i < runs + 2; i++) {
    for (const [kind, provider] of [
      ["sandboxed", sandboxed],
      ["direct", direct],
    ]) {
      server.enqueue(script);
      const result = await measure(provider, model);
      if (result.count < EVENTS * 0.9) throw new Error(`${name}: only ${result.count} text events`);
      if (i >= 2) results[kind].push(result); // two warm-up rounds
    }
  }
  const pick = (kind, key) => median(results[kind].map((result) => result[key]));
  // Each sandboxed run is compared with the direct run right after it, and the ratio is the
  // median of those pairs: a burst of load from elsewhere on the machine hits both halves of a
  // pair, where a ratio of two separate medians would take it as the sandbox's cost.
  const pairs = results.sandboxed.map((result, i) => result.totalMs / results.direct[i].totalMs);
  return {
    firstTokenMs: { sandboxed: pick("sandboxed", "firstMs"), direct: pick("direct", "firstMs") },
    streamMs: { sandboxed: pick("sandboxed", "totalMs"), direct: pick("direct", "totalMs") },
    ratio: median(pairs),
    runs: pairs.length,
  };
}

export async function runProviderBench({ quick = false } = {}) {
  const cwd = mkdtempSync(join(tmpdir(), "pincer-bench-providers-"));
  const [openaiServer, anthropicServer] = await Promise.all([startOpenAIServer(), startAnthropicServer()]);
  const env = {
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: openaiServer.url,
    ANTHROPIC_API_KEY: "sk-ant-bench",
    ANTHROPIC_BASE_URL: anthropicServer.url,
  };
  const registry = new PluginRegistry({ cwd, env });
  registry.add(join(root, "plugins/provider-openai"));
  registry.add(join(root, "plugins/provider-anthropic"));
  const direct = (create) => create({ env: { get: (name) => env[name] }, fs: undefined, config: {}, fetch });
  // Each text step streams as two events: 1,000 steps make the 2,000-event stream.
  const words = Array.from({ length: EVENTS / 2 }, (_, i) => ({ text: `word${i} ` }));
  const runs = quick ? 5 : 30;
  try {
    return {
      events: EVENTS,
      openai: await compare("openai", {
        server: openaiServer,
        script: [...words, { finish: "stop" }],
        sandboxed: (await registry.loadProvider("openai")).provider,
        direct: direct(createOpenAIProvider),
        model: "gpt-5",
        runs,
      }),
      anthropic: await compare("anthropic", {
        server: anthropicServer,
        script: words,
        sandboxed: (await registry.loadProvider("anthropic")).provider,
        direct: direct(createAnthropicProvider),
        model: "claude-sonnet-5-5",
        runs,
      }),
    };
  } finally {
    registry.dispose();
    await Promise.all([openaiServer.close(), anthropicServer.close()]);
    rmSync(cwd, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runProviderBench({ quick: process.argv.includes("--quick") }), null, 2));
}
