import type { ModelInfo, ToolContext, ToolKind } from "@pincer/kernel";
import type { SessionDriverHost } from "../drivers/session-driver-host.js";
import type { ServiceHost } from "../services/service-host.js";
import type { ThemeData } from "../theme.js";
import type { BridgeCapabilities } from "./host-bridge.js";
import type { SnapshotCache } from "./snapshot-cache.js";

/** The shapes a plugin sandbox is configured with and answers in. */

export interface SandboxLimits {
  /** Heap limit of the plugin's isolate. */
  memoryMb: number;
  /** CPU time one call may use inside the isolate. */
  cpuMsPerCall: number;
  /** Wall-clock time one call may take, host work included. */
  wallMsPerCall: number;
  /** Progress output (tools) or stream events (providers) one call may send the host. */
  maxUpdateBytes: number;
  /** Wall-clock time one hook may take (and at most as much CPU): the loop waits for it. */
  hookMs: number;
}

/**
 * The heap limit of a plugin that contributes a model provider, unless config sets `memoryMb`.
 * isolated-vm sizes an isolate's young generation from its limit (2 MB at 128 MB, 4 MB at 256,
 * 16 MB from 512 MB), and a 2,000-event stream makes megabytes of short-lived strings and objects:
 * with 2 MB it spent a tenth of its time in the scavenger. At 4 MB a stream costs the same as at
 * 16 (within the noise); at 16 a long session's provider isolate held 25-33 MB of heap, at 4 it
 * holds 12-18 (the collector's room grows with the young generation). A 60 MB answer still fits.
 */
export const PROVIDER_MEMORY_MB = 256;

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  memoryMb: 128,
  cpuMsPerCall: 30_000,
  wallMsPerCall: 600_000,
  maxUpdateBytes: 1_000_000,
  hookMs: 5_000,
};

export interface SandboxedToolMeta {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  kind: ToolKind;
  hasSubject: boolean;
  /** The tool estimates what a call costs (`estimateCost`). */
  hasEstimate?: boolean;
  /** Offered to the model only once the conversation names it (`Tool.deferred`). */
  deferred?: boolean;
}

/** What a plugin's bundle defines, as data. */
export interface PluginDefinitions {
  tools: SandboxedToolMeta[];
  providers: Array<{ id: string; models: ModelInfo[] }>;
  /** Themes as data: formatting code stays in the isolate; `hasStatusLine` says it is there. */
  themes: ThemeData[];
  /** Names of the slash commands it defines (their descriptions come from the manifest). */
  commands: string[];
  /** Names of the hooks it defines (`hooks` in definePlugin); the manifest lists which are used. */
  hooks: string[];
}

/** What a slash command runs with, on the host side: the session as data, cancel and permission checks. */
export interface SandboxCommandContext {
  cwd: string;
  /** Its arguments as words (default: `args` split as a shell would). */
  argv?: string[];
  sessionId: string;
  model: string;
  /** The plugin's own folder and the machine's temporary folder (ctx.pluginDir, ctx.tmpDir). */
  pluginDir?: string;
  tmpDir?: string;
  /** The user's `--budget`, handed to the command as ctx.budgetUsd. */
  budgetUsd?: number;
  /** Services the command may ask for (its ctx.services); absent: it gets none. */
  services?: ServiceHost;
  /**
   * After the command is cancelled (its signal aborts), wait for its own answer instead of
   * answering "cancelled" at once: a command-line run that reports what it did and exits with its
   * code. The front end bounds the wait (a second Ctrl-C).
   */
  awaitAfterCancel?: boolean;
  /** Cancels the command: its ctx.signal aborts, and so do the commands it spawned. */
  signal?: AbortSignal;
  /** The permission engine's word on a command the plugin spawns, as for tools (absent: allowed). */
  authorize?: ToolContext["authorize"];
  /** Sessions the command may drive (its ctx.sessions); absent: it gets none. */
  sessions?: SessionDriverHost;
  /** Shown to the user as the command runs (its ctx.progress), capped like a tool's progress. */
  onProgress?: (text: string) => void;
  /**
   * `sessions` and `services` as this call's operations (set by runSandboxedCommand; see
   * drivers/command-driver.ts); `progressed` restarts the call's wall clock.
   */
  driver?: (progressed: () => void) => DriverOps;
}

/** A command call's driver operations: one JSON answer each; `send` hands the isolate a stream note. */
export type DriverOps = (op: string, argsJson: string, send: (stream: number, json: string) => void) => Promise<string>;

/** A command's result as it left the isolate: strings, not yet sanitized or capped. */
export interface RawCommandOutput {
  text?: string;
  prompt?: string;
  exitCode?: number;
}

export interface PluginSandboxOptions extends BridgeCapabilities {
  pluginName: string;
  /**
   * The plugin's bundle: an IIFE that sets globalThis.__pincerPlugin. A function is called only
   * when the isolate needs the text (no snapshot of it under `codeKey`), once at most.
   */
  code: string | (() => string);
  limits?: Partial<SandboxLimits>;
  log?: (line: string) => void;
  /** Where isolate snapshots are kept; without it every start evaluates the bundle. */
  snapshots?: SnapshotCache;
  /** Names this exact code for the snapshot cache (an integrity, or a file's path, size and mtime). */
  codeKey?: string;
}
