import { execFile } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type LocalRegistry, startLocalRegistry, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

const execFileAsync = promisify(execFile);

let registry: LocalRegistry;
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  [registry, server] = await Promise.all([startLocalRegistry(), startOpenAIServer()]);
});
afterAll(async () => {
  await Promise.all([registry.close(), server.close()]);
});

const NAME = "@acme/pincer-plugin-words";

describe("a community plugin from plugin new to a session", () => {
  it("is created, tested, packed, published, installed with consent, used, and refused once tampered", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-lifecycle-123456", OPENAI_BASE_URL: server.url });
    const pincer = async (args: string[], cwd = box.cwd) => {
      const result = await box.run(args, { cwd });
      return result;
    };

    // 1. Scaffold, then edit the one TypeScript file.
    const created = await pincer(["plugin", "new", NAME, "--kind", "tool"]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(box.cwd, "pincer-plugin-words");
    const source = join(dir, "src/index.ts");
    writeFileSync(source, readFileSync(source, "utf8").replace("words` }", "words (counted in the sandbox)` }"));
    const testFile = join(dir, "test/plugin.test.ts");
    writeFileSync(
      testFile,
      readFileSync(testFile, "utf8").replace('"notes.txt: 4 words"', '"notes.txt: 4 words (counted in the sandbox)"'),
    );

    // 2. Its own tests run against the real sandbox.
    const tested = await pincer(["plugin", "test"], dir);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/pass 2/);

    // 3. Pack, and publish with the real npm client to the loopback registry.
    const packed = await pincer(["plugin", "pack"], dir);
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = packed.stdout.trim();
    const npmrc = join(box.home, ".npmrc");
    writeFileSync(npmrc, `//${new URL(registry.url).host}/:_authToken=${registry.token}\n`);
    await execFileAsync("npm", ["publish", tarball, "--registry", registry.url, "--access", "public"], {
      cwd: dir,
      env: { ...process.env, npm_config_userconfig: npmrc },
    });

    // 4. Install from the registry: headless needs --yes, and the capabilities are shown in words.
    const refused = await pincer(["plugin", "install", NAME, "--registry", registry.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("read files in your workspace");
    expect(refused.stderr).toContain("--yes");
    const installed = await pincer(["plugin", "install", NAME, "--registry", registry.url, "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`Installed ${NAME}@0.1.0`);
    const listed = JSON.parse((await pincer(["plugin", "list", "--json"])).stdout) as Array<{
      name: string;
      granted: string[];
    }>;
    expect(listed.find((plugin) => plugin.name === NAME)?.granted).toEqual(["fs.read:${workspace}"]);
    const lock = JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "plugins/pincer-lock.json"), "utf8"));
    expect(lock.plugins[NAME]).toMatchObject({ version: "0.1.0", source: { type: "registry" } });
    expect(lock.plugins[NAME].integrity).toMatch(/^sha512-/);

    // 5. A session uses the tool, in its isolate, on a workspace file.
    writeFileSync(join(box.cwd, "notes.txt"), "one two three four");
    const runWordsTool = () => {
      server.enqueue([
        { toolCalls: [{ id: "call_words", name: "words", arguments: { path: "notes.txt" } }] },
        { finish: "tool_calls" },
      ]);
      server.enqueue([{ text: "Four words." }, { finish: "stop" }]);
    };
    runWordsTool();
    const session = await pincer(["-p", "How many words in notes.txt?", "--model", "openai/gpt-5"]);
    expect(session.code, session.stderr).toBe(0);
    const toolMessage = (server.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>).find(
      (message) => message.role === "tool",
    );
    expect(toolMessage?.content).toBe("notes.txt: 4 words (counted in the sandbox)");

    // 6. Revoking the grant takes effect at the next session: the sandbox refuses the read.
    expect((await pincer(["plugin", "revoke", NAME, "fs.read:${workspace}"])).code).toBe(0);
    runWordsTool();
    await pincer(["-p", "Again?", "--model", "openai/gpt-5"]);
    const refusedRead = (server.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>).find(
      (message) => message.role === "tool",
    );
    expect(refusedRead?.content).toMatch(/refused/);
    expect((await pincer(["plugin", "grant", NAME, "all"])).code).toBe(0);

    // 7. A tampered bundle is refused at load, with a message that says what to do.
    const bundle = join(box.env.PINCER_HOME!, "plugins/@acme/pincer-plugin-words/bundle.js");
    appendFileSync(bundle, "\n;globalThis.stolen = 1;\n");
    server.enqueue([{ text: "No tool." }, { finish: "stop" }]);
    const tampered = await pincer(["-p", "Hi", "--model", "openai/gpt-5"]);
    expect(tampered.code).toBe(0);
    expect(tampered.stderr).toContain(`Refused to load ${NAME}`);
    expect(tampered.stderr).toContain("pincer plugin install");
    const offered = (server.requests.at(-1)!.body.tools as Array<{ function: { name: string } }>).map(
      (tool) => tool.function.name,
    );
    expect(offered).not.toContain("words");

    // 8. Version 0.2.0 asks for more: updating needs consent again, and keeps what was decided.
    for (const file of ["package.json", "pincer.plugin.json"]) {
      const json = JSON.parse(readFileSync(join(dir, file), "utf8"));
      json.version = "0.2.0";
      if (file === "pincer.plugin.json") json.capabilities.net = ["api.words.example"];
      writeFileSync(join(dir, file), JSON.stringify(json, null, 2));
    }
    const repacked = await pincer(["plugin", "pack"], dir);
    expect(repacked.code, repacked.stderr).toBe(0);
    await execFileAsync("npm", ["publish", repacked.stdout.trim(), "--registry", registry.url], {
      cwd: dir,
      env: { ...process.env, npm_config_userconfig: npmrc },
    });
    const unconsented = await pincer(["plugin", "update", NAME]);
    expect(unconsented.code).toBe(2);
    expect(unconsented.stderr).toContain("Since 0.1.0, it also asks to");
    expect(unconsented.stderr).toContain("connect to api.words.example over the network");
    expect((await pincer(["plugin", "list", "--json"])).stdout).toContain('"version": "0.1.0"');
    const updated = await pincer(["plugin", "update", NAME, "--yes"]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain(`Updated ${NAME} 0.1.0 → 0.2.0`);

    // 9. Remove.
    expect((await pincer(["plugin", "remove", NAME])).code).toBe(0);
    expect((await pincer(["plugin", "list", "--json"])).stdout).not.toContain(NAME);
  }, 120_000);
});
