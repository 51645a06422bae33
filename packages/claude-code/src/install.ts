// "@pincer/claude-code/install": installing Claude Code plugins and reading marketplaces. It loads
// the host's installer entry, so programs import it only when they install something.
import {
  type ClaudeConsentRequest,
  type ClaudeInstallResult,
  type ClaudePluginSource,
  installClaudePluginFolder,
} from "@pincer/host/install";
import { describeClaudePlugin } from "./plugins/claude-plugin.js";
import { type ClaudePlugin, readClaudePlugin } from "./plugins/claude-plugin-read.js";

export {
  addMarketplace,
  getMarketplace,
  listMarketplaces,
  MARKETPLACE_MANIFEST,
  type Marketplace,
  type MarketplaceEntry,
  marketplaceNames,
  marketplacesPath,
  parseMarketplace,
  removeMarketplace,
  resolveMarketplacePlugin,
  searchMarketplaces,
} from "./plugins/marketplace.js";

/**
 * Copies a Claude Code plugin folder into PINCER_HOME after consent (the host's installer, with
 * this package's reader); refused or failed, nothing changes. The copy skips `.git` and `node_modules`.
 */
export function installClaudePlugin(
  folder: string,
  options: {
    home: string;
    source?: ClaudePluginSource;
    consent(request: ClaudeConsentRequest<ClaudePlugin>): Promise<boolean>;
  },
): Promise<ClaudeInstallResult> {
  return installClaudePluginFolder(folder, { ...options, read: readClaudePlugin, describe: describeClaudePlugin });
}
