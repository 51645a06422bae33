import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSkills, skillRoots } from "@pincer/claude-code";
import { afterEach, describe, expect, it } from "vitest";
import { createSkillTool } from "./skill-tool.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function skill(root: string, folder: string, text: string, files: Record<string, string> = {}) {
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "SKILL.md"), text);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function world() {
  const root = mkdtempSync(join(tmpdir(), "pincer-skills-"));
  dirs.push(root);
  const cwd = join(root, "project");
  const pincerHome = join(root, "home");
  return { cwd, pincerHome, roots: skillRoots({ cwd, pincerHome }) };
}

const ctx = { toolCallId: "t", cwd: "/", signal: new AbortController().signal, onUpdate: () => {} };

describe("loadSkills", () => {
  it("finds user, project and .claude skills; the user's wins a name (as in Claude Code); bad ones become warnings", () => {
    const { cwd, pincerHome, roots } = world();
    skill(join(cwd, ".pincer", "skills"), "deploy", "---\nname: deploy\ndescription: Project deploy\n---\nSteps");
    skill(join(pincerHome, "skills"), "deploy", "---\nname: deploy\ndescription: User deploy\n---\nOther");
    skill(join(cwd, ".claude", "skills"), "pdf", "---\nname: pdf\ndescription: PDF forms\n---\nUse pdftk");
    // No name: the folder's; no description: the body's first paragraph (Claude Code's defaults).
    skill(join(pincerHome, "skills"), "unnamed", "---\nlicense: MIT\n---\nDoes things.\n\nMore.");
    const empty = skill(join(pincerHome, "skills"), "empty", "---\nname: empty\n---\n");
    const unparsable = skill(join(pincerHome, "skills"), "worse", "---\nname: worse\n");
    const warnings: string[] = [];
    const skills = loadSkills(roots, warnings);
    expect(skills.map((found) => [found.name, found.description])).toEqual([
      ["deploy", "User deploy"],
      ["unnamed", "Does things."],
      ["pdf", "PDF forms"],
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(join(empty, "SKILL.md"));
    expect(warnings[0]).toContain('no "description"');
    expect(warnings[1]).toContain(join(unparsable, "SKILL.md"));
  });
});

describe("the skill tool", () => {
  it("lists skills in its description, returns the body, the folder and its files, and reads a file", async () => {
    const { pincerHome, roots } = world();
    const dir = skill(
      join(pincerHome, "skills"),
      "pdf",
      "---\nname: pdf\ndescription: PDF forms\n---\nSee reference.md",
      {
        "reference.md": "the reference",
        "scripts/fill.py": "print(1)",
      },
    );
    const tool = createSkillTool(loadSkills(roots, []));
    expect(tool.kind).toBe("read");
    expect(tool.description).toContain("- pdf: PDF forms");
    const loaded = await tool.execute({ name: "pdf" }, ctx);
    expect(loaded.isError).toBeUndefined();
    expect(loaded.content).toContain(`folder: ${dir}`);
    expect(loaded.content).toContain("See reference.md");
    expect(loaded.content).toContain("- reference.md");
    expect(loaded.content).toContain("- scripts/fill.py");
    expect((await tool.execute({ name: "pdf", file: "reference.md" }, ctx)).content).toBe("the reference");
    expect((await tool.execute({ name: "pdf", file: "../../x" }, ctx)).isError).toBe(true);
    expect((await tool.execute({ name: "pdf", file: "missing.md" }, ctx)).isError).toBe(true);
    const unknown = await tool.execute({ name: "nope" }, ctx);
    expect(unknown).toMatchObject({ isError: true, content: expect.stringContaining("Available skills: pdf") });
  });
});
