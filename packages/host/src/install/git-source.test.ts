import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitRepo } from "@pincer/testing";
import { afterEach, describe, expect, it } from "vitest";
import { checkGitRef, checkGitUrl, cloneGit, GitSourceError, runGit } from "./git-source.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-git-source-"));
  dirs.push(dir);
  return dir;
}

describe("git sources", () => {
  it("refuses URLs and refs that are options or command transports before git sees them", () => {
    for (const url of [
      "ext::sh -c touch% /tmp/x",
      "--upload-pack=touch /tmp/x",
      "-oProxyCommand=x",
      "fd::3",
      "http://example.com/x.git",
      "x\ny",
      "relative/path",
    ]) {
      expect(() => checkGitUrl(url, "entry")).toThrow(GitSourceError);
    }
    for (const url of [
      "https://github.com/a/b.git",
      "ssh://git@host/x.git",
      "git@github.com:a/b.git",
      "file:///srv/x.git",
      "/srv/x.git",
    ]) {
      expect(checkGitUrl(url, "entry")).toBe(url);
    }
    for (const ref of ["--upload-pack=x", "-b", "a..b", "x.lock", "a b", ""])
      expect(() => checkGitRef(ref, "entry")).toThrow();
    expect(checkGitRef("release/v1.0", "entry")).toBe("release/v1.0");
  });

  it("and git itself, given them anyway, runs no command: the ext transport is off and -- keeps a URL a URL", async () => {
    const marker = join(temp(), "pwned");
    await expect(runGit(["clone", "--", `ext::sh -c touch% ${marker}`, join(temp(), "a")])).rejects.toThrow(
      /transport 'ext' not allowed/,
    );
    await expect(runGit(["clone", "--", `--upload-pack=touch ${marker}`, join(temp(), "b")])).rejects.toThrow(
      /git clone failed/,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it("clones pinned to a commit, runs none of the repository's hooks, and fetches no submodule", async () => {
    using repo = gitRepo({
      "README.md": "one",
      ".gitmodules": '[submodule "evil"]\n\tpath = evil\n\turl = ext::sh -c touch% /tmp/pincer-submodule-pwned\n',
    });
    const first = repo.head();
    repo.commit({ "README.md": "two" });
    const pinned = await cloneGit(repo.url, join(temp(), "c"), { sha: first });
    expect(pinned.commit).toBe(first);
    const tip = await cloneGit(repo.bare, join(temp(), "d"));
    expect(tip.commit).toBe(repo.head());
    expect(existsSync("/tmp/pincer-submodule-pwned")).toBe(false);
    expect(existsSync(join(tip.dir, "evil", ".git"))).toBe(false);
  });
});
