export { MANIFEST_FILE, ManifestError, readManifest, validateManifest } from "./manifest.js";
export { type PluginRecord, PluginRegistry, type RegistryContext } from "./registry.js";
export { type GrantContext, type ResolvedGrants, resolveGrants } from "./grants.js";
export { createNetFetch, hostAllowed } from "./net.js";
