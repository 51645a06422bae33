import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localSettingsPath, readLocalSettings, rememberLocalAllowRule } from "./local-settings.js";

let root: string;
let home: string;
let project: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "pincer-local-settings-"));
  home = join(root, "home", ".pincer");
  project = join(root, "project");
  mkdirSync(project, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the project's local settings", () => {
  it("remembers a rule in a git-ignored file this user's Pincer trusts", () => {
    const file = rememberLocalAllowRule(project, home, "bash(npm test:*)");
    rememberLocalAllowRule(project, home, "write(src/**)");
    rememberLocalAllowRule(project, home, "bash(npm test:*)");
    expect(file).toBe(localSettingsPath(project));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      permissions: { allow: ["bash(npm test:*)", "write(src/**)"] },
    });
    expect(readFileSync(join(project, ".pincer", ".gitignore"), "utf8")).toBe("settings.local.json\n");
    expect(readLocalSettings(project, home)).toEqual({
      settings: { permissions: { allow: ["bash(npm test:*)", "write(src/**)"] } },
      trusted: true,
    });
    // Nothing reached the user's global config.
    expect(existsSync(join(home, "config.json"))).toBe(false);
  });

  it("adds its line to a .gitignore the project already has", () => {
    mkdirSync(join(project, ".pincer"));
    writeFileSync(join(project, ".pincer", ".gitignore"), "cache/");
    rememberLocalAllowRule(project, home, "bash(ls:*)");
    expect(readFileSync(join(project, ".pincer", ".gitignore"), "utf8")).toBe("cache/\nsettings.local.json\n");
  });

  it("distrusts a file a repository shipped, and one edited since Pincer wrote it", () => {
    mkdirSync(join(project, ".pincer"));
    writeFileSync(localSettingsPath(project), JSON.stringify({ permissions: { allow: ["bash"] } }));
    expect(readLocalSettings(project, home)?.trusted).toBe(false);

    rememberLocalAllowRule(project, home, "bash(ls:*)");
    // The shipped rule did not gain trust by being rewritten.
    expect(readLocalSettings(project, home)?.settings).toEqual({ permissions: { allow: ["bash(ls:*)"] } });
    writeFileSync(localSettingsPath(project), JSON.stringify({ permissions: { allow: ["bash(ls:*)", "bash"] } }));
    expect(readLocalSettings(project, home)?.trusted).toBe(false);
  });

  it("distrusts an identical file at another path", () => {
    rememberLocalAllowRule(project, home, "bash(ls:*)");
    const other = join(root, "other");
    mkdirSync(join(other, ".pincer"), { recursive: true });
    writeFileSync(localSettingsPath(other), readFileSync(localSettingsPath(project)));
    expect(readLocalSettings(other, home)?.trusted).toBe(false);
  });

  it("never writes through a symlinked .pincer, which could point at the user's own config", () => {
    mkdirSync(home, { recursive: true });
    symlinkSync(home, join(project, ".pincer"));
    expect(() => rememberLocalAllowRule(project, home, "bash")).toThrow("is a symbolic link");
    expect(existsSync(join(home, "settings.local.json"))).toBe(false);
  });

  it("replaces a symlink planted at the file instead of writing through it", () => {
    mkdirSync(join(project, ".pincer"));
    const target = join(root, "bashrc");
    writeFileSync(target, "# my shell profile\n");
    symlinkSync(target, localSettingsPath(project));
    rememberLocalAllowRule(project, home, "bash(ls:*)");
    expect(readFileSync(target, "utf8")).toBe("# my shell profile\n");
    expect(readLocalSettings(project, home)?.trusted).toBe(true);
  });

  it("reports a file it cannot read instead of throwing", () => {
    mkdirSync(join(project, ".pincer"));
    writeFileSync(localSettingsPath(project), "{ nope");
    expect(readLocalSettings(project, home)?.problem).toContain("cannot read it");
    writeFileSync(localSettingsPath(project), JSON.stringify({ permissions: { alow: [] } }));
    expect(readLocalSettings(project, home)?.problem).toContain("did you mean permissions.allow?");
  });
});
