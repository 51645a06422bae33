import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { probeBwrap } from "@pincer/host";
// @ts-expect-error: shell-quote ships no types; parse() returns strings and operator objects
import { parse } from "shell-quote";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Every command shown in the README's shell blocks still exists and does what the README says:
 * a `pincer …` line names real commands and flags (checked against `--help`); the offline ones
 * run against a temp HOME; `pnpm …` names real scripts; the link command really links. A line
 * this test does not know how to check fails it, so a new README command gets a check too.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(root, "packages/cli/dist/bin.js");
const readme = readFileSync(join(root, "README.md"), "utf8");
const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts as Record<string, string>;

/** The lines of every ```sh block, comments and blank lines dropped, in README order. */
function shellLines(text: string): Array<{ line: string; block: number }> {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.flatMap((body, block) =>
    body
      .split("\n")
      .map((line) => line.replace(/\s+#\s.*$/, "").trim())
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => ({ line, block })),
  );
}

const home = mkdtempSync(join(tmpdir(), "pincer-readme-home-"));
const work = mkdtempSync(join(tmpdir(), "pincer-readme-cwd-"));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});
const cleanEnv = { PATH: process.env.PATH, HOME: home, PINCER_HOME: join(home, ".pincer"), NO_COLOR: "1" };

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? work,
      env: { ...cleanEnv, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
const pincer = (args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }) =>
  run(process.execPath, [CLI, ...args], options);

/**
 * A documented `pincer` line as what to check: each alternative (`list | show <id>`) as words,
 * the flags it uses (bracketed optional ones included) and whether it has placeholders.
 */
interface PincerUsage {
  text: string;
  words: string[];
  flags: string[];
}

function pincerUsages(line: string): PincerUsage[] {
  const withoutEnv = line.replace(/^([A-Z_]+=\S+\s+)+/, "");
  const tokens = (text: string) =>
    (parse(text, (name: string) => `\${${name}}`) as unknown[]).map((token) =>
      typeof token === "string" ? token : JSON.stringify(token),
    );
  const words = (list: string[]) => {
    const firstFlag = list.findIndex((token) => token.startsWith("-"));
    return firstFlag < 0 ? list : list.slice(0, firstFlag);
  };
  const usages: PincerUsage[] = [];
  for (const [index, alternative] of alternativesOf(withoutEnv).entries()) {
    // Flags are pincer's up to a `--` (what follows is another program's), never inside quotes.
    const own = alternative.split(" -- ")[0]!.replace(/"[^"]*"|'[^']*'/g, '""');
    const flags = [...own.matchAll(/(?<=^|[\s[])(--?[a-zA-Z][\w-]*)/g)].map((match) => match[1]!);
    // Placeholders and optional parts go; the words left are commands and literal arguments.
    const plain = words(tokens(alternative.replace(/<[^>]*>/g, " ").replace(/\[[^\]]*\]/g, " ")));
    // `sessions list | show <id>`: an alternative after the first replaces the first one's last word.
    const parent = index === 0 ? [] : usages[0]!.words.slice(0, -1);
    usages.push({ text: line, words: index === 0 ? plain.slice(1) : [...parent, ...plain], flags });
  }
  return usages;
}

/** `a | b <x | y> | c` → ["a", "b <x | y>", "c"]: split on bars outside <…> and […]. */
function alternativesOf(text: string): string[] {
  const parts = [""];
  let depth = 0;
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!;
    if (char === "<" || char === "[") depth++;
    if (char === ">" || char === "]") depth = Math.max(0, depth - 1);
    if (depth === 0 && text.startsWith(" | ", at)) {
      parts.push("");
      at += 2;
    } else parts[parts.length - 1] += char;
  }
  return parts;
}

/** The command path `--help` resolves the words to, and how many positionals its usage takes. */
async function resolveCommand(
  words: string[],
): Promise<{ path: string[]; slots: number; variadic: boolean; help: string }> {
  const result = await pincer([...words, "--help"]);
  expect(result.code, `pincer ${words.join(" ")} --help: ${result.stderr}`).toBe(0);
  const usage = result.stdout.split("\n")[0]!.trim().split(/\s+/).slice(1);
  const path = usage.filter((token) => !/^[<[]/.test(token));
  // A default subcommand (`pincer intern <task>`) lends its positionals to the command itself.
  const fallback = result.stdout
    .split("\n")
    .find((row) => row.trim().startsWith(`pincer ${path.join(" ")} `) && row.trimEnd().endsWith("[default]"));
  const defaults = fallback
    ? fallback
        .trim()
        .split(/\s{2,}/)[0]!
        .split(/\s+/)
        .slice(path.length + 1)
    : [];
  const slots = [...usage, ...defaults].filter((token) => /^[<[][a-z]/i.test(token));
  return { path, slots: slots.length, variadic: slots.some((slot) => slot.includes("..")), help: result.stdout };
}

const lines = shellLines(readme);

/** The Install section's lines: a published package from the registry, globally or into a project. */
const NPM_INSTALL = /^npm install (?:--global |--save-dev )?(@pincer\/[\w-]+)$/;

describe("the README's commands", () => {
  it("keeps the Quick start at exactly two commands, both of which name real scripts", () => {
    const quickStart = lines.filter(({ block }) => block === 0).map(({ line }) => line);
    expect(quickStart).toEqual([
      "npx -y -p node@24 -p pnpm@10 -c 'pnpm install && pnpm demo'",
      "npx -y -p node@24 -p pnpm@10 -c 'pnpm install && pnpm test'",
    ]);
    expect(scripts.demo).toContain("scripts/demo.mjs");
    expect(scripts.test).toContain("vitest run");
    for (const file of ["scripts/demo.mjs", "scripts/system-deps.mjs"]) expect(existsSync(join(root, file))).toBe(true);
  });

  it("checks every line: a pincer command, a pnpm script, or one of the few others it knows", () => {
    const unknown = lines
      .map(({ line }) => line)
      .filter(
        (line) =>
          !/^([A-Z_]+=\S+\s+)*pincer(\s|$)/.test(line) &&
          !/^pnpm \w+$/.test(line) &&
          !/^npx -y -p node@24 -p pnpm@10 -c '[^']*'$/.test(line) &&
          !/^export [A-Z_]+=\S+$/.test(line) &&
          !/^cd [\w./-]+$/.test(line) &&
          line !== "cd packages/cli && npm link" &&
          !/^npm publish \S+\.tgz$/.test(line) &&
          !NPM_INSTALL.test(line),
      );
    expect(unknown, "README commands this test does not check: add a check for them here").toEqual([]);
  });

  it("installs only packages this workspace publishes (scripts/registry-install.test.ts installs them)", () => {
    const named = lines.flatMap(({ line }) => NPM_INSTALL.exec(line)?.slice(1, 2) ?? []);
    expect(named).toContain("@pincer/cli");
    for (const name of named) {
      const dir = name.replace("@pincer/", "packages/");
      const json = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      expect(`${json.name} private: ${json.private === true}`).toBe(`${name} private: false`);
    }
  });

  it("names only pnpm scripts that exist", () => {
    const named = lines.flatMap(({ line }) => [...line.matchAll(/(?:^|&& |')pnpm (\w+)/g)].map((match) => match[1]!));
    expect(named.length).toBeGreaterThan(4);
    for (const name of named) if (name !== "install") expect(scripts, `pnpm ${name}`).toHaveProperty(name);
  });

  it("names only pincer commands and flags that exist", async () => {
    const usages = lines
      .filter(({ line }) => /^([A-Z_]+=\S+\s+)*pincer(\s|$)/.test(line))
      .flatMap(({ line }) => pincerUsages(line));
    expect(usages.length).toBeGreaterThan(50);
    // One `--help` per distinct command line, four at a time: a loaded machine spawns slowly.
    const keys = [...new Set(usages.map((usage) => usage.words.join("\u0000")))];
    const resolved = new Map<string, Awaited<ReturnType<typeof resolveCommand>>>();
    for (let at = 0; at < keys.length; at += 4) {
      const batch = keys.slice(at, at + 4);
      const answers = await Promise.all(batch.map((key) => resolveCommand(key ? key.split("\u0000") : [])));
      for (const [index, key] of batch.entries()) resolved.set(key, answers[index]!);
    }
    for (const usage of usages) {
      const { path, slots, variadic, help } = resolved.get(usage.words.join("\u0000"))!;
      const extra = usage.words.slice(path.length);
      expect(usage.words.slice(0, path.length), usage.text).toEqual(path);
      if (!variadic)
        expect(extra.length, `${usage.text}: ${extra.join(" ")} is not a command here`).toBeLessThanOrEqual(slots);
      for (const flag of usage.flags) {
        expect(help, `${usage.text}: ${flag} is not an option of pincer ${path.join(" ")}`).toMatch(
          new RegExp(`(^|[\\s,])${flag}([\\s,]|$)`, "m"),
        );
      }
    }
  }, 300_000);

  /** The offline commands, run as written in a clean HOME, with the exit code the README promises. */
  const RUNS: Array<[string, number]> = [
    ["pincer demo", 0],
    ["pincer config set model openai/gpt-5", 0],
    ["pincer config set thinking medium", 0],
    ["pincer sessions list", 0],
    ["pincer theme show light", 0],
    ["pincer plugin new my-theme --kind theme", 0],
    ["pincer plugin new my-tool --kind tool", 0],
    ["pincer mcp list", 0],
    ["pincer plugin list", 0],
    // No key: the guided start (exit 2, "no provider configured or its key missing").
    ['pincer -p "add a --json flag to src/cli.ts" --model openai/gpt-5', 2],
  ];

  it.each(RUNS)(
    "runs %s as documented",
    async (command, code) => {
      expect(lines.some(({ line }) => line === command || line.startsWith(`${command} `))).toBe(true);
      // As the README says: without bubblewrap, the coding demo runs its commands only when told to.
      const unconfined = command === "pincer demo" && !probeBwrap().ok ? ["--dangerously-run-unconfined"] : [];
      const args = [...(parse(command) as string[]).slice(1), ...unconfined];
      const result = await pincer(args);
      expect(result.code, `${command}\n${result.stdout}\n${result.stderr}`).toBe(code);
    },
    60_000,
  );

  it("runs the plugin authoring steps in the folder plugin new made", async () => {
    for (const command of ["pincer plugin pack"]) {
      expect(lines.map(({ line }) => line)).toContain(command);
      const result = await pincer((parse(command) as string[]).slice(1), { cwd: join(work, "my-tool") });
      expect(result.code, result.stderr).toBe(0);
    }
    expect(existsSync(join(work, "my-tool", "my-tool-0.1.0.tgz"))).toBe(true);
  }, 60_000);

  it("links the built CLI with cd packages/cli && npm link, offline", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "pincer-readme-prefix-"));
    try {
      const linked = await run("npm", ["link", "--offline", "--no-audit", "--no-fund"], {
        cwd: join(root, "packages/cli"),
        env: { npm_config_prefix: prefix, npm_config_cache: join(prefix, "cache") },
      });
      expect(linked.code, linked.stderr).toBe(0);
      const bin = join(prefix, "bin", "pincer");
      expect(realpathSync(resolve(join(prefix, "bin"), readlinkSync(bin)))).toBe(realpathSync(CLI));
      const version = await run(process.execPath, [bin, "--version"]);
      expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  }, 120_000);
});
