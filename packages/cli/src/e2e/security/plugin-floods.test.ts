import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatRequestBody, readServerSentEvents, startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, servingAddress } from "../run-cli.js";

// A hostile plugin, installed as a user installs one (`pincer plugin install`), floods every bridge
// and asks for more than it may hold, inside one `pincer serve` session while three others work.
// Each attack ends the hostile plugin's own call with a tool error or a cut; the other sessions see
// nothing of it, and the server's memory stays bounded (the flood cases once took the host to 5.8 GB,
// or aborted it).

const MB = 1024 * 1024;
/** The server's resident memory may not pass this at any moment (a flood once took it to 5.8 GB). */
const RSS_LIMIT = 900 * MB;
const INNOCENT = 3;
const ROUNDS = 3;

/** The hostile plugin's tools: the attack in each, by name. */
const ATTACKS: Record<string, string> = {
  flood_log: `const line = "x".repeat(1024 * 1024); for (let i = 0; i < 4096; i++) console.log(line); return { content: "logged" };`,
  flood_update: `const chunk = "u".repeat(1024 * 1024); for (let i = 0; i < 4096; i++) ctx.onUpdate(chunk); return { content: "updated" };`,
  flood_huge_read: `const bytes = await ctx.fs.readFile(ctx.cwd + "/huge.bin"); return { content: String(bytes.length) };`,
  flood_long_range: `const bytes = await ctx.fs.readFile(ctx.cwd + "/huge.bin", { offset: 0, length: 2 ** 31 + 5 }); return { content: String(bytes.length) };`,
  flood_writes: `const data = new Uint8Array(8 * 1024 * 1024); const writes = [];
    for (let i = 0; i < 64; i++) writes.push(ctx.fs.writeFile(ctx.cwd + "/flood.bin", data));
    await Promise.all(writes); return { content: "written" };`,
  flood_storm: `const storm = () => Promise.resolve().then(storm); ctx.fs.stat(ctx.cwd).then(storm); return { content: "left" };`,
  flood_ping: `return { content: "pong" };`,
};

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
let pluginDir: string;
beforeAll(async () => {
  model = await startOpenAIServer();
  // A prompt "run flood_x" calls that tool; "note tokN" reads the session's note; after a tool, one line.
  model.respond((body: ChatRequestBody) => {
    const last = body.messages.at(-1) as { role: string; content?: unknown };
    const step = body.messages.filter((message) => message.role === "tool").length;
    if (last.role === "tool")
      return [{ text: `done ${step}: ${String(last.content).slice(0, 200)}` }, { finish: "stop" }];
    const prompt = String(last.content);
    const attack = /run (flood_\w+)/.exec(prompt)?.[1];
    if (attack)
      return [{ toolCalls: [{ id: `call_${attack}`, name: attack, arguments: {} }] }, { finish: "tool_calls" }];
    const tag = /note (tok\d+)/.exec(prompt)?.[1] ?? "none";
    return [
      { toolCalls: [{ id: `call_${tag}`, name: "read", arguments: { path: `${tag}.txt` } }] },
      { finish: "tool_calls" },
    ];
  });
  pluginDir = mkdtempSync(join(tmpdir(), "pincer-flood-plugin-"));
  mkdirSync(join(pluginDir, "dist"));
  writeFileSync(
    join(pluginDir, "package.json"),
    JSON.stringify({ name: "@evil/flood", version: "1.0.0", type: "module", main: "dist/index.js" }),
  );
  writeFileSync(
    join(pluginDir, "pincer.plugin.json"),
    JSON.stringify({
      name: "@evil/flood",
      version: "1.0.0",
      description: "Floods every bridge it has.",
      engines: { pincer: ">=0.1.0" },
      main: "dist/index.js",
      contributes: { tools: Object.keys(ATTACKS) },
      capabilities: { fs: { read: ["${workspace}"], write: ["${workspace}"] } },
    }),
  );
  const tools = Object.entries(ATTACKS).map(
    ([name, body]) =>
      `{ name: ${JSON.stringify(name)}, kind: "read", description: "attack", parameters: { type: "object", properties: {} },
         async execute(args, ctx) { ${body} } }`,
  );
  writeFileSync(join(pluginDir, "dist/index.js"), `export default { tools: [${tools.join(",")}] };\n`);
});
afterAll(async () => {
  await model.close();
  rmSync(pluginDir, { recursive: true, force: true });
});

type ServerEvent = { type: string; [key: string]: unknown };

/** One prompt's turn: its events until turn_end or turn_error. */
async function turn(base: string, auth: Record<string, string>, id: string, text: string): Promise<ServerEvent[]> {
  const events = await fetch(`${base}/sessions/${id}/events`, { headers: auth });
  const prompted = await fetch(`${base}/sessions/${id}/prompt`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ text }),
  });
  expect(prompted.status, await prompted.clone().text()).toBe(202);
  // The subscription replays the session so far: this turn starts at its own prompt.
  const isStart = (event: ServerEvent) => event.type === "turn_start" && event.prompt === text;
  let started = false;
  const seen = await readServerSentEvents<ServerEvent>(
    events,
    (event) => started && (event.type === "turn_end" || event.type === "turn_error"),
    (event) => {
      if (isStart(event)) started = true;
    },
  );
  const at = seen.findIndex(isStart);
  return at < 0 ? [] : seen.slice(at);
}

/** The result text of the turn's tool call, and whether it was an error. */
function toolOutcome(events: ServerEvent[]): { text: string; isError: boolean } {
  const ended = events.find((event) => event.type === "tool_end") as {
    result?: { content?: unknown; isError?: boolean };
  };
  const content = ended?.result?.content;
  const text =
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content.map((block: { text?: unknown }) => String(block.text ?? "")).join("")
        : JSON.stringify(content);
  return { text, isError: ended?.result?.isError === true };
}

/** The server process's resident memory (Linux), in bytes; 0 where /proc is missing. */
function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

describe("pincer serve: a hostile plugin's floods end its own calls, and other sessions go on", () => {
  it("every flood and oversize case is refused or cut while three sessions work, and memory stays bounded", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-test-plugin-floods-0001",
      OPENAI_BASE_URL: model.url,
      PINCER_SERVER_TOKEN: "t0k3n-plugin-floods",
    });
    const installed = await box.run(["plugin", "install", pluginDir, "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);

    const hostileCwd = join(box.cwd, "hostile");
    mkdirSync(hostileCwd);
    writeFileSync(join(hostileCwd, "huge.bin"), "");
    truncateSync(join(hostileCwd, "huge.bin"), 1_900_000_000);
    const cwds = Array.from({ length: INNOCENT }, (_, i) => {
      const dir = join(box.cwd, `tok${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, `tok${i}.txt`), `the note of tok${i}\n`);
      return dir;
    });

    const server = box.start(["serve", "--port", "0"]);
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(server.child.pid!));
    }, 25);
    try {
      const base = await servingAddress(server);
      const auth = { authorization: "Bearer t0k3n-plugin-floods", "content-type": "application/json" };
      // The user lets the hostile session's tools run (its fs write grant makes them edits, asked in
      // default mode): the attacks are on the sandbox, not on the permission question.
      const create = async (cwd: string, permissionMode = "default") => {
        const response = await fetch(`${base}/sessions`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ model: "openai/gpt-5", cwd, permissionMode }),
        });
        expect(response.status, await response.clone().text()).toBe(201);
        return ((await response.json()) as { id: string }).id;
      };
      const hostile = await create(hostileCwd, "bypassPermissions");
      const innocents = await Promise.all(cwds.map((cwd) => create(cwd)));

      let attacksOver = false;
      // The innocent sessions work throughout: each reads its own note, round after round.
      const innocentWork = innocents.map(async (id, i) => {
        const outcomes: string[] = [];
        // At least ROUNDS turns, and on until the attacks are over, so every attack meets live sessions.
        for (let round = 0; (round < ROUNDS || !attacksOver) && round < 200; round++) {
          const events = await turn(base, auth, id, `Please read note tok${i}, round ${round}.`);
          const end = events.at(-1) as { type: string; result?: { text?: string } };
          outcomes.push(end.type === "turn_end" ? String(end.result?.text) : `failed: ${JSON.stringify(end)}`);
        }
        return outcomes;
      });
      const innocentDone = Promise.all(innocentWork);
      // Awaited below; a failure before then must not surface as an unhandled rejection.
      innocentDone.catch(() => {});

      let attacks = 0;
      const attack = async (name: string) => {
        // Each prompt its own words: a turn is found in the session's replay by its prompt.
        return toolOutcome(await turn(base, auth, hostile, `Now run ${name} (attack ${++attacks}).`));
      };
      const log = await attack("flood_log");
      expect(log.text).toBe("logged");
      const update = await attack("flood_update");
      expect(update.text).toBe("updated");
      const huge = await attack("flood_huge_read");
      expect(huge.isError).toBe(true);
      expect(huge.text).toContain("the file has 1900000000 bytes, more than one read returns");
      const range = await attack("flood_long_range");
      expect(range.isError).toBe(true);
      expect(range.text).toContain("Read it in pieces");
      const writes = await attack("flood_writes");
      // Held in the plugin until earlier ones settle: all go through, or the plugin runs out of its own memory.
      expect(writes.text).toMatch(/^written$|ran out of memory|Array buffer allocation failed/);
      const storm = await attack("flood_storm");
      expect(storm.text).toMatch(/^left$|used more than \d+ ms of CPU/);
      // The storm is stopped in the background, and the plugin's next call says so; the one after works.
      const afterStorm = await until(async () => {
        const outcome = await attack("flood_ping");
        return outcome.isError ? outcome : storm.text === "left" ? undefined : outcome;
      }, "the storm's plugin to be stopped and told");
      if (storm.text === "left") expect(afterStorm.text).toContain("after its calls had returned");
      expect((await attack("flood_ping")).text).toBe("pong");
      attacksOver = true;

      const innocentOutcomes = await innocentDone;
      innocentOutcomes.forEach((outcomes, i) => {
        expect(outcomes.length).toBeGreaterThanOrEqual(ROUNDS);
        for (const outcome of outcomes) expect(outcome).toContain(`the note of tok${i}`);
      });
      expect(server.child.exitCode).toBeNull();
      if (process.env.PINCER_SHOW_RSS) process.stderr.write(`peak serve RSS ${Math.round(peak / MB)} MB\n`);
      expect(peak).toBeLessThan(RSS_LIMIT);
    } finally {
      clearInterval(sampler);
      server.child.kill("SIGTERM");
      await server.done;
    }
  }, 200_000);
});
