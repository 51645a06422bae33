// The first request's size alone (what `pnpm bench` reports as "first request size"), quick to run
// before and after a change to tool schemas or the system prompt: `node bench/request-size.js`.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startOpenAIServer } from "@pincer/testing";

const cli = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const server = await startOpenAIServer();
server.respond(() => [{ text: "ok" }, { finish: "stop" }]);
const home = mkdtempSync(join(tmpdir(), "pincer-size-home-"));
const cwd = mkdtempSync(join(tmpdir(), "pincer-size-cwd-"));
try {
  // Asynchronously: the loopback server answers from this process.
  await promisify(execFile)(process.execPath, [cli, "-p", "Say ok.", "--model", "openai/gpt-5"], {
    env: { ...process.env, PINCER_HOME: home, OPENAI_API_KEY: "sk-size-key-0000", OPENAI_BASE_URL: server.url },
    cwd,
  });
  const request = server.requests[0];
  const body = request.body;
  const tools = JSON.stringify(body.tools ?? []).length;
  if (process.argv.includes("--each"))
    for (const tool of body.tools ?? []) console.log(`${JSON.stringify(tool).length}\t${tool.function?.name}`);
  console.log(
    `first request: ${(request.bytes / 1024).toFixed(2)} KB (${request.bytes} bytes; tool schemas ${tools} bytes: ${(body.tools ?? []).map((tool) => tool.function?.name).join(", ")})`,
  );
} finally {
  await server.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
}
