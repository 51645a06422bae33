export { type GrantContext, type ResolvedGrants, resolveGrants } from "./grants.js";
export * from "./install/index.js";
export { MANIFEST_FILE, ManifestError, readManifest, validateManifest } from "./manifest.js";
export { createNetFetch, hostAllowed } from "./net.js";
export {
  type AddOptions,
  type PluginRecord,
  PluginRegistry,
  PluginTamperedError,
  type RegistryContext,
} from "./registry.js";
