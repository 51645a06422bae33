export { type GrantContext, type ResolvedGrants, resolveGrants } from "./grants.js";
export { MANIFEST_FILE, ManifestError, readManifest, validateManifest } from "./manifest.js";
export { createNetFetch, hostAllowed } from "./net.js";
export { type PluginRecord, PluginRegistry, type RegistryContext } from "./registry.js";
