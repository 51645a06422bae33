import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

  it("draws headless progress in the ansi16 theme's terminal colours, and in the terminal's own without a theme", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-theme-123456", OPENAI_BASE_URL: server.url, FORCE_COLOR: "1" });
    const turn = async () => {
      server.enqueue([{ toolCalls: [{ id: "l1", name: "ls", arguments: {} }] }, { finish: "tool_calls" }]);
      server.enqueue([{ text: "listed" }, { finish: "stop" }]);
      const result = await box.run(["-p", "list", "--model", "openai/gpt-5", "--verbose"]);
      expect(result.code, result.stderr).toBe(0);
      return result.stderr;
    };
    // No theme set: the terminal's palette and Pincer's own marks, as before themes existed.
    const plain = await turn();
    expect(plain).toContain("\x1b[32m✓\x1b[39m");
    expect(plain).not.toContain("\x1b[38;2;");

    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify({ theme: "ansi16" }));
    const themed = await turn();
    // success is "green" in ansi16: the terminal's own green (SGR 32), around its ASCII mark.
    expect(themed).toContain("\x1b[32m+\x1b[39m");
    expect(themed).not.toContain("\x1b[38;2;");
  });
});

type Row = {
  id: string;
  plugin: string;
  builtin: boolean;
  appearance?: string;
  description?: string;
  statusLine: boolean;
  current: boolean;
  from?: string;
};

describe("pincer theme", () => {
  it("lists the built-in themes, the one in use marked, as text and as JSON", async () => {
    using box = sandbox();
    const json = await box.run(["theme", "list", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe("");
    const rows = JSON.parse(json.stdout) as Row[];
    expect(rows.map((row) => row.id)).toEqual(["dark", "light", "high-contrast", "ansi16"]);
    expect(rows[0]).toMatchObject({
      id: "dark",
      plugin: "@pincer/theme-dark",
      builtin: true,
      appearance: "dark",
      statusLine: true,
      current: true,
      from: "default",
    });
    expect(rows.filter((row) => row.current)).toHaveLength(1);
    expect(rows.find((row) => row.id === "ansi16")).toMatchObject({ statusLine: false, current: false });
    expect(rows.find((row) => row.id === "ansi16")).not.toHaveProperty("appearance");
    for (const row of rows) expect(row.description, row.id).toBeTruthy();

    const text = await box.run(["theme", "list"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^\* dark +dark +Pincer's default.* built-in$/m);
    expect(text.stdout).toMatch(/^ {2}light +light +/m);
    expect(text.stdout).toMatch(/^ {2}ansi16 +any +/m);
    expect(text.stdout).toContain("No theme is set: the terminal UI uses dark");
  });

  it("sets the theme in the user config, or the project's with --project, and refuses what no plugin provides", async () => {
    using box = sandbox();
    const config = join(box.env.PINCER_HOME!, "config.json");
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(config, JSON.stringify({ model: "openai/gpt-5" }));

    const set = await box.run(["theme", "set", "light"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`theme = light (${config})\n`);
    // Other settings stay; `pincer config` reads what `pincer theme` wrote.
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ model: "openai/gpt-5", theme: "light" });
    expect((await box.run(["config", "get", "theme"])).stdout).toBe("light\n");
    let rows = JSON.parse((await box.run(["theme", "list", "--json"])).stdout) as Row[];
    expect(rows.find((row) => row.current)).toMatchObject({ id: "light", from: "user" });

    const project = await box.run(["theme", "set", "high-contrast", "--project"]);
    expect(project.code, project.stderr).toBe(0);
    const settings = join(box.cwd, ".pincer", "settings.json");
    expect(JSON.parse(readFileSync(settings, "utf8"))).toEqual({ theme: "high-contrast" });
    expect(JSON.parse(readFileSync(config, "utf8")).theme).toBe("light");
    rows = JSON.parse((await box.run(["theme", "list", "--json"])).stdout) as Row[];
    expect(rows.find((row) => row.current)).toMatchObject({ id: "high-contrast", from: "project" });
    // The project's choice wins in its directory; setting the user's says so.
    const shadowed = await box.run(["theme", "set", "dark"]);
    expect(shadowed.code).toBe(0);
    expect(shadowed.stderr).toContain('sets the theme "high-contrast", which wins in this directory');

    const unknown = await box.run(["theme", "set", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'No plugin provides the theme "nope". Themes: dark, light, high-contrast, ansi16.',
    );
    expect(JSON.parse(readFileSync(config, "utf8")).theme).toBe("dark");
    const missing = await box.run(["theme", "set"]);
    expect(missing.code).toBe(2);
  });

  it("previews a theme: each role in its colour, the code sample, the symbols and the status line from its sandbox", async () => {
    using box = sandbox({ FORCE_COLOR: "1" });
    const dark = await box.run(["theme", "show", "dark"]);
    expect(dark.code, dark.stderr).toBe(0);
    // accent #5fb3f5 as 24-bit colour, the selection as a background, a keyword in the syntax colour.
    expect(dark.stdout).toContain("\x1b[38;2;95;179;245m");
    expect(dark.stdout).toContain("\x1b[48;2;44;58;82m selected text \x1b[49m");
    expect(dark.stdout).toContain("\x1b[38;2;199;146;234mexport function \x1b[39m");
    expect(dark.stdout).toMatch(/success ✔ {3}failure ✘/);
    // The theme's own status line, computed in its isolate (folder of the cwd included).
    expect(dark.stdout).toMatch(
      /○ anthropic\/claude-sonnet-5-5 · pincer-e2e-cwd-\w+ · ctx 23k\/200k 12% · ↑18k ↓940 · \$0\.042/,
    );

    const ansi = await box.run(["theme", "show", "ansi16"]);
    expect(ansi.code, ansi.stderr).toBe(0);
    expect(ansi.stdout).toContain("\x1b[36mpincer ▸ reading src/index.ts\x1b[39m");
    expect(ansi.stdout).toContain("\x1b[44m selected text \x1b[49m");
    expect(ansi.stdout).not.toContain("\x1b[38;2;");
    expect(ansi.stdout).toContain("the theme has no status line code");

    const unknown = await box.run(["theme", "show", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No plugin provides the theme "nope"');
  });

  it("previews without colour where colour is off (NO_COLOR), naming the colours instead", async () => {
    using box = sandbox();
    const shown = await box.run(["theme", "show"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toContain("\x1b[");
    expect(shown.stdout).toMatch(/^dark — /);
    expect(shown.stdout).toMatch(/accent +██ #5fb3f5/);
    expect(existsSync(join(box.env.PINCER_HOME!, "config.json"))).toBe(false);
  });
});
