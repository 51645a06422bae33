import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudePluginDir, readClaudeLock } from "@pincer/host";
import { type GitRepo, gitRepo } from "@pincer/testing";
import { afterEach, describe, expect, it } from "vitest";
import { installMarketplacePlugin, updateClaudePlugin } from "../install.js";
import { readClaudePlugin } from "./claude-plugin-read.js";
import { addMarketplace, getMarketplace, listMarketplaces, updateMarketplace } from "./marketplace.js";
import { fetchMarketplacePlugin } from "./marketplace-install.js";
import { parseMarketplaceLocation, parsePluginSource } from "./marketplace-source.js";

// Marketplaces and plugins from real git repositories (bare ones on disk, cloned with the system git).

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const done of cleanup.splice(0)) done();
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-market-git-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
function repo(files: Parameters<typeof gitRepo>[0], name?: string): GitRepo {
  const made = gitRepo(files, name);
  cleanup.push(() => made[Symbol.dispose]());
  return made;
}
const manifest = (plugins: unknown[], name = "team") =>
  JSON.stringify({ name, owner: { name: "Team" }, metadata: { description: "Team tools" }, plugins });
const plugin = (name: string, extra: Record<string, string> = {}) => ({
  [`plugins/${name}/.claude-plugin/plugin.json`]: JSON.stringify({ name, description: `The ${name} plugin` }),
  [`plugins/${name}/commands/hello.md`]: "---\ndescription: Say hello\n---\nSay hello to $ARGUMENTS.\n",
  ...extra,
});
const yes = async () => true;

describe("git marketplaces", { timeout: 60_000 }, () => {
  it("adds a marketplace from a bare repository (path and file:// URL), pinned to its commit", async () => {
    const home = temp();
    const market = repo({
      ".claude-plugin/marketplace.json": manifest([{ name: "hello", source: "./plugins/hello" }]),
      ...plugin("hello"),
    });
    const added = await addMarketplace(home, market.bare, { cwd: "/" });
    expect(added).toMatchObject({ name: "team", commit: market.head(), local: true });
    expect(existsSync(join(home, "claude-marketplaces", "team", ".claude-plugin", "marketplace.json"))).toBe(true);
    const again = await addMarketplace(home, market.url, { cwd: "/" });
    expect(again.commit).toBe(market.head());
    expect(listMarketplaces(home).map((item) => item.marketplace?.from)).toEqual([market.url]);

    const installed = await installMarketplacePlugin(home, "hello", "team", { consent: yes });
    expect(installed).toMatchObject({ name: "hello", source: { type: "marketplace", commit: market.head() } });
    expect(readClaudeLock(home).plugins.hello).toMatchObject({
      source: { type: "marketplace", marketplace: "team", entry: "hello", commit: market.head() },
      integrity: expect.stringMatching(/^sha512-/),
    });
    expect(existsSync(join(claudePluginDir(home, "hello"), "commands", "hello.md"))).toBe(true);
  });

  it("honours #ref on add, and a plugin entry's ref and sha (github, url and git-subdir forms)", async () => {
    const home = temp();
    const tools = repo({ ...plugin("tools"), "README.md": "v1", "other/big.txt": "not this plugin's" }, "tools");
    const first = tools.head();
    tools.tag("v1.0.0");
    tools.commit({ "plugins/tools/commands/bye.md": "Say bye.\n" }, "add bye");
    const lone = repo({ ".claude-plugin/plugin.json": JSON.stringify({ name: "lone" }), "commands/x.md": "X\n" });
    lone.branch("stable");
    lone.commit({ "commands/y.md": "Y\n" }, "add y on main");
    const market = repo({
      ".claude-plugin/marketplace.json": manifest([
        { name: "pinned", source: { source: "git-subdir", url: tools.url, path: "plugins/tools", sha: first } },
        { name: "tagged", source: { source: "git-subdir", url: tools.url, path: "plugins/tools", ref: "v1.0.0" } },
        { name: "tip", source: { source: "git-subdir", url: tools.url, path: "plugins/tools" } },
        { name: "lone", source: { source: "url", url: lone.url, ref: "stable" } },
        { name: "ghost-sha", source: { source: "url", url: lone.url, sha: "0".repeat(40) } },
      ]),
    });
    market.branch("release");
    market.commit({ ".claude-plugin/marketplace.json": manifest([]) }, "empty on main");
    const added = await addMarketplace(home, `${market.bare}#release`, { cwd: "/" });
    expect(added.plugins.map((item) => item.name)).toEqual(["pinned", "tagged", "tip", "lone", "ghost-sha"]);
    const commands = async (name: string) => {
      const fetched = await fetchMarketplacePlugin(home, name, "team");
      try {
        // git-subdir checks out only the plugin's folder (and the top level's files).
        if (name !== "lone") expect(existsSync(join(fetched.dir, "..", "..", "other"))).toBe(false);
        return { commit: "commit" in fetched.source ? fetched.source.commit : "", files: readdirNames(fetched.dir) };
      } finally {
        fetched.done();
      }
    };
    expect(await commands("pinned")).toEqual({ commit: first, files: ["hello.md"] });
    expect(await commands("tagged")).toEqual({ commit: first, files: ["hello.md"] });
    expect(await commands("tip")).toEqual({ commit: tools.head(), files: ["bye.md", "hello.md"] });
    expect((await commands("lone")).files).toEqual(["x.md"]);
    await expect(commands("ghost-sha")).rejects.toThrow(/has no commit 0{40}/);
    // Scratch clones are gone.
    expect(readdirNames(join(home, "claude-marketplaces")).filter((name) => name.startsWith("."))).toEqual([]);

    // GitHub forms name github.com's https URL (not fetched here: no network in tests).
    expect(parseMarketplaceLocation("anthropics/claude-code", "/nonexistent")).toEqual({
      kind: "git",
      url: "https://github.com/anthropics/claude-code.git",
      display: "anthropics/claude-code",
    });
    expect(parseMarketplaceLocation("https://gitlab.com/acme/plugins.git#v2", "/")).toMatchObject({
      kind: "git",
      url: "https://gitlab.com/acme/plugins.git",
      ref: "v2",
    });
    expect(parseMarketplaceLocation("https://example.com/marketplace.json", "/")).toEqual({
      kind: "url",
      url: "https://example.com/marketplace.json",
    });
    // claude-plugins-official gives url sources a "path" too.
    expect(
      parsePluginSource(
        { source: "url", url: "https://github.com/acme/agents.git", path: "claude-plugin/agents", sha: "b".repeat(40) },
        "x",
        false,
      ),
    ).toMatchObject({ kind: "git", url: "https://github.com/acme/agents.git", path: "claude-plugin/agents" });
    expect(parsePluginSource({ source: "github", repo: "acme/tool", sha: "A".repeat(40) }, "x", false)).toEqual({
      kind: "git",
      url: "https://github.com/acme/tool.git",
      sha: "a".repeat(40),
      display: "github:acme/tool",
    });
  });

  it("installs an entry that defines its plugin (strict: false, skills listed), shaped like anthropics/skills", async () => {
    const home = temp();
    const market = repo({
      ".claude-plugin/marketplace.json": JSON.stringify({
        name: "anthropic-agent-skills",
        owner: { name: "Skills Team" },
        metadata: { description: "Example skills", version: "1.0.0" },
        plugins: [
          {
            name: "document-skills",
            description: "Document processing",
            source: "./",
            strict: false,
            skills: ["./skills/xlsx", "./skills/pdf"],
          },
        ],
      }),
      "skills/xlsx/SKILL.md": "---\nname: xlsx\ndescription: Spreadsheets\n---\nUse openpyxl.\n",
      "skills/pdf/SKILL.md": "---\nname: pdf\ndescription: PDFs\n---\nUse pypdf.\n",
      "README.md": "skills",
    });
    await addMarketplace(home, market.bare, { cwd: "/" });
    const installed = await installMarketplacePlugin(home, "document-skills", "anthropic-agent-skills", {
      consent: yes,
    });
    expect(installed.name).toBe("document-skills");
    const read = readClaudePlugin(claudePluginDir(home, "document-skills"));
    expect(read).toMatchObject({ name: "document-skills", description: "Document processing", unsupported: [] });
    expect(read.skillNames).toEqual(expect.arrayContaining(["xlsx", "pdf"]));
    expect(existsSync(join(claudePluginDir(home, "document-skills"), ".git"))).toBe(false);
    expect(await updateClaudePlugin(home, "document-skills", { consent: yes })).toMatchObject({ unchanged: true });
  });

  it("refuses entries that escape the clone: ../, absolute paths, symlinks out, links inside a plugin", async () => {
    const home = temp();
    const outside = temp();
    const other = repo({ ...plugin("other") }, "other");
    const market = repo({
      ".claude-plugin/marketplace.json": manifest([
        { name: "up", source: "../../../../etc" },
        { name: "absolute", source: "/etc" },
        { name: "linked", source: "./plugins/linked" },
        { name: "leaky", source: "./plugins/leaky" },
        { name: "subdir-up", source: { source: "git-subdir", url: other.url, path: "../x" } },
      ]),
      "plugins/linked": { symlink: outside },
      ...plugin("leaky", { "plugins/leaky/commands/secrets.md": { symlink: "/etc/passwd" } as never }),
    });
    await addMarketplace(home, market.bare, { cwd: "/" });
    await expect(fetchMarketplacePlugin(home, "up", "team")).rejects.toThrow(/points outside the repository/);
    await expect(fetchMarketplacePlugin(home, "absolute", "team")).rejects.toThrow(/is absolute/);
    await expect(fetchMarketplacePlugin(home, "linked", "team")).rejects.toThrow(
      /leads outside the repository through a symlink/,
    );
    await expect(installMarketplacePlugin(home, "leaky", "team", { consent: yes })).rejects.toThrow(
      /commands\/secrets\.md is a symlink that leads outside the repository/,
    );
    await expect(fetchMarketplacePlugin(home, "subdir-up", "team")).rejects.toThrow(
      /its source \.\.\/x is not a folder inside the repository/,
    );
    expect(readClaudeLock(home).plugins).toEqual({});
    // Nor may the marketplace.json itself be a link to a file of this machine.
    const linked = repo({ ".claude-plugin/marketplace.json": { symlink: join(outside, "m.json") } });
    writeFileSync(join(outside, "m.json"), manifest([], "stolen"));
    await expect(addMarketplace(home, linked.bare, { cwd: "/" })).rejects.toThrow(
      /marketplace\.json is a symlink that leads outside the repository/,
    );
    // metadata.pluginRoot may not lead out either.
    const rooted = repo({
      ".claude-plugin/marketplace.json": JSON.stringify({ name: "r", metadata: { pluginRoot: "../.." }, plugins: [] }),
    });
    await expect(addMarketplace(home, rooted.bare, { cwd: "/" })).rejects.toThrow(
      /pluginRoot \.\.\/\.\. points outside/,
    );
  });

  it("never lets a hostile URL make git run a command: ext::, --upload-pack=, and local repositories from a remote marketplace", async () => {
    const home = temp();
    const marker = join(temp(), "pwned");
    const ext = `ext::sh -c touch% ${marker}`;
    const upload = `--upload-pack=touch ${marker}`;
    await expect(addMarketplace(home, ext, { cwd: "/" })).rejects.toThrow(/not a marketplace/);
    await expect(addMarketplace(home, upload, { cwd: "/" })).rejects.toThrow(/not a marketplace|not a git URL/);
    await expect(addMarketplace(home, `${upload}.git`, { cwd: "/" })).rejects.toThrow();
    const entries = [
      { name: "ext", source: { source: "url", url: ext } },
      { name: "upload", source: { source: "url", url: upload } },
      { name: "subdir", source: { source: "git-subdir", url: ext, path: "x" } },
      { name: "ref", source: { source: "url", url: "https://example.invalid/x.git", ref: "--upload-pack=touch" } },
      { name: "local", source: { source: "url", url: "file:///home/someone/private.git" } },
    ];
    // Served from elsewhere (a URL to its marketplace.json): it may not name this machine's repositories.
    const served = await serveJson(JSON.parse(manifest(entries)));
    cleanup.push(served.close);
    await addMarketplace(home, served.url, { cwd: "/" });
    await expect(fetchMarketplacePlugin(home, "ext", "team")).rejects.toThrow(/is not a git URL Pincer fetches/);
    await expect(fetchMarketplacePlugin(home, "upload", "team")).rejects.toThrow(/starts with "-"/);
    await expect(fetchMarketplacePlugin(home, "subdir", "team")).rejects.toThrow(/is not a git URL Pincer fetches/);
    await expect(fetchMarketplacePlugin(home, "ref", "team")).rejects.toThrow(/is not a branch or tag name/);
    await expect(fetchMarketplacePlugin(home, "local", "team")).rejects.toThrow(
      /a repository on this machine .* which a marketplace fetched from elsewhere may not name/,
    );
    expect(existsSync(marker)).toBe(false);
    // Work goes on: the marketplace is still there and readable.
    expect(getMarketplace(home, "team").plugins).toHaveLength(5);
  });

  it("updates: shows the commit range and what changed, re-pins the commit and integrity, asks again only for what runs", async () => {
    const home = temp();
    const market = repo({
      ".claude-plugin/marketplace.json": manifest([{ name: "hello", source: "./plugins/hello" }]),
      ...plugin("hello"),
    });
    const first = market.head();
    await addMarketplace(home, market.bare, { cwd: "/" });
    await installMarketplacePlugin(home, "hello", "team", { consent: yes });
    const integrity = readClaudeLock(home).plugins.hello!.integrity;

    // Nothing new: up to date, nothing asked.
    const asked: string[] = [];
    const consent = async (update: { change: { added: string[] } }) => {
      asked.push(update.change.added.join("; "));
      return true;
    };
    expect(await updateClaudePlugin(home, "hello", { consent })).toMatchObject({ unchanged: true });

    // A prompt edit only: updated without asking.
    market.commit({ "plugins/hello/commands/hello.md": "Say a warm hello to $ARGUMENTS.\n" }, "warmer hello");
    const prompt = await updateClaudePlugin(home, "hello", { consent });
    expect(prompt).toMatchObject({
      unchanged: false,
      previousCommit: first,
      commit: market.head(),
      commits: [expect.stringMatching(/^[0-9a-f]+ warmer hello$/)],
      change: { needsConsent: false, files: ["commands/hello.md"] },
    });
    expect(asked).toEqual([]);
    expect(readFileSync(join(claudePluginDir(home, "hello"), "commands", "hello.md"), "utf8")).toContain("warm hello");
    const second = readClaudeLock(home).plugins.hello!;
    expect(second.integrity).not.toBe(integrity);
    expect(second.source).toMatchObject({ commit: market.head() });

    // A new hook: asked; refused, nothing changes.
    market.commit(
      {
        "plugins/hello/hooks/hooks.json": JSON.stringify({
          hooks: {
            PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "sh ${CLAUDE_PLUGIN_ROOT}/x.sh" }] }],
          },
        }),
        "plugins/hello/x.sh": "exit 0\n",
        "README.md": "unrelated",
      },
      "add a hook",
    );
    await expect(updateClaudePlugin(home, "hello", { consent: async () => false })).rejects.toThrow(/was not accepted/);
    expect(readClaudeLock(home).plugins.hello).toEqual(second);
    const hooked = await updateClaudePlugin(home, "hello", { consent });
    expect(hooked.change).toMatchObject({
      needsConsent: true,
      added: ["hook PreToolUse on Bash runs: sh ${CLAUDE_PLUGIN_ROOT}/x.sh"],
      files: ["hooks/hooks.json", "x.sh"],
    });
    expect(asked).toEqual(["hook PreToolUse on Bash runs: sh ${CLAUDE_PLUGIN_ROOT}/x.sh"]);

    // The marketplace's own update says the range and what entries changed.
    market.commit(
      {
        ".claude-plugin/marketplace.json": manifest([
          { name: "hello", source: "./plugins/hello", version: "2.0.0" },
          { name: "new", source: "./plugins/new" },
        ]),
      },
      "list new",
    );
    const moved = await updateMarketplace(home, "team");
    expect(moved).toMatchObject({
      kind: "git",
      commit: market.head(),
      added: ["new"],
      changed: ["hello"],
      removed: [],
    });
    expect(moved.commits).toEqual([expect.stringMatching(/ list new$/)]);
  });
});

async function serveJson(json: unknown): Promise<{ url: string; close(): void }> {
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(json));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/marketplace.json`, close: () => server.close() };
}

/** The command files of a plugin folder, or the entries of any other folder. */
function readdirNames(dir: string): string[] {
  const commands = join(dir, "commands");
  return (existsSync(commands) ? readdirSync(commands) : readdirSync(dir)).sort();
}
