import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { addInstalledPlugins, PluginRegistry, type RegistryContext, readManifest } from "@pincer/host";
import { useToolValidators } from "@pincer/kernel";
import type { PluginManifest } from "@pincer/sdk";
import { openBuiltinIndex } from "./builtin-index.js";

const require = createRequire(import.meta.url);

// The built-in tools' schemas come with validators compiled at build time (see
// scripts/generate-tool-validators.mjs), loaded at the first tool call: a process that calls a
// core tool never loads Ajv. A schema that differs from what was compiled is compiled as before.
useToolValidators(() => import("./generated/tool-validators.js").then((module) => module.toolValidators));

/**
 * First-party plugins ship with the CLI and take the same road as any other plugin: manifest,
 * sandbox, and the capabilities their manifests declare, granted by default and narrowed with
 * `pincer plugin revoke` like any plugin's (`pincer plugin list` shows them).
 */
export const BUILTIN_PLUGINS = [
  "@pincer/plugin-core-tools",
  "@pincer/plugin-notebook",
  "@pincer/plugin-web",
  "@pincer/plugin-web-search",
  "@pincer/plugin-huggingface",
  "@pincer/plugin-ml-intern",
  "@pincer/provider-openai",
  "@pincer/provider-anthropic",
  "@pincer/provider-hf",
  "@pincer/provider-replay",
  "@pincer/theme-dark",
  "@pincer/theme-light",
  "@pincer/theme-high-contrast",
  "@pincer/theme-ansi16",
];

export function builtinPlugins(): Array<{ name: string; dir: string }> {
  return BUILTIN_PLUGINS.map((name) => ({ name, dir: dirname(require.resolve(`${name}/pincer.plugin.json`)) }));
}

export function builtinManifests(): PluginManifest[] {
  return builtinPlugins().map((plugin) => readManifest(plugin.dir));
}

/**
 * The built-ins plus every plugin in the home's lockfile; a plugin that fails to load is reported, not fatal.
 * With a `cacheDir`, the built-ins are found and their manifests known through its index (builtin-index.ts).
 */
export function createRegistry(
  context: RegistryContext & { home: string },
  onError: (pluginName: string, error: Error) => void,
): PluginRegistry {
  const registry = new PluginRegistry({ ...context, onPluginError: onError });
  if (!context.cacheDir) {
    addInstalledPlugins(registry, context.home, builtinPlugins(), onError);
    return registry;
  }
  const index = openBuiltinIndex({
    names: BUILTIN_PLUGINS,
    from: fileURLToPath(import.meta.url),
    resolve: (specifier) => require.resolve(specifier),
    cacheDir: context.cacheDir,
  });
  addInstalledPlugins(registry, context.home, index.plugins, onError, index);
  index.save();
  return registry;
}
