import { createRequire } from "node:module";
import { dirname } from "node:path";
import { PluginRegistry, type RegistryContext } from "@pincer/host";

const require = createRequire(import.meta.url);

/** First-party plugins ship with the CLI and take the same manifest road as any other plugin. */
export const BUILTIN_PLUGINS = ["@pincer/plugin-core-tools", "@pincer/provider-openai", "@pincer/provider-replay"];

export function builtinPluginDirs(): string[] {
  return BUILTIN_PLUGINS.map((name) => dirname(require.resolve(`${name}/pincer.plugin.json`)));
}

export function createRegistry(context: RegistryContext): PluginRegistry {
  const registry = new PluginRegistry(context);
  for (const dir of builtinPluginDirs()) registry.add(dir);
  return registry;
}
