// "@pincer/host/install": installing, updating and authoring plugins. Heavier than the host's
// main entry (tar, semver, esbuild), so programs load it only when they install something.
export { bundleForSandbox, bundlePluginMain, SANDBOX_BUILD } from "./bundle.js";
export {
  ClaudeConsentRefusedError,
  type ClaudeConsentRequest,
  type ClaudeInstallResult,
  type ClaudePluginSource,
  folderIntegrity,
  installClaudePluginFolder,
  removeClaudePlugin,
  setClaudePluginEnabled,
} from "./claude-plugin.js";
export { DevLink } from "./dev-link.js";
export { type FetchedPackage, fetchPackage, npmPack, type PackageSpec, parseSpec } from "./fetch-package.js";
export {
  assertLinksInside,
  checkGitRef,
  checkGitSha,
  checkGitUrl,
  cloneGit,
  containedFolder,
  GIT_SAFETY,
  type GitCheckout,
  GitSourceError,
  githubUrl,
  gitLog,
  runGit,
} from "./git-source.js";
export {
  ConsentRefusedError,
  type ConsentRequest,
  type InstallerOptions,
  type InstallResult,
  PluginInstaller,
} from "./installer.js";
export { DEFAULT_REGISTRY, parseNpmrc, type RegistryAccess, registryFor } from "./npm-config.js";
export { MAX_UNPACKED_BYTES, unpackTarball } from "./unpack.js";
