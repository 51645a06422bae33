// The openai provider's per-call cost in its sandbox: N short tool-turn-shaped calls (a tool call
// and a few text chunks) against a loopback server, CPU of this process per call. `--direct` runs
// the same provider code in this process (for a --cpu-prof of the SDK's own work).
// `--context KB` sends that much conversation with every call; `--wide` puts one em dash in it (a
// character beyond Latin-1, as models write).
// `node bench/provider-call.js [--calls N] [--direct] [--context KB] [--wide]` prints JSON.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PluginRegistry } from "@pincer/host";
import { createOpenAIProvider } from "@pincer/provider-openai";
import { startOpenAIServer } from "@pincer/testing";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const calls = arg("--calls", 300);
const direct = process.argv.includes("--direct");
const contextKb = arg("--context", 0);
const wide = process.argv.includes("--wide");
/** The conversation before the call's prompt: a kilobyte a message, the same objects at every call. */
const context = Array.from({ length: contextKb }, (_, index) => ({
  role: "user",
  content: `${index === 0 && wide ? "Step one — " : "Step one - "}${"a line of a tool's output ".repeat(40)}`,
  timestamp: index,
}));
const script = [
  { text: "Reading it. " },
  { text: "Then the test." },
  { toolCalls: [{ id: "call_1", name: "read", arguments: { path: "src/index.ts" } }] },
  { finish: "tool_calls" },
];
const request = {
  model: "gpt-5",
  systemPrompt: "bench",
  messages: [...context, { role: "user", content: "go", timestamp: 0 }],
  tools: [
    {
      name: "read",
      description: "Read a file",
      parameters: { type: "object", properties: { path: { type: "string" } } },
    },
  ],
};

const cwd = mkdtempSync(join(tmpdir(), "pincer-bench-call-"));
const server = await startOpenAIServer();
const env = { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: server.url };
const registry = new PluginRegistry({ cwd, env });
registry.add(join(root, "plugins/provider-openai"));
const provider = direct
  ? createOpenAIProvider({ env: { get: (name) => env[name] }, fs: undefined, config: {}, fetch })
  : (await registry.loadProvider("openai")).provider;
async function once() {
  server.enqueue(script);
  for await (const event of provider.stream(request, new AbortController().signal)) {
    if (event.type === "error") throw new Error(event.message);
  }
}
try {
  for (let i = 0; i < 30; i++) await once(); // warm-up
  const before = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await once();
  const cpu = process.cpuUsage(before);
  console.log(
    JSON.stringify({
      direct,
      calls,
      contextKb,
      wide,
      cpuMsPerCall: Number(((cpu.user + cpu.system) / 1000 / calls).toFixed(3)),
      wallMsPerCall: Number((Number(process.hrtime.bigint() - started) / 1e6 / calls).toFixed(3)),
    }),
  );
} finally {
  registry.dispose();
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
}
