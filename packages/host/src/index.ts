export { hasCacheMarker, readCacheFile, USED_RESOLUTION_MS } from "./cache/cache-entry.js";
export {
  type CacheLimits,
  DEFAULT_CACHE_LIMITS,
  PRUNE_EVERY_MS,
  type PruneResult,
  pruneCache,
  pruneCacheWhenDue,
} from "./cache/cache-prune.js";
export { baseEnv, childEnv, looksSecret } from "./capabilities/child-env.js";
export { createEnvCapability } from "./capabilities/env.js";
export { createExecCapability, type HostExecCapability, type HostExecOptions } from "./capabilities/exec.js";
export { createFsCapability } from "./capabilities/fs.js";
export { createJobLauncher, type HostJobLauncher } from "./capabilities/job-launcher.js";
export {
  bwrapArgs,
  type Confinement,
  checkOsSandbox,
  createPrivateTmp,
  defaultBwrap,
  HIDDEN_IN_HOME,
  type OsSandboxMode,
  type OsSandboxPolicy,
  type OsSandboxSettings,
  OsSandboxUnavailableError,
  probeBwrap,
  resolveConfinement,
  resolveOsSandbox,
  UNCONFINED_OPT_IN,
  unconfinedReason,
} from "./capabilities/os-sandbox.js";
export { fifoLifeline, type GuardedProcess, killGroup, spawnGuarded } from "./capabilities/process-guard.js";
export {
  describeSurvivors,
  ProcessRecords,
  processRecordsFor,
  type Survivor,
} from "./capabilities/process-records.js";
export {
  type ProtectedPath,
  type ProtectedPathSettings,
  type ProtectedReason,
  protectedPaths,
} from "./capabilities/protected-paths.js";
export { spawnerPid } from "./capabilities/spawner.js";
export { didColdWork } from "./cold-work.js";
export { CommandFailure } from "./command-failure.js";
export {
  BUILTIN_COMMAND_NAMES,
  type CommandOutput,
  MAX_COMMAND_TEXT_BYTES,
  type PluginCommand,
  sanitizeCommandText,
} from "./commands.js";
export { displayExact, displayLine, jsonForTerminal, MAX_SHOWN_DESCRIPTION } from "./display-text.js";
export { CommandDriver, DRIVER_LIMITS } from "./drivers/command-driver.js";
export { drivenEvent } from "./drivers/driven-events.js";
export type { DrivenSessionHost, DriverStartRequest, SessionDriverHost } from "./drivers/session-driver-host.js";
export { isDirectory, isFile } from "./fs-probe.js";
export { type GrantContext, type ResolvedGrants, resolveGrants } from "./grants.js";
export { pluginVerdict, VERDICT_LIMITS } from "./hooks/hook-verdicts.js";
export {
  type DeclaredDecision,
  type DeclaredHooks,
  declaredHooks,
  describeHookId,
  hookIds,
} from "./hooks/manifest-hooks.js";
export { MAX_EVENT_TEXT, observedEvent, observedEvents, usageSummary } from "./hooks/observed-events.js";
export { MAX_WAITING_EVENTS, ObserverPump } from "./hooks/observer-pump.js";
export {
  type HookedPlugin,
  type SandboxedHooks,
  type SandboxedHooksOptions,
  sandboxedHooks,
} from "./hooks/plugin-hooks.js";
// The light half of installing: what loading installed plugins needs at every start. The
// installer itself (fetch, unpack, esbuild) is "@pincer/host/install", loaded only to install.
export {
  type CapabilityId,
  capabilitiesFromIds,
  capabilityIds,
  describeCapability,
  parseCapabilityId,
} from "./install/capability-list.js";
// Claude Code plugins: where the installed ones live and which still match what the user accepted
// (install/claude-plugin.ts); reading their folders is @pincer/claude-code's.
export {
  type ClaudePluginIdentity,
  claudeLockPath,
  claudePluginDataDir,
  claudePluginDir,
  claudePluginsDir,
  isRuntimeCache,
  type LockedClaudePlugin,
  loadConsentedClaudePlugins,
  readClaudeLock,
} from "./install/claude-plugin.js";
export { addInstalledPlugins } from "./install/installed.js";
export { integrityMatches, sha512 } from "./install/integrity.js";
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
} from "./install/lockfile.js";
export {
  fileIdentity,
  type KnownManifests,
  MANIFEST_FILE,
  MANIFEST_VALIDATOR_ID,
  ManifestError,
  readManifest,
  validateManifest,
} from "./manifest.js";
export { MAX_MANIFEST_BYTES, MAX_MANIFEST_DEPTH, manifestShapeProblem } from "./manifest-shape.js";
export { createNetFetch, hostAllowed, parseNetGrant } from "./net.js";
export { createNetRequest, type NetRequest, type NetRequestInit, type NetResponse } from "./net-request.js";
export { PluginTamperedError } from "./open-plugin-sandbox.js";
export {
  type AddOptions,
  type CommandRunContext,
  type PluginRecord,
  PluginRegistry,
  type RegistryContext,
} from "./registry.js";
export {
  RESERVED_TOOL_NAMES,
  RESERVED_TOOL_PREFIXES,
  reservedToolName,
  ToolNotOfferedError,
} from "./reserved-tool-names.js";
export { type IsolateHeap, isolateHeaps } from "./sandbox/isolate-census.js";
export { type HookCallContext, PluginSandbox } from "./sandbox/plugin-sandbox.js";
export {
  DEFAULT_SANDBOX_LIMITS,
  type DriverOps,
  type PluginDefinitions,
  type PluginSandboxOptions,
  type RawCommandOutput,
  type SandboxCommandContext,
  type SandboxedToolMeta,
  type SandboxLimits,
} from "./sandbox/sandbox-types.js";
export { SnapshotCache } from "./sandbox/snapshot-cache.js";
export { makeWarmedSnapshot, rehearseWarmUp, type WarmUpReport } from "./sandbox/warm-up-rehearsal.js";
export { CommandServices } from "./services/command-services.js";
export type { ServiceHost, StartedService } from "./services/service-host.js";
export { SharedSandboxes, type SharedSandboxHandle, shareable, sharedSandboxKey } from "./shared-sandboxes.js";
export {
  isThemeColor,
  isThemeSymbol,
  type LoadedTheme,
  MAX_STATUS_LINE,
  SYNTAX_ROLES,
  sanitizeThemeText,
  stripEscapeSequences,
  THEME_COLOR_ROLES,
  THEME_OPTIONAL_COLOR_ROLES,
  THEME_SYMBOLS,
  type ThemeData,
  validateTheme,
} from "./theme.js";
export { gatedKind, kindFloor } from "./tool-gate.js";
export { didRunTool } from "./tool-run-note.js";
