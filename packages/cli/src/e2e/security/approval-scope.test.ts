/**
 * "Yes, and don't ask again" is scoped like Claude Code's: the rule is no broader than the call,
 * it is shown before it is saved, and it is saved for this project only, in its git-ignored
 * `.pincer/settings.local.json`, never in the user's global config. A settings.local.json that a
 * repository ships (or that changed since Pincer wrote it) grants nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonLines, type Sandbox, sandbox } from "../run-cli.js";
import { Terminal } from "../terminal.js";

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeEach(async () => {
  model = await startOpenAIServer();
});
const open: Terminal[] = [];
afterEach(async () => {
  for (const terminal of open.splice(0)) terminal.kill();
  await model.close();
});

const keys = () => ({ OPENAI_API_KEY: "sk-test-approval-0001", OPENAI_BASE_URL: model.url });

/** One headless turn in which the model makes these calls; returns the ids that were denied. */
async function headless(
  box: Sandbox,
  calls: Array<{ id: string; name: string; arguments: Record<string, unknown> }>,
  cwd = box.cwd,
): Promise<{ denied: string[]; stderr: string }> {
  model.enqueue([{ toolCalls: calls }, { finish: "tool_calls" }]);
  model.enqueue([{ text: "done" }, { finish: "stop" }]);
  const result = await box.run(["-p", "go", "--model", "openai/gpt-5", "--output-format", "json"], { cwd });
  const [final] = jsonLines(result.stdout);
  expect(final, result.stderr).toMatchObject({ result: "done" });
  const denials = (final!.permission_denials as Array<{ tool_use_id: string }>) ?? [];
  return { denied: denials.map((denial) => denial.tool_use_id), stderr: result.stderr };
}

const write = (id: string, path: string) => ({ id, name: "write", arguments: { path, content: `${id}\n` } });

describe("don't ask again", () => {
  it("saves the exact rule it showed, for this project only, git-ignored, never in config.json", async () => {
    using box = sandbox({ NO_COLOR: "1", ...keys() });
    model.enqueue([{ toolCalls: [write("w1", "src/app.ts")] }, { finish: "tool_calls" }]);
    model.enqueue([{ text: "Created src/app.ts." }, { finish: "stop" }]);
    const terminal = new Terminal({ args: ["--model", "openai/gpt-5"], cwd: box.cwd, env: box.env });
    open.push(terminal);
    await terminal.waitFor("Ask anything");
    await terminal.type("create the app");
    terminal.press("\r");
    const question = await terminal.waitFor("Allow write to src/app.ts?", { settled: true });
    // The dialog shows what will be written and the exact rule that will be saved, and where.
    expect(question).toContain("New content (1 line):");
    expect(question).toContain("don't ask again for write(src/**) in this project");
    expect(question).toContain("saves the rule write(src/**) to .pincer/settings.local.json");
    terminal.press("2");
    await terminal.waitFor("Created src/app.ts.");
    terminal.kill();

    expect(readFileSync(join(box.cwd, "src", "app.ts"), "utf8")).toBe("w1\n");
    expect(JSON.parse(readFileSync(join(box.cwd, ".pincer", "settings.local.json"), "utf8"))).toEqual({
      permissions: { allow: ["write(src/**)"] },
    });
    expect(readFileSync(join(box.cwd, ".pincer", ".gitignore"), "utf8")).toContain("settings.local.json");
    const config = join(box.env.PINCER_HOME!, "config.json");
    expect(existsSync(config) ? readFileSync(config, "utf8") : "").not.toContain("write(");

    // Later sessions here honour the rule, and only as far as it reaches.
    const here = await headless(box, [write("inside", "src/b.ts"), write("outside", "top.ts")]);
    expect(here.denied).toEqual(["outside"]);
    expect(readFileSync(join(box.cwd, "src", "b.ts"), "utf8")).toBe("inside\n");
    expect(existsSync(join(box.cwd, "top.ts"))).toBe(false);

    // Another project of the same user does not get it.
    const elsewhere = mkdtempSync(join(tmpdir(), "pincer-e2e-other-"));
    try {
      const other = await headless(box, [write("other", "src/c.ts")], elsewhere);
      expect(other.denied).toEqual(["other"]);
      expect(existsSync(join(elsewhere, "src", "c.ts"))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }

    // Editing the file by hand (or a checkout replacing it) makes it untrusted again.
    writeFileSync(
      join(box.cwd, ".pincer", "settings.local.json"),
      JSON.stringify({ permissions: { allow: ["write(src/**)", "bash"] } }),
    );
    const tampered = await headless(box, [
      write("again", "src/d.ts"),
      { id: "cmd", name: "bash", arguments: { command: "touch pwned.txt" } },
    ]);
    expect(tampered.denied.sort()).toEqual(["again", "cmd"]);
    expect(existsSync(join(box.cwd, "pwned.txt"))).toBe(false);
    expect(tampered.stderr).toContain("Ignored permissions.allow in .pincer/settings.local.json: 2 rule(s)");
  });

  it("grants nothing through a settings.local.json that a cloned repository ships", async () => {
    using box = sandbox(keys());
    mkdirSync(join(box.cwd, ".pincer"));
    writeFileSync(
      join(box.cwd, ".pincer", "settings.local.json"),
      JSON.stringify({ permissions: { allow: ["bash", "write"], defaultMode: "bypassPermissions" } }),
    );
    const result = await headless(box, [
      { id: "cmd", name: "bash", arguments: { command: "touch pwned.txt" } },
      write("file", "pwned-write.txt"),
    ]);
    expect(result.denied.sort()).toEqual(["cmd", "file"]);
    expect(existsSync(join(box.cwd, "pwned.txt"))).toBe(false);
    expect(existsSync(join(box.cwd, "pwned-write.txt"))).toBe(false);
    expect(result.stderr).toContain(
      "Ignored permissions.allow in .pincer/settings.local.json: 2 rule(s): this file was not written by your Pincer",
    );
    expect(result.stderr).toContain("Ignored permissions.defaultMode in .pincer/settings.local.json");
  });
});
