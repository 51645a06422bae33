import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

/** The names of the tools a new session of `box` offers the model. */
async function toolsOffered(box: ReturnType<typeof sandbox>): Promise<string[]> {
  server.enqueue([{ text: "no tools" }, { finish: "stop" }]);
  await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
  return (server.requests.at(-1)!.body.tools as Array<{ function: { name: string } }>).map(
    (tool) => tool.function.name,
  );
}

describe("pincer plugin dev", () => {
  it("links a plugin folder into new sessions and rebuilds it on save", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-dev-123456", OPENAI_BASE_URL: server.url });
    expect((await box.run(["plugin", "new", "shout"])).code).toBe(0);
    const dir = join(box.cwd, "shout");
    writeFileSync(join(box.cwd, "notes.txt"), "a b c");

    const dev = box.start(["plugin", "dev", dir, "--yes"]);
    let stderr = "";
    dev.child.stderr!.on("data", (chunk) => (stderr += chunk));
    const rebuilds = () => stderr.split("rebuilt in").length - 1;
    await until(() => rebuilds() >= 1, "the first build");

    const askForWords = async () => {
      server.enqueue([
        { toolCalls: [{ id: "call_1", name: "shout", arguments: { path: "notes.txt" } }] },
        { finish: "tool_calls" },
      ]);
      server.enqueue([{ text: "ok" }, { finish: "stop" }]);
      const result = await box.run(["-p", "count", "--model", "openai/gpt-5"]);
      expect(result.code, result.stderr).toBe(0);
      const messages = server.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
      return messages.find((message) => message.role === "tool")?.content;
    };
    expect(await askForWords()).toBe("notes.txt: 3 words");

    const source = join(dir, "src/index.ts");
    writeFileSync(source, readFileSync(source, "utf8").replace("words` }", "WORDS!` }"));
    await until(() => rebuilds() >= 2, "the rebuild after saving");
    expect(await askForWords()).toBe("notes.txt: 3 WORDS!");

    dev.child.kill("SIGINT");
    const done = await dev.done;
    expect(done.code).toBe(0);
    expect(stderr).toContain("unlinked");
    expect(await toolsOffered(box)).not.toContain("shout");
  }, 60_000);

  it("unlinks on a Ctrl-C that comes during the first build", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-dev-123456", OPENAI_BASE_URL: server.url });
    expect((await box.run(["plugin", "new", "early"])).code).toBe(0);
    // A first build that takes a while (a large table in the source), so the signal lands during it.
    const rows = Array.from({ length: 60_000 }, (_, i) => `  { id: ${i}, name: "row ${i}", even: ${i % 2 === 0} },`);
    writeFileSync(join(box.cwd, "early", "src", "table.ts"), `export const table = [\n${rows.join("\n")}\n];\n`);
    const entry = join(box.cwd, "early", "src", "index.ts");
    writeFileSync(
      entry,
      `import { table } from "./table";\nexport const rows = table.length;\n${readFileSync(entry, "utf8")}`,
    );
    const dev = box.start(["plugin", "dev", join(box.cwd, "early"), "--yes"]);
    let stderr = "";
    dev.child.stderr!.on("data", (chunk) => (stderr += chunk));
    // Consent is granted before the first build starts: the signal lands while it runs (or just after).
    await until(() => stderr.includes("granted"), "the consent line");
    dev.child.kill("SIGINT");
    const done = await dev.done;
    expect(done.signal, stderr).toBeNull();
    expect(done.code, stderr).toBe(0);
    expect(stderr).toContain("early unlinked");
    expect(await toolsOffered(box)).not.toContain("early");
  }, 60_000);
});
