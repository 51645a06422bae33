import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

/** The commands a newcomer tries first, and the answers that help them on. */
describe("config", () => {
  it("with no action, or an unknown one, shows what it can do (exit 2)", async () => {
    using box = sandbox();
    for (const args of [["config"], ["config", "fetch"]]) {
      const result = await box.run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("pincer config needs an action:");
      expect(result.stderr).toContain("pincer config set <key> <value>  change one, e.g. pincer config set model");
      expect(result.stderr).not.toMatch(/non-option arguments|Invalid values/);
    }
  });

  it("refuses a model with no known provider when it is set, naming the providers", async () => {
    using box = sandbox();
    for (const model of ["gpt5", "gtp/gpt-5", "openai/"]) {
      const result = await box.run(["config", "set", "model", model]);
      expect(result.code).toBe(2);
      const named = /with one of these providers: ([^.]+)\./.exec(result.stderr)?.[1]?.split(", ");
      expect(named).toEqual(expect.arrayContaining(["openai", "anthropic", "hf", "replay"]));
    }
    expect(existsSync(join(box.env.PINCER_HOME!, "config.json"))).toBe(false);
    // A known provider is kept; its missing key is noted, not refused.
    const known = await box.run(["config", "set", "model", "anthropic/claude-haiku-4-5"]);
    expect(known.code).toBe(0);
    expect(known.stderr).toContain("note: ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN is not set");
    expect(JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "config.json"), "utf8")).model).toBe(
      "anthropic/claude-haiku-4-5",
    );
  });
});

describe("sessions list", () => {
  it("says how many sessions other folders have, and how to see them", async () => {
    using box = sandbox();
    const elsewhere = join(box.cwd, "other-project");
    mkdirSync(elsewhere);
    const made = await box.run(["-p", "hi", "--model", "replay/coding-demo"], { cwd: elsewhere });
    expect(made.stdout + made.stderr).not.toBe("");
    const here = await box.run(["sessions", "list"]);
    expect(here.code).toBe(0);
    expect(here.stdout).toBe(`No sessions in ${box.cwd} yet; 1 in other folders: pincer sessions list --all\n`);
    const all = await box.run(["sessions", "list", "--all"]);
    expect(all.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("on a fresh home, says how to start one", async () => {
    using box = sandbox();
    expect((await box.run(["sessions", "list"])).stdout).toBe('No sessions yet. Start one with: pincer -p "…"\n');
  });
});

describe("models", () => {
  it("lists the recorded models beside the providers' catalogues", async () => {
    using box = sandbox();
    const result = await box.run(["models"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^replay\/coding-demo +no/m);
    expect(result.stdout).toMatch(/^replay\/ml-intern-demo +no/m);
  });

  it("lists each provider's default model (the one a session starts with when only its key is set)", async () => {
    using box = sandbox();
    const ids = (JSON.parse((await box.run(["models", "--json"])).stdout) as Array<{ id: string }>).map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(["openai/gpt-5", "anthropic/claude-sonnet-5-5", "hf/openai/gpt-oss-120b"]),
    );
  });
});

describe("plugin new", () => {
  it("without a name says what to pass (exit 2)", async () => {
    using box = sandbox();
    const result = await box.run(["plugin", "new", "--kind", "tool"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "pincer plugin new needs the plugin's name (its npm package name), e.g. pincer plugin new my-tool --kind tool",
    );
  });

  it("writes a README whose install commands work from the plugin's folder and its tarball", async () => {
    using box = sandbox();
    expect((await box.run(["plugin", "new", "@me/word-tool"])).code).toBe(0);
    const folder = join(box.cwd, "word-tool");
    const readme = readFileSync(join(folder, "README.md"), "utf8");
    expect(readme).not.toMatch(/^pincer plugin install @me\/word-tool$/m);
    const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("## Develop"));
    const commands = [...install.matchAll(/^(pincer plugin [^#\n]*?)\s*(?:#.*)?$/gm)].map((m) => m[1]!);
    expect(commands).toEqual([
      "pincer plugin pack",
      "pincer plugin install .",
      "pincer plugin install ./me-word-tool-0.1.0.tgz",
    ]);
    for (const command of commands) {
      const args = command.split(" ").slice(1);
      const result = await box.run(args[1] === "install" ? [...args, "--yes"] : args, { cwd: folder });
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
    }
  });
});
