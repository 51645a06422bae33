import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatMemory, formatNestedMemory, loadMemory, MEMORY_MAX_BYTES, nestedMemory } from "./memory.js";
import { findImports, MAX_IMPORT_HOPS, stripHtmlComments } from "./memory-imports.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function world() {
  const root = mkdtempSync(join(tmpdir(), "pincer-memory-"));
  dirs.push(root);
  const home = join(root, "home");
  const project = join(home, "work", "project");
  const pincerHome = join(home, ".pincer");
  mkdirSync(join(project, "sub"), { recursive: true });
  mkdirSync(pincerHome, { recursive: true });
  return { root, home, project, pincerHome };
}

describe("loadMemory", () => {
  it("reads the user's file, then every directory from home down to cwd, nearest last", () => {
    const { root, home, project, pincerHome } = world();
    writeFileSync(join(root, "AGENTS.md"), "above home: never read");
    writeFileSync(join(pincerHome, "AGENTS.md"), "user rules");
    writeFileSync(join(home, "work", "AGENTS.md"), "work rules");
    writeFileSync(join(project, "AGENTS.md"), "project rules");
    writeFileSync(join(project, "CLAUDE.md"), "claude rules");
    writeFileSync(join(project, "sub", "AGENTS.md"), "  \n");
    const warnings: string[] = [];
    const files = loadMemory({ cwd: join(project, "sub"), pincerHome, userHome: home, warnings });
    expect(files.map((file) => file.content)).toEqual(["user rules", "work rules", "project rules", "claude rules"]);
    expect(warnings).toEqual([]);
    const text = formatMemory(files)!;
    expect(text).toContain(`## ${join(project, "AGENTS.md")}\n\nproject rules`);
    expect(text.indexOf("work rules")).toBeLessThan(text.indexOf("project rules"));
  });

  it("reads a CLAUDE.md that links to AGENTS.md once", () => {
    const { home, project, pincerHome } = world();
    writeFileSync(join(project, "AGENTS.md"), "shared");
    symlinkSync(join(project, "AGENTS.md"), join(project, "CLAUDE.md"));
    const files = loadMemory({ cwd: project, pincerHome, userHome: home, warnings: [] });
    expect(files.map((file) => file.path)).toEqual([join(project, "AGENTS.md")]);
  });

  it("cuts a file over the cap and says so", () => {
    const { home, project, pincerHome } = world();
    writeFileSync(join(project, "AGENTS.md"), `start${"é".repeat(MEMORY_MAX_BYTES)}`);
    const warnings: string[] = [];
    const [file] = loadMemory({ cwd: project, pincerHome, userHome: home, warnings });
    expect(file!.truncated).toBe(true);
    expect(Buffer.byteLength(file!.content)).toBeLessThanOrEqual(MEMORY_MAX_BYTES);
    expect(file!.content.endsWith("é")).toBe(true);
    expect(warnings[0]).toContain(join(project, "AGENTS.md"));
    expect(formatMemory([file!])).toContain("[Cut:");
  });

  it("gives nothing when there are no files", () => {
    const { home, project, pincerHome } = world();
    expect(formatMemory(loadMemory({ cwd: project, pincerHome, userHome: home, warnings: [] }))).toBeUndefined();
  });

  it("reads ~/.claude/CLAUDE.md for the user, and CLAUDE.local.md after CLAUDE.md in each folder", () => {
    const { home, project, pincerHome } = world();
    mkdirSync(join(home, ".claude"), { recursive: true });
    writeFileSync(join(home, ".claude", "CLAUDE.md"), "user claude");
    writeFileSync(join(project, "CLAUDE.local.md"), "my local notes");
    writeFileSync(join(project, "CLAUDE.md"), "team rules");
    mkdirSync(join(project, ".claude"));
    writeFileSync(join(project, ".claude", "CLAUDE.md"), "dot-claude rules");
    const files = loadMemory({ cwd: project, pincerHome, userHome: home, env: { HOME: home }, warnings: [] });
    expect(files.map((file) => file.content)).toEqual([
      "user claude",
      "team rules",
      "dot-claude rules",
      "my local notes",
    ]);
  });

  it("strips block-level HTML comments, but not inside code blocks", () => {
    expect(stripHtmlComments("a\n<!-- maintainer\nnotes -->\nb\n```\n<!-- kept -->\n```")).toBe(
      "a\nb\n```\n<!-- kept -->\n```",
    );
  });
});

describe("@path imports in memory files", () => {
  it("imports relative, absolute and ~ paths before the importing file, once, skipping code and prose mentions", () => {
    const { home, project, pincerHome } = world();
    mkdirSync(join(project, "docs"), { recursive: true });
    writeFileSync(join(project, "AGENTS.md"), "agents rules");
    writeFileSync(join(project, "docs", "style.md"), "style guide\nSee @../AGENTS.md again");
    writeFileSync(join(project, "abs.md"), "absolute import");
    writeFileSync(
      join(project, "CLAUDE.md"),
      [
        "@AGENTS.md",
        `Read @docs/style.md and @${join(project, "abs.md")}.`,
        "Not `@docs/nothere.md`, not mail@example.com, not @someone.",
        "```",
        "@abs.md in a code block",
        "```",
        "claude rules",
      ].join("\n"),
    );
    const warnings: string[] = [];
    const files = loadMemory({ cwd: project, pincerHome, userHome: home, warnings });
    expect(files.map((file) => [file.content.split("\n")[0], file.importedBy ?? ""])).toEqual([
      ["agents rules", ""],
      ["style guide", join(project, "CLAUDE.md")],
      ["absolute import", join(project, "CLAUDE.md")],
      ["@AGENTS.md", ""],
    ]);
    expect(warnings).toEqual([]);
    expect(formatMemory(files)).toContain(
      `## ${join(project, "docs", "style.md")} (imported by ${join(project, "CLAUDE.md")})`,
    );
    expect(findImports("see `@x.md` and @y.md", "/p/CLAUDE.md")).toEqual(["/p/y.md"]);
  });

  it(`follows imports ${MAX_IMPORT_HOPS} hops deep, no further, and ends a cycle`, () => {
    const { home, project, pincerHome } = world();
    for (let n = 1; n <= 6; n++) writeFileSync(join(project, `n${n}.md`), `level ${n}\n@n${n + 1}.md`);
    writeFileSync(join(project, "n7.md"), "level 7\n@CLAUDE.md");
    writeFileSync(join(project, "CLAUDE.md"), "top\n@n1.md");
    const warnings: string[] = [];
    const files = loadMemory({ cwd: project, pincerHome, userHome: home, warnings });
    expect(files.map((file) => file.content.split("\n")[0])).toEqual([
      "level 4",
      "level 3",
      "level 2",
      "level 1",
      "top",
    ]);
    expect(warnings).toEqual([`Skipped the import @n5.md in ${join(project, "n4.md")}: imports go at most 4 deep.`]);
    // A cycle: a imports b imports a.
    writeFileSync(join(project, "CLAUDE.md"), "@a.md");
    writeFileSync(join(project, "a.md"), "a\n@b.md");
    writeFileSync(join(project, "b.md"), "b\n@a.md\n@CLAUDE.md");
    expect(
      loadMemory({ cwd: project, pincerHome, userHome: home, warnings: [] }).map((file) => file.content[0]),
    ).toEqual(["b", "a", "@"]);
  });

  it("refuses a repository's import of a file outside it (an attack on your keys) and a denied one; the rest loads", () => {
    const { home, project, pincerHome } = world();
    mkdirSync(join(project, ".git"));
    mkdirSync(join(home, ".ssh"), { recursive: true });
    writeFileSync(join(home, ".ssh", "id_rsa"), "PRIVATE KEY");
    writeFileSync(join(project, ".env"), "API_KEY=secret");
    writeFileSync(join(project, "ok.md"), "fine");
    symlinkSync(join(home, ".ssh", "id_rsa"), join(project, "innocent.md"));
    writeFileSync(join(project, "CLAUDE.md"), `@${join(home, ".ssh", "id_rsa")}\n@innocent.md\n@.env\n@ok.md\nrules`);
    // The user's own file above the repository may import from anywhere.
    writeFileSync(join(home, "work", "notes.md"), "my notes");
    writeFileSync(join(home, "work", "CLAUDE.md"), "@notes.md");
    const warnings: string[] = [];
    const files = loadMemory({
      cwd: project,
      pincerHome,
      userHome: home,
      warnings,
      readAllowed: (path) => !path.endsWith(".env"),
    });
    const text = files.map((file) => file.content).join("\n");
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain("API_KEY");
    expect(text).toContain("fine");
    expect(text).toContain("my notes");
    expect(warnings.filter((line) => line.includes("may import only files inside it"))).toHaveLength(2);
    expect(warnings.some((line) => line.includes("@.env") && line.includes("permission rules"))).toBe(true);
  });
});

describe("memory files below the working directory, on demand", () => {
  it("gives the folders' files between cwd and a file's folder once, never outside cwd", () => {
    const { home, project, pincerHome } = world();
    mkdirSync(join(project, "packages", "web", "src"), { recursive: true });
    writeFileSync(join(project, "packages", "AGENTS.md"), "packages rules");
    writeFileSync(join(project, "packages", "web", "CLAUDE.md"), "web rules");
    const loaded = new Set<string>();
    const options = { cwd: project, pincerHome, userHome: home, warnings: [], loaded };
    const files = nestedMemory(join(project, "packages", "web", "src"), options);
    expect(files.map((file) => file.content)).toEqual(["packages rules", "web rules"]);
    expect(formatNestedMemory(files, project)).toContain("Instructions for files under packages, packages/web");
    expect(nestedMemory(join(project, "packages", "web"), options)).toEqual([]);
    expect(nestedMemory(home, options)).toEqual([]);
  });
});
