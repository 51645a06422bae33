import { closeSync, fstatSync, openSync, readFileSync, type Stats, statSync } from "node:fs";
import { createEnvCapability } from "./capabilities/env.js";
import { createExecCapability } from "./capabilities/exec.js";
import { createFsCapability } from "./capabilities/fs.js";
import { type OsSandboxSettings, resolveConfinement } from "./capabilities/os-sandbox.js";
import { processRecordsFor } from "./capabilities/process-records.js";
import { protectedPaths } from "./capabilities/protected-paths.js";
import { integrityMatches } from "./install/integrity.js";
import { createNetRequest } from "./net-request.js";
import type { PluginRecord } from "./registry.js";
import { PluginSandbox } from "./sandbox/plugin-sandbox.js";
import { PROVIDER_MEMORY_MB, type SandboxLimits } from "./sandbox/sandbox-types.js";
import type { SnapshotCache } from "./sandbox/snapshot-cache.js";

export class PluginTamperedError extends Error {
  override name = "PluginTamperedError";
  constructor(pluginName: string, file: string) {
    super(
      `Refused to load ${pluginName}: ${file} changed after it was installed (sha512 mismatch). Reinstall it with pincer plugin install, or remove it with pincer plugin remove ${pluginName}.`,
    );
  }
}

export interface SandboxSettings {
  cwd: string;
  env: NodeJS.ProcessEnv;
  osSandbox?: OsSandboxSettings;
  snapshots?: SnapshotCache;
  sandboxLimits?: Partial<SandboxLimits>;
}

/**
 * A plugin's sandbox, made from its record: its bundle (checked against its install-time
 * integrity), and exactly the capabilities its resolved grants name. `codeKey` identifies the
 * bundle for the snapshot and tool caches.
 */
export function openPluginSandbox(
  record: PluginRecord,
  settings: SandboxSettings,
): { sandbox: PluginSandbox; codeKey: string } {
  const { grants } = record;
  const { cwd, env } = settings;
  // A plugin that may spawn gets a bwrap sandbox that can write only where its fs grants say
  // (or, without one, commands that run unconfined only as the user decided).
  const confinement =
    grants.spawn.length > 0
      ? resolveConfinement(settings.osSandbox, { writeRoots: grants.fsWrite, readRoots: grants.fsRead, env })
      : undefined;
  const records = processRecordsFor(settings.osSandbox?.stateDir);
  // Installed plugins have a verified integrity, checked here, before anything of theirs is used.
  // A built-in's file is named by its identity, which costs a stat instead of hashing a megabyte
  // on every start, and its text is read only if the isolate needs it: a session that never calls
  // web_fetch, or starts the provider from its snapshot, reads neither megabyte.
  const stat = statSync(record.bundleFile);
  const code = record.bundleIntegrity ? readBundle(record, stat) : () => readBundle(record, stat);
  record.loadedMtimeMs = stat.mtimeMs;
  const codeKey = record.bundleIntegrity ?? `file:${record.bundleFile}:${stat.size}:${stat.mtimeMs}`;
  const sandbox = new PluginSandbox({
    pluginName: record.manifest.name,
    code,
    // PINCER_HOME and the credentials the OS sandbox masks are out of reach of a grant above them.
    fs: createFsCapability({
      cwd,
      readRoots: grants.fsRead,
      writeRoots: grants.fsWrite,
      protectedPaths: protectedPaths(settings.osSandbox, env),
    }),
    exec: createExecCapability({
      cwd,
      allowedCommands: grants.spawn,
      ...(confinement ? { confinement } : {}),
      roots: [...grants.fsRead, ...grants.fsWrite],
      env,
      // The child gets the variables the user granted the plugin, and those sandbox.env names.
      passEnv: [...grants.env, ...(settings.osSandbox?.env ?? [])],
      settableEnv: grants.env,
      ...(records ? { records } : {}),
    }),
    env: createEnvCapability({ allowed: grants.env, env }),
    request: createNetRequest(grants.net),
    ...(settings.snapshots && record.snapshot ? { snapshots: settings.snapshots, codeKey } : {}),
    limits: {
      ...(record.manifest.contributes?.providers?.length ? { memoryMb: PROVIDER_MEMORY_MB } : {}),
      ...settings.sandboxLimits,
    },
  });
  return { sandbox, codeKey };
}

/**
 * Bundles this process has read and checked, by file: every session of a server holds the same
 * string for a plugin rather than a copy of up to a megabyte each. Kept while the file's identity
 * (device, inode, size, modification and change times: a write changes the change time, which
 * nobody can set back) and the integrity it was checked against stay the same; anything else
 * reads and checks it again.
 */
const bundles = new Map<string, { identity: string; integrity: string | undefined; code: string }>();

/**
 * Reads a plugin's bundle and checks it against its install-time integrity (once per change of the
 * file). Without an integrity, the file read must still be the one `stat` saw: a built-in's is read
 * when its isolate first starts, and the session keyed its snapshot and tools by that identity.
 */
function readBundle(record: PluginRecord, stat: Stats): string {
  const identity = identityOf(stat);
  const kept = bundles.get(record.bundleFile);
  if (kept && kept.identity === identity && kept.integrity === record.bundleIntegrity) return kept.code;
  const bytes = record.bundleIntegrity ? readFileSync(record.bundleFile) : readUnchanged(record, identity);
  if (record.bundleIntegrity && !integrityMatches(bytes, record.bundleIntegrity)) {
    bundles.delete(record.bundleFile);
    throw new PluginTamperedError(record.manifest.name, record.bundleFile);
  }
  const code = bytes.toString("utf8");
  bundles.set(record.bundleFile, { identity, integrity: record.bundleIntegrity, code });
  return code;
}

function identityOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

function readUnchanged(record: PluginRecord, identity: string): Buffer {
  const fd = openSync(record.bundleFile, "r");
  try {
    if (identityOf(fstatSync(fd)) !== identity) {
      throw new Error(
        `${record.manifest.name}'s bundle ${record.bundleFile} changed after the session loaded it; start the session again.`,
      );
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
