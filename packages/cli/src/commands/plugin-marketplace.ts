import {
  addMarketplace,
  listMarketplaces,
  marketplaceNames,
  removeMarketplace,
  searchMarketplaces,
  updateMarketplace,
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
  const at = marketplace.commit ? ` at ${marketplace.commit.slice(0, 12)}` : "";
  process.stdout.write(
    `Added marketplace ${marketplace.name} (${marketplace.plugins.length} plugins)${at}. Install one with pincer plugin install <plugin>@${marketplace.name}.\n`,
  );
}

/** Fetches one marketplace (or every one) again and says what changed: commits, plugins added, removed, changed. */
export async function marketplaceUpdateCommand(name: string | undefined, options: ManageOptions): Promise<void> {
  const names = name ? [name] : marketplaceNames(options.home);
  if (names.length === 0)
    process.stdout.write("No marketplaces. Add one with pincer plugin marketplace add <source>.\n");
  for (const each of names) {
    let update: Awaited<ReturnType<typeof updateMarketplace>>;
    try {
      update = await updateMarketplace(options.home, each);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const shown = displayLine(each, 100);
    if (update.kind === "folder") {
      process.stdout.write(`${shown} is read from its folder at each use; nothing to fetch.\n`);
      continue;
    }
    const moved = update.previousCommit !== update.commit;
    const range =
      update.kind === "git" ? ` ${update.previousCommit?.slice(0, 12)}..${update.commit?.slice(0, 12)}` : "";
    const nothing = update.added.length + update.removed.length + update.changed.length === 0;
    process.stdout.write(
      update.kind === "git" && !moved
        ? `${shown} is up to date (${update.commit?.slice(0, 12)})\n`
        : `Updated marketplace ${shown}${range}${nothing ? ": no plugin entry changed" : ""}\n`,
    );
    if (moved && update.kind === "git" && update.commits === undefined)
      process.stdout.write("    (its history was rewritten: the old commit is gone)\n");
    for (const commit of update.commits ?? []) process.stdout.write(`    ${displayLine(commit, 200)}\n`);
    for (const [mark, list] of [
      ["+", update.added],
      ["-", update.removed],
      ["~", update.changed],
    ] as const) {
      for (const plugin of list) process.stdout.write(`  ${mark} ${displayLine(plugin, 100)}\n`);
    }
    if (update.changed.length > 0) process.stdout.write("  Update installed ones with pincer plugin update <name>.\n");
  }
}

export function marketplaceListCommand(options: ManageOptions & { json?: boolean }): void {
  const all = listMarketplaces(options.home);
  if (options.json) {
    process.stdout.write(`${jsonForTerminal(all)}\n`);
    return;
  }
  if (all.length === 0) {
    process.stdout.write("No marketplaces. Add one with pincer plugin marketplace add <source>.\n");
    return;
  }
  for (const { name, marketplace, error } of all) {
    if (!marketplace) {
      process.stdout.write(`${displayLine(name)}  ${style.red(`cannot be read: ${displayLine(error, 400)}`)}\n`);
      continue;
    }
    const at = marketplace.commit ? ` at ${marketplace.commit.slice(0, 12)}` : "";
    process.stdout.write(`${displayLine(name)}  ${style.dim(`${displayLine(marketplace.from, 400)}${at}`)}\n`);
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
        ? "No marketplaces to search. Add one with pincer plugin marketplace add <source>.\n"
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
