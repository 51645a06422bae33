import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A real git repository for tests, made with the system git: a work tree that commits and pushes
 * to a bare repository, which is what tests clone (by path or file:// URL), as a user's remote.
 */
export interface GitRepo {
  /** The bare repository: clone this. */
  bare: string;
  url: string;
  /** Writes files (a `{ symlink }` value makes a symlink), commits them and pushes; returns the commit. */
  commit(files: Record<string, string | { symlink: string }>, message?: string, remove?: string[]): string;
  /** Tags the current commit and pushes the tag. */
  tag(name: string): void;
  /** Makes `name` a branch at the current commit and pushes it. */
  branch(name: string): void;
  head(): string;
  [Symbol.dispose](): void;
}

const IDENTITY = [
  "-c",
  "user.name=Pincer Tests",
  "-c",
  "user.email=tests@pincer.invalid",
  "-c",
  "commit.gpgsign=false",
];

function git(cwd: string, args: string[]): string {
  const env = { ...process.env };
  for (const name of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"]) delete env[name];
  return execFileSync("git", [...IDENTITY, ...args], { cwd, env, encoding: "utf8" }).trim();
}

export function gitRepo(files: Record<string, string | { symlink: string }> = {}, name = "repo"): GitRepo {
  const root = mkdtempSync(join(tmpdir(), "pincer-git-"));
  const work = join(root, "work");
  const bare = join(root, `${name}.git`);
  mkdirSync(work);
  git(root, ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  git(work, ["init", "--quiet", "--initial-branch=main"]);
  const repo: GitRepo = {
    bare,
    url: `file://${bare}`,
    commit(next, message = "change", remove = []) {
      for (const [path, content] of Object.entries(next)) {
        const file = join(work, path);
        mkdirSync(dirname(file), { recursive: true });
        rmSync(file, { force: true });
        if (typeof content === "string") writeFileSync(file, content, { mode: path.endsWith(".sh") ? 0o755 : 0o644 });
        else symlinkSync(content.symlink, file);
      }
      for (const path of remove) rmSync(join(work, path), { recursive: true, force: true });
      git(work, ["add", "--all"]);
      git(work, ["commit", "--quiet", "--allow-empty", "-m", message]);
      git(work, ["push", "--quiet", bare, "HEAD:main"]);
      return repo.head();
    },
    tag(tag) {
      git(work, ["tag", tag]);
      git(work, ["push", "--quiet", bare, `refs/tags/${tag}`]);
    },
    branch(branch) {
      git(work, ["push", "--quiet", bare, `HEAD:refs/heads/${branch}`]);
    },
    head: () => git(work, ["rev-parse", "HEAD"]),
    [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }),
  };
  if (Object.keys(files).length > 0) repo.commit(files, "initial");
  return repo;
}
