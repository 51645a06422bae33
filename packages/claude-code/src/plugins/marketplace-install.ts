import { existsSync, mkdirSync, realpathSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { type ClaudePluginSource, cloneGit, containedFolder, gitLog } from "@pincer/host/install";
import { readJsonObject } from "./claude-plugin-files.js";
import { CLAUDE_PLUGIN_MANIFEST, isClaudePlugin } from "./claude-plugin-read.js";
import { getMarketplace, type Marketplace, type MarketplaceEntry, marketplaceClonesDir } from "./marketplace.js";
import { parsePluginSource } from "./marketplace-source.js";

/**
 * `<plugin>@<marketplace>`: from the marketplace's entry to a plugin folder on this machine. A
 * relative entry is a folder of the marketplace (which must stay inside it: no `..`, no absolute
 * path, no symlink out); a github, url or git-subdir entry is cloned (pinned to its `sha`, else
 * the tip of its `ref`) into a scratch folder the caller removes with `done()`.
 */

export interface FetchedPlugin {
  /** The plugin's folder. */
  dir: string;
  /** What the lockfile records: where it came from and the commit it was at. */
  source: ClaudePluginSource;
  /** The name and version to use where the plugin's own plugin.json gives none. */
  name: string;
  version?: string;
  /** The plugin.json to install with: the folder's, with the marketplace entry's components merged in. */
  manifest?: Record<string, unknown>;
  /** Where to read the commits between an installed commit and this one: a clone and a path in it. */
  history?: { repository: string; path?: string; commit: string };
  /** Removes what fetching made. */
  done(): void;
}

export function findMarketplaceEntry(
  home: string,
  plugin: string,
  marketplaceName: string,
): { marketplace: Marketplace; entry: MarketplaceEntry } {
  const marketplace = getMarketplace(home, marketplaceName);
  const entry = marketplace.plugins.find((item) => item.name === plugin);
  if (!entry) {
    const known = marketplace.plugins.map((item) => item.name);
    throw new Error(
      `Marketplace ${marketplaceName} has no plugin named ${plugin}${known.length ? ` (it has: ${known.join(", ")})` : ""}. Try pincer plugin search.`,
    );
  }
  return { marketplace, entry };
}

/** Fetches `<plugin>@<marketplace>` to a folder; nothing is installed yet. */
export async function fetchMarketplacePlugin(
  home: string,
  plugin: string,
  marketplaceName: string,
): Promise<FetchedPlugin> {
  const { marketplace, entry } = findMarketplaceEntry(home, plugin, marketplaceName);
  const where = `marketplace ${marketplaceName}, entry ${plugin}`;
  const source = parsePluginSource(entry.source, where, marketplace.local);
  const named = { name: entry.name, ...(entry.version ? { version: entry.version } : {}) };
  if (source.kind === "relative") {
    if (!marketplace.root) {
      throw new Error(
        `${where}: its source ${source.path} is relative, but the marketplace was added from a URL (${marketplace.from}), so there is no folder to find it in. Add the marketplace's git repository instead.`,
      );
    }
    const dir = pluginFolder(marketplace.root, source.path, where, entry);
    return {
      dir,
      ...withManifest(dir, entry, where),
      source: {
        type: "marketplace",
        marketplace: marketplaceName,
        entry: entry.name,
        path: dir,
        ...(marketplace.commit ? { commit: marketplace.commit } : {}),
      },
      ...named,
      ...(marketplace.commit && !named.version ? { version: marketplace.commit.slice(0, 12) } : {}),
      ...(marketplace.commit
        ? {
            history: {
              repository: join(marketplaceClonesDir(home), marketplaceName),
              path: dir,
              commit: marketplace.commit,
            },
          }
        : {}),
      done: () => {},
    };
  }
  const scratch = join(marketplaceClonesDir(home), `.plugin-${process.pid}-${Date.now()}`);
  mkdirSync(marketplaceClonesDir(home), { recursive: true });
  const done = () => rmSync(scratch, { recursive: true, force: true });
  try {
    const checkout = await cloneGit(source.url, scratch, {
      ...(source.ref ? { ref: source.ref } : {}),
      ...(source.sha ? { sha: source.sha } : {}),
      ...(source.sparse && source.path ? { sparsePath: source.path } : {}),
      where: `${where} (${source.display})`,
    });
    const dir = pluginFolder(scratch, source.path ?? ".", where, entry);
    return {
      dir,
      ...withManifest(dir, entry, where),
      source: {
        type: "git",
        url: source.url,
        ...(source.ref ? { ref: source.ref } : {}),
        ...(source.sha ? { sha: source.sha } : {}),
        ...(source.path ? { path: source.path } : {}),
        commit: checkout.commit,
        marketplace: marketplaceName,
        entry: entry.name,
      },
      ...named,
      ...(named.version ? {} : { version: checkout.commit.slice(0, 12) }),
      history: { repository: scratch, ...(source.path ? { path: dir } : {}), commit: checkout.commit },
      done,
    };
  } catch (error) {
    done();
    throw error;
  }
}

/** The commits from `previous` to the fetched commit touching the plugin's folder; undefined when unknown. */
export async function commitsSince(
  fetched: FetchedPlugin,
  previous: string | undefined,
): Promise<string[] | undefined> {
  if (!fetched.history || !previous || !/^[0-9a-f]{40}$/.test(previous)) return undefined;
  if (previous === fetched.history.commit) return [];
  const { repository, path, commit } = fetched.history;
  const inRepository = path ? relative(realpathSync(repository), path) : "";
  return gitLog(repository, previous, commit, inRepository ? { path: inRepository } : {});
}

function pluginFolder(root: string, path: string, where: string, entry: MarketplaceEntry): string {
  const dir = containedFolder(root, path, where);
  if (!entry.components && !isClaudePlugin(dir)) {
    throw new Error(
      `${where}: ${path} is not a Claude Code plugin (no .claude-plugin/plugin.json, commands, agents, skills, hooks or .mcp.json).`,
    );
  }
  return dir;
}

/**
 * An entry that gives components (Claude Code's marketplace entries may: `"skills": ["./skills/pdf"]`)
 * adds them to the plugin's own plugin.json, lists joined; with `"strict": false` the entry's are
 * the only ones. The result is the plugin.json installed.
 */
function withManifest(dir: string, entry: MarketplaceEntry, where: string): { manifest?: Record<string, unknown> } {
  if (!entry.components) return {};
  const file = join(dir, CLAUDE_PLUGIN_MANIFEST);
  let own: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      own = readJsonObject(file);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  }
  const merged: Record<string, unknown> = { ...own, name: own.name ?? entry.name };
  if (entry.version && merged.version === undefined) merged.version = entry.version;
  if (entry.description && merged.description === undefined) merged.description = entry.description;
  for (const [field, value] of Object.entries(entry.components)) {
    const mine = own[field];
    const list = (item: unknown) => (Array.isArray(item) ? item : typeof item === "string" ? [item] : undefined);
    const joined =
      entry.strict === false ? undefined : list(mine) && list(value) ? [...list(mine)!, ...list(value)!] : undefined;
    merged[field] = joined ?? value;
  }
  return { manifest: merged };
}
