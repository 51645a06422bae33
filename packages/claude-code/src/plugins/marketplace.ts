import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { claudePluginsDir } from "@pincer/host";
import { cloneGit, gitLog } from "@pincer/host/install";
import { type MarketplaceEntry, parseMarketplace } from "./marketplace-manifest.js";
import { MARKETPLACE_MANIFEST, parseMarketplaceLocation } from "./marketplace-source.js";

/**
 * Claude Code plugin marketplaces: a folder, a git repository (GitHub's owner/repo or any git
 * URL) or a URL to a `.claude-plugin/marketplace.json` listing plugins. Added marketplaces are
 * recorded in `PINCER_HOME/claude-plugins/marketplaces.json`; a folder marketplace is read again
 * at each use (so it follows its folder), a git one is a clone in
 * `PINCER_HOME/claude-marketplaces/<name>/` pinned to the commit recorded (moved on by
 * `marketplace update`), a URL one is kept as fetched.
 */

export { ENTRY_COMPONENT_FIELDS, type MarketplaceEntry, parseMarketplace } from "./marketplace-manifest.js";
export { MARKETPLACE_MANIFEST } from "./marketplace-source.js";

export interface Marketplace {
  name: string;
  owner?: string;
  plugins: MarketplaceEntry[];
  /** The folder relative sources resolve against; absent for a marketplace fetched from a URL. */
  root?: string;
  /** Where it was added from (a folder, a URL, owner/repo). */
  from: string;
  /** For a git marketplace: the commit its clone is at. */
  commit?: string;
  /** Whether it lives on this machine (a folder): only such a one may name local repositories. */
  local: boolean;
}

export type StoredMarketplaceSource =
  | { type: "directory"; path: string }
  | { type: "url"; url: string; manifest: unknown }
  | { type: "git"; url: string; ref?: string; commit: string; display: string };

interface MarketplacesFile {
  version: 1;
  marketplaces: Record<string, { source: StoredMarketplaceSource; addedAt: string; updatedAt?: string }>;
}

export function marketplacesPath(home: string): string {
  return join(claudePluginsDir(home), "marketplaces.json");
}

/** Where git marketplaces are cloned: beside, not inside, the plugins' folders (a plugin may be named "marketplaces"). */
export function marketplaceClonesDir(home: string): string {
  return join(home, "claude-marketplaces");
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

/** A marketplace in a folder (or its marketplace.json); `from` says how the user named it. */
function readFolderMarketplace(path: string, from = resolve(path)): Omit<Marketplace, "local"> {
  const dir = resolve(path);
  // The folder holding .claude-plugin/marketplace.json, or that file itself.
  const isFile = statSafe(dir)?.isFile() ?? false;
  const file = isFile ? dir : join(dir, MARKETPLACE_MANIFEST);
  const parent = dirname(dir);
  const root = isFile ? (basename(parent) === ".claude-plugin" ? dirname(parent) : parent) : dir;
  if (!existsSync(file)) throw new Error(`${from} is not a marketplace: it has no ${MARKETPLACE_MANIFEST}.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const { pluginRoot, ...parsed } = parseMarketplace(json, file);
  if (pluginRoot && (isAbsolute(pluginRoot) || !isInside(root, resolve(root, pluginRoot)))) {
    throw new Error(`${file}: metadata.pluginRoot ${pluginRoot} points outside the marketplace.`);
  }
  return { ...parsed, root: pluginRoot ? resolve(root, pluginRoot) : root, from };
}

/**
 * Adds a marketplace: a folder or marketplace.json, owner/repo (GitHub), a git URL (optionally
 * `#ref`), or an http(s) URL to a marketplace.json. A git one is cloned and pinned to its commit.
 */
export async function addMarketplace(
  home: string,
  where: string,
  options: { cwd: string; fetch?: typeof fetch },
): Promise<Marketplace> {
  const data = readFile(home);
  const location = parseMarketplaceLocation(where, options.cwd);
  let marketplace: Marketplace;
  let source: StoredMarketplaceSource;
  if (location.kind === "url") {
    const json = await fetchManifest(location.url, options.fetch);
    const { pluginRoot: _ignored, ...parsed } = parseMarketplace(json, where);
    marketplace = { ...parsed, from: where, local: false };
    source = { type: "url", url: where, manifest: json };
  } else if (location.kind === "git") {
    const cloned = await cloneMarketplace(home, location);
    marketplace = cloned.marketplace;
    source = cloned.source;
  } else {
    marketplace = { ...readFolderMarketplace(location.path), local: true };
    source = { type: "directory", path: location.path };
  }
  data.marketplaces[marketplace.name] = { source, addedAt: new Date().toISOString() };
  writeFile(home, data);
  return marketplace;
}

async function fetchManifest(url: string, fetcher: typeof fetch = fetch): Promise<unknown> {
  const response = await fetcher(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}; it is not a marketplace.json.`);
  try {
    return await response.json();
  } catch (error) {
    throw new Error(`${url} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Clones a git marketplace into a staging folder, reads it, then moves it to its name's folder
 * (replacing an older clone). `expectName`: an update refuses a repository that renamed itself.
 */
async function cloneMarketplace(
  home: string,
  location: { url: string; ref?: string; display: string },
  expectName?: string,
): Promise<{ marketplace: Marketplace; source: StoredMarketplaceSource & { type: "git" } }> {
  const clones = marketplaceClonesDir(home);
  mkdirSync(clones, { recursive: true });
  const staging = join(clones, `.staging-${process.pid}-${Date.now()}`);
  try {
    const checkout = await cloneGit(location.url, staging, {
      ...(location.ref ? { ref: location.ref } : {}),
      where: location.display,
    });
    // The repository's marketplace.json must be its own file, not a symlink to one of this machine's.
    const manifestFile = join(staging, MARKETPLACE_MANIFEST);
    if (existsSync(manifestFile) && !isInside(realpathSync(staging), realpathSync(manifestFile))) {
      throw new Error(
        `${location.display}: its ${MARKETPLACE_MANIFEST} is a symlink that leads outside the repository.`,
      );
    }
    const read = readFolderMarketplace(staging, location.display);
    if (expectName && read.name !== expectName) {
      throw new Error(
        `${location.display} now calls itself ${read.name}, not ${expectName}. Remove it and add it again to accept the new name.`,
      );
    }
    const target = join(clones, read.name);
    const trash = `${staging}-old`;
    if (existsSync(target)) renameSync(target, trash);
    renameSync(staging, target);
    rmSync(trash, { recursive: true, force: true });
    const source = {
      type: "git" as const,
      url: location.url,
      ...(location.ref ? { ref: location.ref } : {}),
      commit: checkout.commit,
      display: location.display,
    };
    return {
      marketplace: {
        ...readFolderMarketplace(target, location.display),
        commit: checkout.commit,
        local: isLocalGit(location.url),
      },
      source,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export function removeMarketplace(home: string, name: string): void {
  const data = readFile(home);
  const entry = data.marketplaces[name];
  if (!entry) throw new Error(unknownMarketplace(name, Object.keys(data.marketplaces)));
  delete data.marketplaces[name];
  writeFile(home, data);
  if (entry.source.type === "git") rmSync(join(marketplaceClonesDir(home), name), { recursive: true, force: true });
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
  const source = entry.source;
  if (source.type === "directory") return { ...readFolderMarketplace(source.path), local: true };
  if (source.type === "git") {
    const dir = join(marketplaceClonesDir(home), name);
    if (!existsSync(dir)) {
      throw new Error(
        `the clone of ${source.display} is missing (${dir}); run pincer plugin marketplace update ${name}.`,
      );
    }
    return { ...readFolderMarketplace(dir, source.display), commit: source.commit, local: isLocalGit(source.url) };
  }
  const { pluginRoot: _ignored, ...parsed } = parseMarketplace(source.manifest, source.url);
  return { ...parsed, from: source.url, local: false };
}

export interface MarketplaceUpdate {
  name: string;
  from: string;
  /** "folder": read from its folder at each use, nothing to fetch. */
  kind: "folder" | "url" | "git";
  previousCommit?: string;
  commit?: string;
  /** The commits between, newest first (at most 20); undefined when the old commit is gone (history rewritten). */
  commits?: string[] | undefined;
  added: string[];
  removed: string[];
  changed: string[];
}

/** Fetches a git or URL marketplace again and says what changed; a folder one has nothing to fetch. */
export async function updateMarketplace(
  home: string,
  name: string,
  options: { fetch?: typeof fetch } = {},
): Promise<MarketplaceUpdate> {
  const data = readFile(home);
  const entry = data.marketplaces[name];
  if (!entry) throw new Error(unknownMarketplace(name, Object.keys(data.marketplaces)));
  const source = entry.source;
  if (source.type === "directory") {
    return { name, from: source.path, kind: "folder", added: [], removed: [], changed: [] };
  }
  const before = (() => {
    try {
      return getMarketplace(home, name).plugins;
    } catch {
      return [];
    }
  })();
  let after: Marketplace;
  let update: MarketplaceUpdate;
  if (source.type === "url") {
    const json = await fetchManifest(source.url, options.fetch);
    const { pluginRoot: _ignored, ...parsed } = parseMarketplace(json, source.url);
    if (parsed.name !== name)
      throw new Error(`${source.url} now calls itself ${parsed.name}, not ${name}. Remove it and add it again.`);
    after = { ...parsed, from: source.url, local: false };
    entry.source = { ...source, manifest: json };
    update = { name, from: source.url, kind: "url", added: [], removed: [], changed: [] };
  } else {
    const cloned = await cloneMarketplace(home, source, name);
    after = cloned.marketplace;
    entry.source = cloned.source;
    const dir = join(marketplaceClonesDir(home), name);
    update = {
      name,
      from: source.display,
      kind: "git",
      previousCommit: source.commit,
      commit: cloned.source.commit,
      commits: source.commit === cloned.source.commit ? [] : await gitLog(dir, source.commit, cloned.source.commit),
      added: [],
      removed: [],
      changed: [],
    };
  }
  const old = new Map(before.map((plugin) => [plugin.name, JSON.stringify(plugin)]));
  for (const plugin of after.plugins) {
    const was = old.get(plugin.name);
    if (was === undefined) update.added.push(plugin.name);
    else if (was !== JSON.stringify(plugin)) update.changed.push(plugin.name);
    old.delete(plugin.name);
  }
  update.removed.push(...old.keys());
  entry.updatedAt = new Date().toISOString();
  writeFile(home, data);
  return update;
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

export function unknownMarketplace(name: string, known: string[]): string {
  return `No marketplace named ${name}${known.length ? ` (added: ${known.join(", ")})` : ""}. Add one with pincer plugin marketplace add <folder|owner/repo|git-url>.`;
}

/** A repository on this machine: what a marketplace cloned from one may name for its plugins too. */
function isLocalGit(url: string): boolean {
  return /^file:/i.test(url) || isAbsolute(url);
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
