export { bundleForSandbox, bundlePluginMain, SANDBOX_BUILD } from "./bundle.js";
export {
  type CapabilityId,
  capabilitiesFromIds,
  capabilityIds,
  describeCapability,
  parseCapabilityId,
} from "./capability-list.js";
export { DevLink } from "./dev-link.js";
export { npmPack, parseSpec } from "./fetch-package.js";
export { addInstalledPlugins } from "./installed.js";
export {
  ConsentRefusedError,
  type ConsentRequest,
  type InstallerOptions,
  type InstallResult,
  PluginInstaller,
} from "./installer.js";
export { integrityMatches, sha512 } from "./integrity.js";
export {
  BUNDLE_FILE,
  installDir,
  type LockedPlugin,
  type Lockfile,
  lockfilePath,
  PACKAGE_DIR,
  type PluginSource,
  pluginsDir,
  readLockfile,
  writeLockfile,
} from "./lockfile.js";
export { DEFAULT_REGISTRY, registryFor } from "./npm-config.js";
