import { join } from "node:path";
import type { KnownManifests } from "../manifest.js";
import type { AddOptions, PluginRegistry } from "../registry.js";
import { capabilitiesFromIds } from "./capability-list.js";
import { BUNDLE_FILE, installDir, PACKAGE_DIR, readLockfile } from "./lockfile.js";

/**
 * Adds every plugin of the lockfile to a registry, with the grants the user gave (not what
 * the manifest asks for) and the integrity recorded at install. Built-ins are added by the
 * host program; here only their narrowed grants are applied.
 */
export function addInstalledPlugins(
  registry: PluginRegistry,
  home: string,
  builtins: Array<{ dir: string; name: string }>,
  onError: (pluginName: string, error: Error) => void,
  /** The built-ins' manifests already validated (see KnownManifests); installed plugins are checked as ever. */
  knownManifests?: KnownManifests,
): void {
  const lock = readLockfile(home);
  for (const builtin of builtins) {
    const entry = lock.plugins[builtin.name];
    // Built-ins ship with Pincer, so their isolates may start from snapshots and their tools'
    // declared kinds stand (see AddOptions). Nothing in the lockfile can claim this.
    registry.add(builtin.dir, {
      snapshot: true,
      shipsWithPincer: true,
      ...(knownManifests ? { knownManifests } : {}),
      ...(entry ? { capabilities: capabilitiesFromIds(entry.granted) } : {}),
    });
  }
  for (const [name, entry] of Object.entries(lock.plugins)) {
    if (entry.source.type === "builtin") continue;
    const dir = installDir(home, name);
    const options: AddOptions = {
      name,
      capabilities: capabilitiesFromIds(entry.granted),
      bundleFile: join(dir, BUNDLE_FILE),
      ...(entry.manifestIntegrity ? { manifestIntegrity: entry.manifestIntegrity } : {}),
      ...(entry.bundleIntegrity ? { bundleIntegrity: entry.bundleIntegrity } : {}),
    };
    try {
      // A plugin under `pincer plugin dev` is loaded from its own folder, and reloaded on rebuild.
      if (entry.source.type === "dev") registry.add(entry.source.path, { ...options, live: true });
      else registry.add(join(dir, PACKAGE_DIR), options);
    } catch (error) {
      onError(name, error as Error);
    }
  }
}
