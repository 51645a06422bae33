import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { claudePluginsDir, manifestShapeProblem } from "@pincer/host";
import { CLAUDE_PLUGIN_MANIFEST } from "./claude-plugin-read.js";

/**
 * Claude Code plugin marketplaces: a folder (or a URL) with `.claude-plugin/marketplace.json`
 * listing plugins. Added marketplaces are recorded in `PINCER_HOME/claude-plugins/marketplaces.json`;
 * a folder marketplace is read again at each use (so it follows its folder), a URL one is kept
 * as fetched when added.
 */

export const MARKETPLACE_MANIFEST = join(".claude-plugin", "marketplace.json");

export interface MarketplaceEntry {
  name: string;
  source: unknown;
  description?: string;
  version?: string;
}

export interface Marketplace {
  name: string;
  owner?: string;
  plugins: MarketplaceEntry[];
  /** The folder relative sources resolve against; absent for a marketplace fetched from a URL. */
  root?: string;
  /** Where it was added from (a folder or a URL). */
  from: string;
}

interface MarketplacesFile {
  version: 1;
  marketplaces: Record<
    string,
    { source: { type: "directory"; path: string } | { type: "url"; url: string; manifest: unknown }; addedAt: string }
  >;
}

export function marketplacesPath(home: string): string {
  return join(claudePluginsDir(home), "marketplaces.json");
}

function readFile(home: string): MarketplacesFile {
  const file = marketplacesPath(home);
  if (!existsSync(file)) return { version: 1, marketplaces: {} };
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as MarketplacesFile;
    if (json.version === 1 && json.marketplaces && typeof json.marketplaces === "object") return json;
  } catch {
    // Reported below.
  }
  throw new Error(`${file} is not a marketplace list. Delete it and add your marketplaces again.`);
}

function writeFile(home: string, data: MarketplacesFile): void {
  const file = marketplacesPath(home);
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(temp, file);
}

/** Checks a marketplace.json's shape; `where` names the file or URL in every error. */
export function parseMarketplace(
  json: unknown,
  where: string,
): Omit<Marketplace, "root" | "from"> & { pluginRoot?: string } {
  const fail = (why: string): never => {
    throw new Error(`${where}: ${why}`);
  };
  if (!json || typeof json !== "object" || Array.isArray(json)) fail("expected a JSON object");
  // A catalogue may list many plugins, but none nested deep: what stores it recurses.
  const shape = manifestShapeProblem(json, { maxDepth: 16, maxValues: 500_000 });
  if (shape) fail(shape);
  const data = json as Record<string, unknown>;
  if (typeof data.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(data.name)) {
    fail(`"name" must be letters, digits, -, _ or . (e.g. "team-tools"), got ${JSON.stringify(data.name ?? null)}`);
  }
  if (!Array.isArray(data.plugins)) fail('"plugins" must be a list of { "name", "source", … }');
  const plugins = (data.plugins as unknown[]).map((entry, index) => {
    const item = (entry ?? {}) as Record<string, unknown>;
    if (typeof item.name !== "string" || !item.name) fail(`plugins[${index}] has no "name"`);
    if (item.source === undefined) fail(`plugins[${index}] (${item.name}) has no "source"`);
    return {
      name: item.name as string,
      source: item.source,
      ...(typeof item.description === "string" ? { description: item.description } : {}),
      ...(typeof item.version === "string" ? { version: item.version } : {}),
    };
  });
  const owner = data.owner as { name?: unknown } | undefined;
  const pluginRoot = (data.metadata as { pluginRoot?: unknown } | undefined)?.pluginRoot;
  return {
    name: data.name as string,
    ...(typeof owner?.name === "string" ? { owner: owner.name } : {}),
    plugins,
    ...(typeof pluginRoot === "string" ? { pluginRoot } : {}),
  };
}

function readFolderMarketplace(path: string): Marketplace {
  const dir = resolve(path);
  // The folder holding .claude-plugin/marketplace.json, or that file itself.
  const isFile = statSafe(dir)?.isFile() ?? false;
  const file = isFile ? dir : join(dir, MARKETPLACE_MANIFEST);
  const parent = dirname(dir);
  const root = isFile ? (basename(parent) === ".claude-plugin" ? dirname(parent) : parent) : dir;
  if (!existsSync(file)) throw new Error(`${dir} is not a marketplace: it has no ${MARKETPLACE_MANIFEST}.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const { pluginRoot, ...parsed } = parseMarketplace(json, file);
  return { ...parsed, root: pluginRoot ? resolve(root, pluginRoot) : root, from: dir };
}

/** Adds a marketplace from a folder, a marketplace.json file, or an http(s) URL to a marketplace.json. */
export async function addMarketplace(
  home: string,
  where: string,
  options: { cwd: string; fetch?: typeof fetch },
): Promise<Marketplace> {
  const data = readFile(home);
  let marketplace: Marketplace;
  let source: MarketplacesFile["marketplaces"][string]["source"];
  if (/^https?:\/\//.test(where)) {
    const response = await (options.fetch ?? fetch)(where, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`${where} answered HTTP ${response.status}; it is not a marketplace.json.`);
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      throw new Error(`${where} is not valid JSON: ${(error as Error).message}`);
    }
    const { pluginRoot: _ignored, ...parsed } = parseMarketplace(json, where);
    marketplace = { ...parsed, from: where };
    source = { type: "url", url: where, manifest: json };
  } else {
    const path = resolve(options.cwd, where);
    marketplace = readFolderMarketplace(path);
    source = { type: "directory", path };
  }
  data.marketplaces[marketplace.name] = { source, addedAt: new Date().toISOString() };
  writeFile(home, data);
  return marketplace;
}

export function removeMarketplace(home: string, name: string): void {
  const data = readFile(home);
  if (!data.marketplaces[name]) throw new Error(unknownMarketplace(name, Object.keys(data.marketplaces)));
  delete data.marketplaces[name];
  writeFile(home, data);
}

export function marketplaceNames(home: string): string[] {
  return Object.keys(readFile(home).marketplaces);
}

/** Every added marketplace, read now; one that cannot be read is an error line instead. */
export function listMarketplaces(home: string): Array<{ name: string; marketplace?: Marketplace; error?: string }> {
  return Object.keys(readFile(home).marketplaces).map((name) => {
    try {
      return { name, marketplace: getMarketplace(home, name) };
    } catch (error) {
      return { name, error: (error as Error).message };
    }
  });
}

export function getMarketplace(home: string, name: string): Marketplace {
  const data = readFile(home);
  const entry = data.marketplaces[name];
  if (!entry) throw new Error(unknownMarketplace(name, Object.keys(data.marketplaces)));
  if (entry.source.type === "directory") return readFolderMarketplace(entry.source.path);
  const { pluginRoot: _ignored, ...parsed } = parseMarketplace(entry.source.manifest, entry.source.url);
  return { ...parsed, from: entry.source.url };
}

/** Plugins whose name or description holds every word (case-insensitive), across added marketplaces. */
export function searchMarketplaces(
  home: string,
  words: string[],
): Array<{ marketplace: string; plugin: MarketplaceEntry }> {
  const wanted = words.map((word) => word.toLowerCase()).filter(Boolean);
  const hits: Array<{ marketplace: string; plugin: MarketplaceEntry }> = [];
  for (const { name, marketplace } of listMarketplaces(home)) {
    for (const plugin of marketplace?.plugins ?? []) {
      const text = `${plugin.name} ${plugin.description ?? ""}`.toLowerCase();
      if (wanted.every((word) => text.includes(word))) hits.push({ marketplace: name, plugin });
    }
  }
  return hits;
}

/**
 * The folder to install for `<plugin>@<marketplace>`. Only relative-folder sources are installed
 * today; others (github, git, url, npm) are a clear error saying what to do instead.
 */
export function resolveMarketplacePlugin(home: string, plugin: string, marketplaceName: string): string {
  const marketplace = getMarketplace(home, marketplaceName);
  const entry = marketplace.plugins.find((item) => item.name === plugin);
  if (!entry) {
    const known = marketplace.plugins.map((item) => item.name);
    throw new Error(
      `Marketplace ${marketplaceName} has no plugin named ${plugin}${known.length ? ` (it has: ${known.join(", ")})` : ""}. Try pincer plugin search.`,
    );
  }
  const where = `marketplace ${marketplaceName}, entry ${plugin}`;
  const source = entry.source;
  if (typeof source !== "string") {
    const kind = (source as { source?: unknown } | null)?.source;
    throw new Error(
      `${where}: not supported yet: ${typeof kind === "string" ? kind : "this kind of"} sources (Pincer installs relative folders only; github/url sources are not supported yet). Clone it and install the folder: pincer plugin install <folder>.`,
    );
  }
  if (!marketplace.root) {
    throw new Error(
      `${where}: its source ${source} is relative, but the marketplace was added from a URL (${marketplace.from}). Clone the marketplace and add its folder instead.`,
    );
  }
  const dir = resolve(marketplace.root, source);
  if (dir !== marketplace.root && !dir.startsWith(marketplace.root + sep)) {
    throw new Error(`${where}: its source ${source} points outside the marketplace folder ${marketplace.root}.`);
  }
  if (!statSafe(dir)?.isDirectory()) {
    throw new Error(`${where}: its source ${source} points nowhere (${dir} is not a folder).`);
  }
  if (!existsSync(join(dir, CLAUDE_PLUGIN_MANIFEST))) {
    throw new Error(`${where}: ${dir} has no ${CLAUDE_PLUGIN_MANIFEST}, so it is not a Claude Code plugin.`);
  }
  return dir;
}

function unknownMarketplace(name: string, known: string[]): string {
  return `No marketplace named ${name}${known.length ? ` (added: ${known.join(", ")})` : ""}. Add one with pincer plugin marketplace add <folder>.`;
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
