import { execFile } from "node:child_process";
import { existsSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Fetching Claude Code marketplaces and plugins from git repositories with the system `git`.
 * Every URL, ref and path here comes from a file someone else wrote (a marketplace.json), so:
 * git runs from argv (no shell), with no terminal prompt, no hooks, no submodules, and only the
 * https, ssh and file transports (`ext::` and friends would make git run a command); a URL or
 * ref can never be read as an option (`--upload-pack=…`): each is checked, and follows `--`.
 * What was fetched is pinned to the commit it resolved to.
 */

/** Options git gets before every command: the config a hostile repository can't steer. */
export const GIT_SAFETY: readonly string[] = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "protocol.allow=never",
  "-c",
  "protocol.https.allow=always",
  "-c",
  "protocol.ssh.allow=always",
  "-c",
  "protocol.file.allow=always",
  "-c",
  "submodule.recurse=false",
  "-c",
  "transfer.fsckObjects=true",
];

/** Variables that would point git at another repository than the one named. */
const GIT_LOCATION_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
];

export class GitSourceError extends Error {
  override name = "GitSourceError";
}

/** Runs git with the safety options; resolves with stdout, rejects with git's own message. */
export function runGit(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ALLOW_PROTOCOL: "https:ssh:file" };
  for (const name of GIT_LOCATION_VARS) delete env[name];
  // ssh must not stop to ask about a host key or a passphrase either.
  if (!env.GIT_SSH_COMMAND && !env.GIT_SSH) env.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  return new Promise((done, fail) => {
    execFile(
      "git",
      [...GIT_SAFETY, ...args],
      {
        ...(options.cwd ? { cwd: options.cwd } : {}),
        env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
        shell: false,
      },
      (error, stdout, stderr) => {
        if (!error) return done(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT")
          return fail(new GitSourceError("git is not installed here; install git to use git sources."));
        const said = String(stderr).trim().split("\n").slice(-3).join(" ").slice(0, 500);
        fail(new GitSourceError(`git ${args[0]} failed: ${said || error.message}`));
      },
    );
  });
}

/**
 * Checks a git URL from a marketplace or the command line: https://, ssh://, git@host:path,
 * file://, or an absolute path to a local repository. Anything else (ext::, fd::, http://, a
 * leading "-", control characters) is refused here, before git sees it.
 */
export function checkGitUrl(url: unknown, where: string): string {
  if (typeof url !== "string" || url.length === 0 || url.length > 2048) {
    throw new GitSourceError(`${where}: a git URL must be a non-empty string.`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(url)) throw new GitSourceError(`${where}: the git URL holds control characters.`);
  if (url.startsWith("-"))
    throw new GitSourceError(`${where}: ${JSON.stringify(url)} is not a git URL (it starts with "-").`);
  if (/^(https|ssh|file):\/\//i.test(url)) return url;
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^:]/.test(url) && !url.includes("::")) return url;
  if (isAbsolute(url) && !url.includes("::")) return url;
  throw new GitSourceError(
    `${where}: ${JSON.stringify(url.slice(0, 200))} is not a git URL Pincer fetches (https://, ssh://, git@host:path, file:// or a local path).`,
  );
}

/** A branch or tag name as git would accept it, never an option. */
export function checkGitRef(ref: unknown, where: string): string {
  if (
    typeof ref !== "string" ||
    !/^[A-Za-z0-9_][A-Za-z0-9._/+-]{0,199}$/.test(ref) ||
    ref.includes("..") ||
    ref.endsWith(".lock") ||
    ref.endsWith("/")
  ) {
    throw new GitSourceError(`${where}: ${JSON.stringify(String(ref).slice(0, 100))} is not a branch or tag name.`);
  }
  return ref;
}

/** A full 40-hex commit id. */
export function checkGitSha(sha: unknown, where: string): string {
  if (typeof sha !== "string" || !/^[0-9a-f]{40}$/i.test(sha)) {
    throw new GitSourceError(`${where}: "sha" must be a full 40-character commit id.`);
  }
  return sha.toLowerCase();
}

export interface GitCheckout {
  url: string;
  ref?: string;
  /** The commit the checkout is at: what gets recorded and reinstalled. */
  commit: string;
  dir: string;
}

/**
 * Clones `url` into `dir` (which must not exist) and checks out `sha`, else the tip of `ref`,
 * else the remote's default branch, detached. A `sha` the repository lacks is an error.
 */
export async function cloneGit(
  url: string,
  dir: string,
  options: { ref?: string; sha?: string; where?: string; sparsePath?: string } = {},
): Promise<GitCheckout> {
  const where = options.where ?? url;
  checkGitUrl(url, where);
  const ref = options.ref === undefined ? undefined : checkGitRef(options.ref, where);
  const sha = options.sha === undefined ? undefined : checkGitSha(options.sha, where);
  const sparse = options.sparsePath === undefined ? undefined : checkSparsePath(options.sparsePath, where);
  await runGit([
    "clone",
    "--quiet",
    "--no-checkout",
    "--no-recurse-submodules",
    // Through the transport even for a local path: a local clone's hardlink shortcut skips checks.
    "--no-local",
    // One folder of a monorepo (git-subdir): its files only, as Claude Code's sparse clone.
    // A server without partial clone sends everything, and only the folder is checked out.
    ...(sparse ? ["--filter=blob:none", "--sparse"] : []),
    ...(ref ? [`--branch=${ref}`] : []),
    "--",
    url,
    dir,
  ]);
  if (sparse) await runGit(["-C", dir, "sparse-checkout", "set", "--cone", "--", sparse]);
  const target = sha ?? "HEAD";
  try {
    await runGit(["-C", dir, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", target, "--"]);
  } catch (error) {
    if (sha) throw new GitSourceError(`${where}: the repository has no commit ${sha}${ref ? ` (on ${ref})` : ""}.`);
    throw error;
  }
  const commit = (await runGit(["-C", dir, "rev-parse", "HEAD"])).trim();
  return { url, ...(ref ? { ref } : {}), commit, dir };
}

/** A folder path for sparse-checkout: relative, no `..`, no pattern characters, never an option. */
function checkSparsePath(path: string, where: string): string {
  const clean = path.replace(/^\.\//, "").replace(/\/+$/, "");
  if (
    !clean ||
    clean.startsWith("-") ||
    clean.startsWith("/") ||
    clean.split("/").includes("..") ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    /[\u0000-\u001f*?[\]!\\]/.test(clean)
  ) {
    throw new GitSourceError(`${where}: its source ${path} is not a folder inside the repository.`);
  }
  return clean;
}

/**
 * One line per commit from `from` (exclusive) to `to` touching `path` (default: all), newest first,
 * at most `max`; undefined when `from` is not in the history (it was rewritten).
 */
export async function gitLog(
  dir: string,
  from: string,
  to: string,
  options: { path?: string; max?: number } = {},
): Promise<string[] | undefined> {
  const check = (sha: string) => checkGitSha(sha, dir);
  try {
    await runGit(["-C", dir, "cat-file", "-e", `${check(from)}^{commit}`]);
  } catch {
    return undefined;
  }
  const out = await runGit([
    "-C",
    dir,
    "log",
    "--no-decorate",
    `--max-count=${options.max ?? 20}`,
    "--format=%h %s",
    `${check(from)}..${check(to)}`,
    "--",
    ...(options.path && options.path !== "." ? [options.path] : []),
  ]);
  return out.split("\n").filter(Boolean);
}

/** `owner/repo` on GitHub as the https URL git clones. */
export function githubUrl(repo: unknown, where: string): string {
  if (typeof repo !== "string" || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo) || repo.includes("..")) {
    throw new GitSourceError(`${where}: "repo" must be owner/repo, got ${JSON.stringify(String(repo).slice(0, 100))}.`);
  }
  return `https://github.com/${repo.replace(/\.git$/, "")}.git`;
}

/**
 * The folder `path` names inside `root`, when it stays inside: no `..` out, no absolute path, no
 * symlink (at any step, or anywhere inside the folder) that leads out of `root`.
 */
export function containedFolder(root: string, path: string, where: string): string {
  if (isAbsolute(path))
    throw new GitSourceError(`${where}: its source ${path} is absolute; it must be inside the repository.`);
  const realRoot = realpathSync(root);
  const dir = resolve(realRoot, path);
  if (!within(realRoot, dir)) throw new GitSourceError(`${where}: its source ${path} points outside the repository.`);
  if (!existsSync(dir)) throw new GitSourceError(`${where}: its source ${path} points nowhere.`);
  if (!within(realRoot, realpathSync(dir))) {
    throw new GitSourceError(`${where}: its source ${path} leads outside the repository through a symlink.`);
  }
  assertLinksInside(realRoot, realpathSync(dir), where);
  return realpathSync(dir);
}

/** Refuses a folder holding a symlink that resolves outside `root` (or nowhere). */
export function assertLinksInside(root: string, dir: string, where: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === ".git" && dir === root) continue;
    if (entry.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(path);
      } catch {
        throw new GitSourceError(`${where}: ${relative(root, path)} is a symlink that points nowhere.`);
      }
      if (!within(root, target)) {
        throw new GitSourceError(`${where}: ${relative(root, path)} is a symlink that leads outside the repository.`);
      }
      if (lstatSync(target).isDirectory()) continue; // Its files are checked where they live.
    } else if (entry.isDirectory()) {
      assertLinksInside(root, path, where);
    }
  }
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
