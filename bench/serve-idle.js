// What an idle `pincer serve` session costs: sessions are created and prompted once (loopback
// model), then left idle until they release their kernel and plugins (--idle-release 1). Resident
// memory of the server is read from /proc with 5 and then 25 sessions (2 and 8 with --quick), all
// loaded, then all released; the difference over the extra sessions is the cost of one. Prints JSON
// (MiB per session).
// Usage: node bench/serve-idle.js [--quick]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOpenAIServer } from "@pincer/testing";

const quick = process.argv.includes("--quick");
/** Sessions before and after the measured ones are added: the difference is what they cost. */
const [FEW, MORE] = quick ? [2, 8] : [5, 25];
const cli = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const model = await startOpenAIServer();
model.respond(() => [{ text: "ok" }, { finish: "stop" }]);
/**
 * Resident memory of a server with FEW, then MORE sessions each prompted once: with `idleRelease` 0
 * they stay loaded; with 1 the figures are read once every session has released.
 */
async function measure(idleRelease) {
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-idle-"));
  const token = "bench-idle-token";
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", "--idle-release", String(idleRelease)], {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      PINCER_HOME: join(home, ".pincer"),
      PINCER_SERVER_TOKEN: token,
      OPENAI_API_KEY: "sk-bench-idle-0001",
      OPENAI_BASE_URL: model.url,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
  try {
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    while (!/serving on (\S+)/.test(out)) await sleep(20);
    const base = /serving on (\S+)/.exec(out)[1];
    const call = async (method, path, body) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return response.status === 204 ? undefined : response.json();
    };
    const sessions = () => call("GET", "/sessions");
    const addSessions = async (count) => {
      for (let i = 0; i < count; i++) {
        const { id } = await call("POST", "/sessions", { model: "openai/gpt-5", cwd: home });
        await call("POST", `/sessions/${id}/prompt`, { text: "hello" });
        while ((await sessions()).find((s) => s.id === id).busy) await sleep(20);
      }
    };
    const settled = async () => {
      if (idleRelease > 0) while ((await sessions()).some((s) => s.loaded)) await sleep(50);
      await sleep(1000);
      return rssMiB();
    };
    await addSessions(FEW);
    const few = await settled();
    await addSessions(MORE - FEW);
    const more = await settled();
    return { perSessionMiB: (more - few) / (MORE - FEW), sessions: [FEW, MORE], rssMiB: [few, more] };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("close", resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
try {
  const loaded = await measure(0);
  const released = await measure(1);
  process.stdout.write(
    `${JSON.stringify({ loadedPerSessionMiB: loaded.perSessionMiB, idlePerSessionMiB: released.perSessionMiB, loaded, released })}\n`,
  );
} finally {
  await model.close();
}
