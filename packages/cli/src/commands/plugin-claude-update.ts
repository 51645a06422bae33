import { type ClaudeUpdate, updateClaudePlugin } from "@pincer/claude-code/install";
import { displayExact, displayLine } from "@pincer/host";
import { UsageError } from "@pincer/runtime";
import { createStyle } from "../output/style.js";
import { askClaudeConsent, type ManageOptions } from "./plugin-manage.js";

// `pincer plugin update` for Claude Code plugins: what changed, then consent where it runs something new.

const stderr = process.stderr;
const style = createStyle(stderr);

export async function claudeUpdateCommand(names: string[], options: ManageOptions): Promise<void> {
  for (const name of names) {
    let update: ClaudeUpdate;
    try {
      update = await updateClaudePlugin(options.home, name, {
        consent: (found, request) => {
          showChange(found);
          return askClaudeConsent(request, options.yes ?? false);
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const at = update.commit ? ` (${update.commit.slice(0, 12)})` : "";
    if (update.unchanged) {
      process.stdout.write(`${name} is up to date (${update.version})${at}\n`);
      continue;
    }
    if (!update.change.needsConsent) showChange(update);
    process.stdout.write(`Updated ${name} ${update.previousVersion} → ${update.version}${at} (Claude Code plugin)\n`);
  }
}

/** The commits and what the plugin brings or drops; every string is the plugin's or its repository's. */
function showChange(update: ClaudeUpdate): void {
  const range =
    update.previousCommit && update.commit
      ? ` ${update.previousCommit.slice(0, 12)}..${update.commit.slice(0, 12)}`
      : "";
  stderr.write(`\n${style.bold(displayLine(update.name, 214))}: changes${range}\n`);
  if (update.commits === undefined && range)
    stderr.write("  (the installed commit is no longer in the repository's history)\n");
  for (const commit of update.commits ?? []) stderr.write(`  ${displayLine(commit, 200)}\n`);
  for (const item of update.change.added) stderr.write(`  ${style.green("+")} ${displayExact(item)}\n`);
  for (const item of update.change.removed) stderr.write(`  ${style.red("-")} ${displayExact(item)}\n`);
  if (update.change.files.length > 0) {
    const shown = update.change.files.slice(0, 20).map((file) => displayLine(file, 200));
    const more = update.change.files.length > 20 ? ` and ${update.change.files.length - 20} more` : "";
    stderr.write(`  files changed: ${shown.join(", ")}${more}\n`);
  }
  stderr.write(
    update.change.needsConsent
      ? "  It runs something you have not accepted (a new or changed hook, MCP server, or file besides Markdown).\n"
      : "  Only prompts changed or things were removed: no new consent needed.\n",
  );
}
