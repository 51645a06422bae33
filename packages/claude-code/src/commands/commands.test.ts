import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readClaudePlugin } from "../plugins/claude-plugin-read.js";
import { closeMatches, findMarkdownCommand, listMarkdownCommands, type MarkdownCommand } from "./discover.js";
import { expandMarkdownCommand, parseSlash } from "./expand.js";
import { CommandExpansionError, type CommandHost, injectContext } from "./inject.js";
import { splitArgs, substituteArguments } from "./substitute.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-cmds-"));
  dirs.push(dir);
  return dir;
}
function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const command = (body: string, extra: Partial<MarkdownCommand> = {}): MarkdownCommand => ({
  name: "x",
  kind: "command",
  body,
  file: "x.md",
  scope: "project",
  ...extra,
});
const vars = { projectDir: "/proj", sessionId: "s-1" };

describe("filling a command's template, as Claude Code's substitutions say", () => {
  it("expands $ARGUMENTS, $ARGUMENTS[N] and $N from 0, named arguments, and the ${CLAUDE_*} variables", () => {
    expect(substituteArguments(command("Fix issue $ARGUMENTS now"), " 12 fast ", vars)).toBe("Fix issue 12 fast now");
    expect(
      substituteArguments(command("Migrate $ARGUMENTS[0] from $1 to $2 ($3)"), 'SearchBar "React 18" Vue', vars),
    ).toBe("Migrate SearchBar from React 18 to Vue ($3)");
    expect(substituteArguments(command("Issue $issue on $branch"), "42", { ...vars })).toBe(
      "Issue $issue on $branch\n\nARGUMENTS: 42",
    );
    expect(
      substituteArguments(command("Issue $issue on $branch", { argumentNames: ["issue", "branch"] }), "42", vars),
    ).toBe("Issue 42 on");
    expect(substituteArguments(command("Costs \\$1.00, arg $0"), "x", vars)).toBe("Costs $1.00, arg x");
    expect(
      substituteArguments(
        command(
          "${CLAUDE_PLUGIN_ROOT}/x.sh ${CLAUDE_SKILL_DIR} ${CLAUDE_PROJECT_DIR} ${CLAUDE_SESSION_ID} ${CLAUDE_PLUGIN_DATA}",
          {
            plugin: { name: "p", root: "/r" },
            dir: "/r/skills/s",
          },
        ),
        "",
        { ...vars, pluginData: "/data/p" },
      ),
    ).toBe("/r/x.sh /r/skills/s /proj s-1 /data/p");
    expect(substituteArguments(command("Summarise the diff."), "briefly", vars)).toBe(
      "Summarise the diff.\n\nARGUMENTS: briefly",
    );
    expect(splitArgs(`a "b c" 'd e' f\\"g`)).toEqual(["a", "b c", "d e", 'f\\"g']);
    expect(parseSlash("/frontend:component Button")).toEqual({ name: "frontend:component", args: "Button" });
    expect(parseSlash("/usr/bin/env is a path")).toBeUndefined();
  });
});

describe("a command's ! lines and @files", () => {
  const host = (files: Record<string, string> = {}, refuse: string[] = []) => {
    const ran: string[] = [];
    const value: CommandHost & { ran: string[] } = {
      ran,
      async runShell(line) {
        ran.push(line);
        if (line.startsWith("denied")) return { ok: false, error: "Permission denied: bash needs approval" };
        if (line.startsWith("grep")) return { ok: true, output: "", exitCode: 1 };
        if (line.startsWith("false")) return { ok: true, output: "boom", exitCode: 2 };
        return { ok: true, output: `out(${line})\n`, exitCode: 0 };
      },
      readFile(path) {
        if (refuse.includes(path)) return { refused: "denied by rule" };
        const content = files[path];
        return content === undefined ? undefined : { path, content };
      },
    };
    return value;
  };
  const signal = new AbortController().signal;

  it("runs !`cmd` at a line's start or after a space and ```! blocks, but not in code, and never rescans output", async () => {
    const fake = host();
    const text = [
      "- Status: !`git status`",
      "Inline `!`not run`` and KEY=!`not run either`",
      "```!",
      "node --version",
      "```",
      "```sh",
      "!`in a code block`",
      "```",
      "!`echo '!`nested`'`",
    ].join("\n");
    const prompt = await injectContext(text, fake, signal);
    expect(fake.ran).toEqual(["git status", "node --version", "echo '!"]);
    expect(prompt).toContain("- Status: out(git status)");
    expect(prompt).toContain("out(node --version)");
    expect(prompt).toContain("!`in a code block`");
    expect(prompt).toContain("KEY=!`not run either`");
  });

  it("aborts the whole command when a line is refused or fails; exit 1 of grep is an answer", async () => {
    await expect(injectContext("!`denied rm -rf x`", host(), signal)).rejects.toThrow(
      /Shell command failed for pattern "!`denied rm -rf x`": Permission denied/,
    );
    await expect(injectContext("!`false`", host(), signal)).rejects.toBeInstanceOf(CommandExpansionError);
    expect(await injectContext("Matches: !`grep TODO src`", host(), signal)).toBe("Matches: ");
  });

  it("adds the files @mentions name, skips what is no file, code and e-mail addresses, and refuses a denied one", async () => {
    const fake = host({ "src/a.ts": "const a = 1;\n", "README.md": "``` fence inside\n" });
    const prompt = await injectContext(
      "Review @src/a.ts and @README.md, not `@src/b.ts` nor me@example.com nor @nobody",
      fake,
      signal,
    );
    expect(prompt).toContain("Contents of @src/a.ts (src/a.ts):\n```\nconst a = 1;\n```");
    expect(prompt).toContain("Contents of @README.md, (README.md):\n````\n``` fence inside\n````");
    expect(prompt).not.toContain("src/b.ts (");
    await expect(injectContext("Read @.env", host({ ".env": "KEY=1" }, [".env"]), signal)).rejects.toThrow(
      /@\.env was not included: denied by rule/,
    );
  });

  it("puts a skill's folder first, as Claude Code does", async () => {
    const skill = command("Use ${CLAUDE_SKILL_DIR}/run.sh on $ARGUMENTS", { kind: "skill", dir: "/skills/deploy" });
    expect(await expandMarkdownCommand(skill, "prod", { vars, host: host(), signal })).toBe(
      "Base directory for this skill: /skills/deploy\n\nUse /skills/deploy/run.sh on prod",
    );
  });
});

describe("finding markdown commands and skills", () => {
  it("reads skills, the user's and the project's commands (subfolders namespaced), then plugins'", () => {
    const cwd = temp();
    const home = temp();
    const userHome = temp();
    const env = { HOME: userHome };
    put(
      join(cwd, ".pincer", "commands", "fix.md"),
      "---\ndescription: Project fix\nargument-hint: <issue>\n---\nFix $ARGUMENTS\n",
    );
    put(join(cwd, ".claude", "commands", "review.md"), "# Review the code\nReview $0\n");
    put(join(cwd, ".claude", "commands", "frontend", "component.md"), "Make $0\n");
    put(join(cwd, ".claude", "commands", "mine.md"), "The project's mine\n");
    put(
      join(userHome, ".claude", "commands", "mine.md"),
      "---\nallowed-tools: Bash(git add *), Read\nmodel: sonnet\n---\nMine\n",
    );
    put(join(home, "commands", "broken.md"), "---\nno closing fence\n");
    put(
      join(cwd, ".claude", "skills", "deploy", "SKILL.md"),
      "---\nname: Deploy it\ndescription: Deploys\ndisable-model-invocation: true\n---\nDeploy $ARGUMENTS\n",
    );
    put(join(cwd, ".claude", "commands", "deploy.md"), "A command that loses to the skill\n");
    put(
      join(cwd, ".claude", "skills", "background", "SKILL.md"),
      "---\ndescription: Knowledge\nuser-invocable: false\n---\nKnow.\n",
    );
    const pluginRoot = join(temp(), "ops");
    put(join(pluginRoot, "commands", "ship.md"), "Ship $ARGUMENTS from ${CLAUDE_PLUGIN_ROOT}\n");
    put(join(pluginRoot, "skills", "audit", "SKILL.md"), "---\nname: audit\ndescription: Audits\n---\nAudit.\n");
    const plugin = readClaudePlugin(pluginRoot);
    const warnings: string[] = [];
    const commands = listMarkdownCommands({ cwd, home, env, warnings, plugins: [plugin] });
    expect(commands.map((item) => item.name)).toEqual([
      "deploy",
      "ops:audit",
      "mine",
      "fix",
      "frontend:component",
      "review",
      "ops:ship",
    ]);
    const byName = (name: string) => commands.find((item) => item.name === name)!;
    expect(byName("deploy")).toMatchObject({ kind: "skill", description: "Deploys", scope: "project" });
    expect(byName("mine")).toMatchObject({ allowedTools: ["Bash(git add *)", "Read"], model: "sonnet", scope: "user" });
    expect(byName("fix")).toMatchObject({ description: "Project fix", argumentHint: "<issue>", scope: "project" });
    expect(byName("review")).toMatchObject({ description: "Review the code" });
    expect(warnings[0]).toContain(`Skipped command ${join(home, "commands", "broken.md")}`);
    expect(findMarkdownCommand(commands, "ship")?.name).toBe("ops:ship");
    expect(findMarkdownCommand(commands, "audit")?.kind).toBe("skill");
    expect(findMarkdownCommand(commands, "background")).toBeUndefined();
    expect(findMarkdownCommand(commands, "nothing")).toBeUndefined();
  });

  it("suggests close names for a typo or a missing namespace", () => {
    const names = ["deploy", "review", "frontend:component", "ops:ship", "compact"];
    expect(closeMatches(names, "deplyo")).toEqual(["deploy"]);
    expect(closeMatches(names, "component")).toEqual(["frontend:component"]);
    expect(closeMatches(names, "zzzzzz")).toEqual([]);
  });
});
