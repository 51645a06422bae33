import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorPattern, escapeGlob, pathCoveredBy, pathHitBy, pathMatches, realPath, resolvePath } from "./paths.js";

const cwd = "/work/project";

describe("pathMatches", () => {
  it("anchors relative patterns at the cwd", () => {
    expect(pathMatches("/work/project/src/a/b.ts", "src/**", cwd)).toBe(true);
    expect(pathMatches("/work/project/src", "src/**", cwd)).toBe(true);
    expect(pathMatches("/work/project/lib/a.ts", "src/**", cwd)).toBe(false);
    expect(pathMatches("/work/project/src/a.ts", "./src/*.ts", cwd)).toBe(true);
    expect(pathMatches("/work/project/src/a/b.ts", "src/*.ts", cwd)).toBe(false);
  });

  it("resolves relative subjects against the cwd", () => {
    expect(pathMatches("src/a.ts", "src/**", cwd)).toBe(true);
  });

  it("normalises the subject before matching, so .. cannot escape", () => {
    expect(pathMatches("/work/project/src/../secrets.env", "src/**", cwd)).toBe(false);
    expect(pathMatches("src/../../other/src/a.ts", "src/**", cwd)).toBe(false);
    expect(pathMatches("/work/project/src/x/../a.ts", "src/**", cwd)).toBe(true);
  });

  it("never matches a path outside the cwd with a relative pattern", () => {
    expect(pathMatches("/work/other/src/a.ts", "src/**", cwd)).toBe(false);
    expect(pathMatches("/etc/passwd", "**", cwd)).toBe(false);
    expect(pathMatches("/work/project-evil/a.ts", "**", cwd)).toBe(false);
  });

  it("lets a pattern climb out of the cwd only when it says so", () => {
    expect(pathMatches("/work/shared/a.ts", "../shared/**", cwd)).toBe(true);
  });

  it("expands ~ to the home directory", () => {
    const home = homedir();
    expect(pathMatches(join(home, ".ssh/id_rsa"), "~/.ssh/**", cwd)).toBe(true);
    expect(pathMatches("~/.ssh/id_rsa", "~/.ssh/**", cwd)).toBe(true);
    expect(pathMatches(join(home, ".sshx/id"), "~/.ssh/**", cwd)).toBe(false);
    expect(pathMatches(join(home, "notes.txt"), "~", cwd)).toBe(true);
  });

  it("keeps absolute patterns absolute", () => {
    expect(pathMatches("/tmp/scratch/a/b", "/tmp/scratch/**", cwd)).toBe(true);
    expect(pathMatches("/tmp/other", "/tmp/scratch/**", cwd)).toBe(false);
    expect(pathMatches("/var/log/app.log", "/var/log/*.log", cwd)).toBe(true);
  });

  it("matches dotfiles", () => {
    expect(pathMatches("/work/project/src/.env", "src/**", cwd)).toBe(true);
    expect(pathMatches("/work/project/.env", "*.env", cwd)).toBe(true);
    expect(pathMatches("/work/project/a/.git/config", "**/.git/**", cwd)).toBe(true);
  });

  it("reads a literal pattern as a file or a directory with everything inside", () => {
    expect(pathMatches("/work/project/.env", ".env", cwd)).toBe(true);
    expect(pathMatches("/work/project/.env.local", ".env", cwd)).toBe(false);
    expect(pathMatches("/work/project/secrets/key.pem", "secrets", cwd)).toBe(true);
    expect(pathMatches("/work/project/secrets/key.pem", "secrets/", cwd)).toBe(true);
  });

  it("honours escaped glob characters, for directories named like app/(group)/[id]", () => {
    const pattern = `${escapeGlob("app/(group)/[id]")}/**`;
    expect(pattern).toBe("app/\\(group\\)/\\[id\\]/**");
    expect(pathMatches("/work/project/app/(group)/[id]/page.tsx", pattern, cwd)).toBe(true);
    expect(pathMatches("/work/project/app/group/i/page.tsx", pattern, cwd)).toBe(false);
  });

  it("works when the cwd itself holds glob characters", () => {
    const odd = "/work/my[app] (v2)";
    expect(pathMatches(`${odd}/src/a.ts`, "src/**", odd)).toBe(true);
    expect(pathMatches("/work/my[app] (v2)x/src/a.ts", "src/**", odd)).toBe(false);
  });
});

describe("anchorPattern and resolvePath", () => {
  it("splits a pattern into its base directory and the glob below it", () => {
    expect(anchorPattern("src/**/*.ts", cwd)).toEqual({ base: "/work/project/src", glob: "**/*.ts" });
    expect(anchorPattern("/etc/hosts", cwd)).toEqual({ base: "/etc/hosts", glob: "" });
    expect(anchorPattern("~/.ssh/**", cwd)).toEqual({ base: join(homedir(), ".ssh"), glob: "**" });
  });

  it("resolves ~, relative paths and ..", () => {
    expect(resolvePath("~", cwd)).toBe(homedir());
    expect(resolvePath("a/../b", cwd)).toBe("/work/project/b");
    expect(resolvePath("/x/./y", cwd)).toBe("/x/y");
  });
});

describe("symlinks", () => {
  let root: string;
  let project: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "pincer-paths-")));
    project = join(root, "project");
    mkdirSync(join(project, "src"), { recursive: true });
    mkdirSync(join(root, "secret"));
    writeFileSync(join(root, "secret", "key"), "k");
    symlinkSync(join(root, "secret"), join(project, "src", "link"));
    symlinkSync(project, join(root, "alias"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("resolves a symlink, even below a file that does not exist yet", () => {
    expect(realPath(join(project, "src", "link", "key"))).toBe(join(root, "secret", "key"));
    expect(realPath(join(project, "src", "link", "new", "file.ts"))).toBe(join(root, "secret", "new", "file.ts"));
    expect(realPath("/no/such/path")).toBe("/no/such/path");
  });

  it("does not let an allow rule cover a file reached through a symlink out of its directory", () => {
    const through = join(project, "src", "link", "key");
    expect(pathMatches(through, "src/**", project)).toBe(true);
    expect(pathCoveredBy(through, "src/**", project)).toBe(false);
    expect(pathCoveredBy(join(project, "src", "a.ts"), "src/**", project)).toBe(true);
  });

  it("lets a deny rule hit a file reached through a symlink into its directory", () => {
    const through = join(project, "src", "link", "key");
    expect(pathHitBy(through, `${root}/secret/**`, project)).toBe(true);
    expect(pathHitBy(join(project, "src", "a.ts"), `${root}/secret/**`, project)).toBe(false);
  });

  it("still covers paths when the cwd is itself reached through a symlink", () => {
    const alias = join(root, "alias");
    expect(pathCoveredBy(join(alias, "src", "a.ts"), "src/**", alias)).toBe(true);
  });
});
