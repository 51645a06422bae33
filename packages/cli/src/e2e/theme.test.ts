import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/dusk-theme", import.meta.url));

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

describe("themes", () => {
  it("colours progress with an installed theme plugin, and says so when the theme is missing", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-theme-123456", OPENAI_BASE_URL: server.url, FORCE_COLOR: "1" });
    const dir = join(box.cwd, "dusk-theme");
    cpSync(EXAMPLE, dir, { recursive: true, filter: (path) => !/node_modules|\.tgz$/.test(path) });
    const packed = await box.run(["plugin", "pack"], { cwd: dir });
    expect(packed.code, packed.stderr).toBe(0);
    expect((await box.run(["plugin", "install", packed.stdout.trim(), "--yes"])).code).toBe(0);
    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify({ theme: "dusk-theme" }));

    server.enqueue([{ toolCalls: [{ id: "l1", name: "ls", arguments: {} }] }, { finish: "tool_calls" }]);
    server.enqueue([{ text: "listed" }, { finish: "stop" }]);
    const themed = await box.run(["-p", "list", "--model", "openai/gpt-5", "--verbose"]);
    expect(themed.code, themed.stderr).toBe(0);
    // success is #9ece6a in the theme, drawn as a 24-bit colour around the theme's own symbol.
    expect(themed.stderr).toContain("\x1b[38;2;158;206;106m✔\x1b[39m");

    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify({ theme: "nonexistent" }));
    server.enqueue([{ text: "hi" }, { finish: "stop" }]);
    const missing = await box.run(["-p", "hi", "--model", "openai/gpt-5", "--verbose"]);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toContain('No plugin provides the theme "nonexistent"');
  });
});
