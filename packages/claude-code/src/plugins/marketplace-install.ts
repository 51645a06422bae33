import { mkdirSync, realpathSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { type ClaudePluginSource, cloneGit, containedFolder, gitLog } from "@pincer/host/install";
import { isClaudePlugin } from "./claude-plugin-read.js";
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
    const dir = pluginFolder(marketplace.root, source.path, where);
    return {
      dir,
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
      where: `${where} (${source.display})`,
    });
    const dir = pluginFolder(scratch, source.path ?? ".", where);
    return {
      dir,
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

function pluginFolder(root: string, path: string, where: string): string {
  const dir = containedFolder(root, path, where);
  if (!isClaudePlugin(dir)) {
    throw new Error(
      `${where}: ${path} is not a Claude Code plugin (no .claude-plugin/plugin.json, commands, agents, skills, hooks or .mcp.json).`,
    );
  }
  return dir;
}
