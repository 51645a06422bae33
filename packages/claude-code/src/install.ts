// "@pincer/claude-code/install": installing Claude Code plugins and reading marketplaces. It loads
// the host's installer entry, so programs import it only when they install something.
import { basename } from "node:path";
import { claudePluginDir, readClaudeLock } from "@pincer/host";
import {
  type ClaudeConsentRequest,
  type ClaudeInstallResult,
  type ClaudePluginSource,
  installClaudePluginFolder,
} from "@pincer/host/install";
import { describeClaudePlugin } from "./plugins/claude-plugin.js";
import { type ClaudePlugin, readClaudePlugin } from "./plugins/claude-plugin-read.js";
import { updateMarketplace } from "./plugins/marketplace.js";
import { commitsSince, type FetchedPlugin, fetchMarketplacePlugin } from "./plugins/marketplace-install.js";
import { diffClaudePlugins, type PluginChange } from "./plugins/plugin-diff.js";

export {
  addMarketplace,
  getMarketplace,
  listMarketplaces,
  MARKETPLACE_MANIFEST,
  type Marketplace,
  type MarketplaceEntry,
  type MarketplaceUpdate,
  marketplaceNames,
  marketplacesPath,
  parseMarketplace,
  removeMarketplace,
  searchMarketplaces,
  updateMarketplace,
} from "./plugins/marketplace.js";
export { type FetchedPlugin, fetchMarketplacePlugin, findMarketplaceEntry } from "./plugins/marketplace-install.js";
export {
  type MarketplaceLocation,
  type PluginSource,
  parseMarketplaceLocation,
  parsePluginSource,
} from "./plugins/marketplace-source.js";
export type { PluginChange } from "./plugins/plugin-diff.js";

type Consent = (request: ClaudeConsentRequest<ClaudePlugin>) => Promise<boolean>;

/**
 * Copies a Claude Code plugin folder into PINCER_HOME after consent (the host's installer, with
 * this package's reader); refused or failed, nothing changes. The copy skips `.git` and
 * `node_modules`. `name`/`version`: what to call it where it has no plugin.json saying so
 * (default: the folder's name, as Claude Code does).
 */
export function installClaudePlugin(
  folder: string,
  options: {
    home: string;
    source?: ClaudePluginSource;
    name?: string;
    version?: string;
    /** A plugin.json to install with (see FetchedPlugin.manifest). */
    manifest?: Record<string, unknown>;
    unlessIntegrity?: string;
    consent: Consent;
  },
): Promise<ClaudeInstallResult> {
  const { name = basename(folder), version, ...rest } = options;
  return installClaudePluginFolder(folder, {
    ...rest,
    read: (dir) => readClaudePlugin(dir, { name, ...(version ? { version } : {}) }),
    describe: describeClaudePlugin,
  });
}

/** `pincer plugin install <plugin>@<marketplace>`: fetched (cloned, for a git source), then installed as a folder. */
export async function installMarketplacePlugin(
  home: string,
  plugin: string,
  marketplace: string,
  options: { consent: Consent },
): Promise<ClaudeInstallResult & { source: ClaudePluginSource }> {
  const fetched = await fetchMarketplacePlugin(home, plugin, marketplace);
  try {
    const result = await installClaudePlugin(fetched.dir, {
      home,
      ...named(fetched),
      source: fetched.source,
      ...options,
    });
    return { ...result, source: fetched.source };
  } finally {
    fetched.done();
  }
}

export interface ClaudeUpdate {
  name: string;
  from: string;
  previousVersion: string;
  version: string;
  previousCommit?: string;
  commit?: string;
  /** Commits between the installed one and the new one touching the plugin, newest first; undefined when unknown. */
  commits?: string[] | undefined;
  change: PluginChange;
  unchanged: boolean;
}

/**
 * `pincer plugin update <name>` for a Claude Code plugin: its marketplace is fetched again (a git
 * or URL one), the plugin fetched from the entry as it is now, compared with what is installed,
 * and installed when it differs. `consent` is asked only when `change.needsConsent` (a new or
 * changed hook, server, or file besides Markdown); the lockfile's commit and integrity are re-pinned.
 */
export async function updateClaudePlugin(
  home: string,
  name: string,
  options: { consent(update: ClaudeUpdate, request: ClaudeConsentRequest<ClaudePlugin>): Promise<boolean> },
): Promise<ClaudeUpdate> {
  const locked = readClaudeLock(home).plugins[name];
  if (!locked) throw new Error(`No Claude Code plugin named ${name} is installed.`);
  const source = locked.source;
  let fetched: FetchedPlugin;
  if (source.type === "directory") {
    fetched = { dir: source.path, source, name, done: () => {} };
  } else if (source.marketplace) {
    await updateMarketplace(home, source.marketplace);
    fetched = await fetchMarketplacePlugin(home, source.entry ?? name, source.marketplace);
  } else {
    const from = source.type === "git" ? source.url : source.path;
    throw new Error(`${name} was installed from ${from} without a marketplace; install it again to update it.`);
  }
  try {
    const previousCommit = "commit" in source ? source.commit : undefined;
    const commit = "commit" in fetched.source ? fetched.source.commit : undefined;
    let before: ClaudePlugin | undefined;
    try {
      before = readClaudePlugin(claudePluginDir(home, name), { name, version: locked.version });
    } catch {
      before = undefined;
    }
    const after = readClaudePlugin(fetched.dir, named(fetched));
    const update: ClaudeUpdate = {
      name,
      from: source.type === "directory" ? source.path : (source.marketplace ?? ""),
      previousVersion: locked.version,
      version: after.version,
      ...(previousCommit ? { previousCommit } : {}),
      ...(commit ? { commit } : {}),
      commits: await commitsSince(fetched, previousCommit),
      change: diffClaudePlugins(before, after),
      unchanged: false,
    };
    const result = await installClaudePlugin(fetched.dir, {
      home,
      ...named(fetched),
      source: fetched.source,
      unlessIntegrity: locked.integrity,
      consent: (request) => (update.change.needsConsent ? options.consent(update, request) : Promise.resolve(true)),
    });
    if (result.unchanged) {
      update.unchanged = true;
      // Same files at a later commit (a change elsewhere in the repository): record where it now is.
      if (commit && commit !== previousCommit) {
        await installClaudePlugin(fetched.dir, {
          home,
          ...named(fetched),
          source: fetched.source,
          consent: async () => true,
        });
      }
    }
    return update;
  } finally {
    fetched.done();
  }
}

/** The name, version and manifest a fetched plugin installs with. */
function named(fetched: FetchedPlugin): { name: string; version?: string; manifest?: Record<string, unknown> } {
  return {
    name: fetched.name,
    ...(fetched.version ? { version: fetched.version } : {}),
    ...(fetched.manifest ? { manifest: fetched.manifest } : {}),
  };
}
