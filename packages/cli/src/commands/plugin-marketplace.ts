import {
  addMarketplace,
  listMarketplaces,
  marketplaceNames,
  removeMarketplace,
  searchMarketplaces,
} from "@pincer/claude-code/install";
import { displayLine, jsonForTerminal, MAX_SHOWN_DESCRIPTION } from "@pincer/host";
import { UsageError } from "@pincer/runtime";
import { createStyle } from "../output/style.js";
import type { ManageOptions } from "./plugin-manage.js";

// `pincer plugin marketplace add|list|remove` and `pincer plugin search`: Claude Code marketplaces.

const style = createStyle(process.stdout);

export async function marketplaceAddCommand(source: string, options: ManageOptions): Promise<void> {
  let marketplace: Awaited<ReturnType<typeof addMarketplace>>;
  try {
    marketplace = await addMarketplace(options.home, source, { cwd: options.cwd });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  process.stdout.write(
    `Added marketplace ${marketplace.name} (${marketplace.plugins.length} plugins). Install one with pincer plugin install <plugin>@${marketplace.name}.\n`,
  );
}

export function marketplaceListCommand(options: ManageOptions & { json?: boolean }): void {
  const all = listMarketplaces(options.home);
  if (options.json) {
    process.stdout.write(`${jsonForTerminal(all)}\n`);
    return;
  }
  if (all.length === 0) {
    process.stdout.write("No marketplaces. Add one with pincer plugin marketplace add <folder|url>.\n");
    return;
  }
  for (const { name, marketplace, error } of all) {
    if (!marketplace) {
      process.stdout.write(`${displayLine(name)}  ${style.red(`cannot be read: ${displayLine(error, 400)}`)}\n`);
      continue;
    }
    process.stdout.write(`${displayLine(name)}  ${style.dim(displayLine(marketplace.from, 400))}\n`);
    for (const plugin of marketplace.plugins) process.stdout.write(`    ${marketplaceLine(plugin)}\n`);
  }
}

export function marketplaceRemoveCommand(name: string, options: ManageOptions): void {
  try {
    removeMarketplace(options.home, name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  process.stdout.write(
    `Removed marketplace ${name}. Plugins installed from it stay; remove them with pincer plugin remove.\n`,
  );
}

export function searchCommand(words: string[], options: ManageOptions): void {
  const hits = searchMarketplaces(options.home, words);
  if (hits.length === 0) {
    const none = marketplaceNames(options.home).length === 0;
    process.stdout.write(
      none
        ? "No marketplaces to search. Add one with pincer plugin marketplace add <folder|url>.\n"
        : `No plugin matches "${words.join(" ")}".\n`,
    );
    return;
  }
  for (const { marketplace, plugin } of hits) {
    process.stdout.write(`${marketplaceLine(plugin, marketplace)}\n`);
  }
}

/** One plugin of a marketplace, as plain text: the marketplace's file wrote every part of it. */
function marketplaceLine(
  plugin: { name: string; version?: string; description?: string },
  marketplace?: string,
): string {
  const name = `${displayLine(plugin.name, 100)}${marketplace ? `@${displayLine(marketplace, 100)}` : ""}`;
  const version = plugin.version ? `${marketplace ? "  " : "@"}${displayLine(plugin.version, 64)}` : "";
  const description = displayLine(plugin.description, MAX_SHOWN_DESCRIPTION);
  return `${name}${version}${description ? `  ${style.dim(description)}` : ""}`;
}
