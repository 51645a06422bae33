import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatMemory, loadMemory, MEMORY_MAX_BYTES } from "./memory.js";

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
});
