import { readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AnyTool, ModelInfo, Provider } from "@pincer/kernel";
import type { PluginCapabilities, PluginManifest } from "@pincer/sdk";
import type { OsSandboxSettings } from "./capabilities/os-sandbox.js";
import { prepareSpawning } from "./capabilities/process-guard.js";
import {
  BUILTIN_COMMAND_NAMES,
  type CommandOutput,
  type PluginCommand,
  resolveCommands,
  runSandboxedCommand,
} from "./commands.js";
import {
  configModels,
  type DeclaredEndpoint,
  declaredEndpoints,
  endpointGrants,
  OPENAI_COMPATIBLE,
} from "./declared-endpoints.js";
import { endpointGrantHosts, type ResolvedGrants, resolveGrants } from "./grants.js";
import { declaredHooks } from "./hooks/manifest-hooks.js";
import type { HookedPlugin } from "./hooks/plugin-hooks.js";
import { integrityMatches } from "./install/integrity.js";
import { type KnownManifests, MANIFEST_FILE, readManifest } from "./manifest.js";
import { openPluginSandbox, PluginTamperedError } from "./open-plugin-sandbox.js";
import { OfferedToolNames } from "./reserved-tool-names.js";
import type { PluginSandbox } from "./sandbox/plugin-sandbox.js";
import type { SandboxCommandContext, SandboxLimits } from "./sandbox/sandbox-types.js";
import { SnapshotCache } from "./sandbox/snapshot-cache.js";
import { type SharedSandboxes, type SharedSandboxHandle, shareable, sharedSandboxKey } from "./shared-sandboxes.js";
import { type LoadedTheme, loadSandboxedTheme } from "./theme.js";
import { gatedKind } from "./tool-gate.js";
import { ToolMetaCache } from "./tool-meta-cache.js";
import { noteToolRun } from "./tool-run-note.js";
import { workspaceHasFile } from "./workspace-files.js";

export interface RegistryContext {
  cwd: string;
  addDirs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Per-provider settings from config (`providers.<id>` in config.json). */
  providerConfig?: Record<string, Record<string, unknown>>;
  /** Where tool definitions are remembered between runs, so plugins start only when used. */
  cacheDir?: string;
  /** Told about a plugin that failed to load; without it, the failure is thrown. */
  onPluginError?: (pluginName: string, error: Error) => void;
  /** Limits for plugin isolates (`sandbox` in config.json). */
  sandboxLimits?: Partial<SandboxLimits>;
  /** The OS sandbox for spawned commands (`sandbox.os`…); absent means `auto`. */
  osSandbox?: OsSandboxSettings;
  /** The agent the session runs as (`--agent`, `pincer intern`), for manifests' `activation.agents`. */
  agent?: string;
  /** Slash command names the UI keeps for itself; plugin commands by these names are skipped. Default: BUILTIN_COMMAND_NAMES. */
  reservedCommands?: readonly string[];
  /**
   * Sandboxes shared with the other sessions of this process (`pincer serve`): a provider
   * plugin's isolate serves them all (see shareable). Without it, every plugin is this registry's own.
   */
  sharedSandboxes?: SharedSandboxes;
}

/** What a plugin's slash command runs with (see PluginRegistry.runCommand). */
export type CommandRunContext = SandboxCommandContext;

export interface PluginRecord {
  dir: string;
  manifest: PluginManifest;
  grants: ResolvedGrants;
  /** The script its isolate runs: the manifest's main, or the bundle made at install. */
  bundleFile: string;
  /** sha512 the bundle must still have (installed plugins); checked when the isolate starts. */
  bundleIntegrity?: string;
  /** Start it from a V8 snapshot (see AddOptions.snapshot). */
  snapshot: boolean;
  /** Reload when the bundle file changes (a plugin under `pincer plugin dev`). */
  live: boolean;
  /** The bundle's modification time when its sandbox was made (live plugins). */
  loadedMtimeMs?: number;
  /** Ships with Pincer (see AddOptions.shipsWithPincer). */
  shipsWithPincer: boolean;
}

export interface AddOptions {
  /** The name it was installed under: the manifest must still say it. */
  name?: string;
  /** What the user granted (from the lockfile); without it, what the manifest declares. */
  capabilities?: PluginCapabilities;
  bundleFile?: string;
  /** Integrity recorded at install: a manifest or bundle changed since is refused. */
  manifestIntegrity?: string;
  bundleIntegrity?: string;
  /**
   * Keep a V8 snapshot of the started isolate. Making one runs the bundle outside the isolate's
   * limits (V8's snapshot creator has none), so only code as trusted as Pincer's own — the
   * plugins that ship with it — is snapshotted; other plugins start under their limits.
   */
  snapshot?: boolean;
  /**
   * The plugin's folder is being edited (`pincer plugin dev`): each use checks the bundle, and a
   * new build replaces the isolate in running sessions too. Its integrity is not pinned: the
   * dev link rewrites it on every save.
   */
  live?: boolean;
  /**
   * The plugin ships with Pincer: its code is Pincer's own, so its tools' declared kinds stand
   * (the core `read` tool runs unasked though its plugin may write and spawn) and it may use the
   * reserved tool names. Every other plugin's tools are gated at least as strictly as its grants
   * allow (see gatedKind) and cannot take a reserved name. Only the host program sets this, from
   * its own list; never from a lockfile or manifest.
   */
  shipsWithPincer?: boolean;
  /** Manifest files known to have passed validation (the built-ins' index): the text is read, not checked again. */
  knownManifests?: KnownManifests;
}

/**
 * Knows every plugin by its manifest and loads one only when something it contributes is
 * used: `pincer --version` loads none, a turn loads the tools plugin and the one provider.
 */
export class PluginRegistry {
  private readonly records: PluginRecord[] = [];
  private readonly sandboxes = new Map<string, PluginSandbox>();
  /** Shared sandboxes this registry holds, by plugin (see RegistryContext.sharedSandboxes). */
  private readonly shared = new Map<string, SharedSandboxHandle>();
  /**
   * Each shared plugin's sandbox key, as of `overlays` (bumped by every overlayEnv and its undo,
   * the only changes to this registry's environment and grants): hashing the whole environment
   * again on every model call cost `pincer serve` ~1 % of its main thread.
   */
  private readonly sharedKeys = new Map<string, { overlays: number; key: string }>();
  private overlays = 0;
  private readonly bundleHashes = new Map<string, string>();
  private readonly toolMetas: ToolMetaCache;
  private readonly snapshots: SnapshotCache | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly endpoints: DeclaredEndpoint[];
  /** Command clashes already reported, so listing again does not repeat them. */
  private readonly commandWarnings = new Set<string>();

  /** `activation.files` patterns → whether the workspace holds such a file (see activated). */
  private readonly workspaceFiles = new Map<string, boolean>();

  constructor(private readonly context: RegistryContext) {
    // A copy: a service a command starts lays its variables over it (overlayEnv), never over the caller's.
    this.env = { ...(context.env ?? process.env) };
    this.endpoints = declaredEndpoints(context.providerConfig);
    this.toolMetas = new ToolMetaCache(context.cacheDir && join(context.cacheDir, "tools"));
    if (context.cacheDir) this.snapshots = new SnapshotCache(join(context.cacheDir, "snapshots"));
  }

  add(dir: string, options: AddOptions = {}): PluginRecord {
    const absolute = resolve(dir);
    if (options.manifestIntegrity) {
      const file = join(absolute, MANIFEST_FILE);
      if (!integrityMatches(readFileSync(file), options.manifestIntegrity)) {
        throw new PluginTamperedError(options.name ?? absolute, file);
      }
    }
    const manifest = readManifest(absolute, {
      ...(this.context.cacheDir ? { validatedIn: join(this.context.cacheDir, "manifests") } : {}),
      ...(options.knownManifests ? { known: options.knownManifests } : {}),
    });
    if (options.name && manifest.name !== options.name) {
      throw new Error(`${absolute} holds ${manifest.name}, not ${options.name}. Reinstall ${options.name}.`);
    }
    const existing = this.records.find((record) => record.manifest.name === manifest.name);
    if (existing) throw new Error(`Plugin ${manifest.name} is loaded twice (${existing.dir} and ${absolute}).`);
    const granted = options.capabilities ?? manifest.capabilities;
    // The plugin serving config-declared endpoints may reach exactly those (see declared-endpoints).
    const serves = manifest.contributes.providers?.includes(OPENAI_COMPATIBLE);
    const extra = serves ? endpointGrants(this.endpoints) : { net: [], env: [] };
    const record: PluginRecord = {
      dir: absolute,
      manifest,
      bundleFile: resolve(absolute, options.bundleFile ?? manifest.main),
      snapshot: options.snapshot ?? false,
      live: options.live ?? false,
      shipsWithPincer: options.shipsWithPincer ?? false,
      ...(options.bundleIntegrity && !options.live ? { bundleIntegrity: options.bundleIntegrity } : {}),
      grants: resolveGrants(
        extra.net.length || extra.env.length
          ? { ...granted, net: [...(granted?.net ?? []), ...extra.net], env: [...(granted?.env ?? []), ...extra.env] }
          : granted,
        {
          cwd: this.context.cwd,
          addDirs: this.context.addDirs ?? [],
          pluginDir: absolute,
          env: this.env,
        },
      ),
    };
    this.records.push(record);
    return record;
  }

  list(): readonly PluginRecord[] {
    return this.records;
  }

  /**
   * The agents plugins declare (`contributes.agents`), each at `<plugin folder>/agents/<name>.md`.
   * Listing them starts no plugin: an agent is markdown the host program reads.
   */
  agentFiles(): Array<{ plugin: string; name: string; file: string }> {
    return this.records.flatMap((record) =>
      (record.manifest.contributes.agents ?? []).map((name) => ({
        plugin: record.manifest.name,
        name,
        file: join(record.dir, "agents", `${name}.md`),
      })),
    );
  }

  providerIds(): string[] {
    const contributed = this.records.flatMap((record) => record.manifest.contributes.providers ?? []);
    return [...contributed.filter((id) => id !== OPENAI_COMPATIBLE), ...this.endpoints.map((endpoint) => endpoint.id)];
  }

  hasProvider(id: string): boolean {
    return this.providerIds().includes(id);
  }

  /**
   * The tools of every plugin that contributes any the filter keeps. Each plugin's tools run in
   * its own isolate (see PluginSandbox); starting it reads the definitions from the plugin itself.
   */
  async loadTools(filter: (name: string) => boolean = () => true): Promise<AnyTool[]> {
    const tools: AnyTool[] = [];
    // The first plugin (built-ins come first) keeps a name; reserved names are refused.
    const offered = new OfferedToolNames();
    for (const record of this.records) {
      const names = record.manifest.contributes.tools ?? [];
      if (!names.some(filter) || !this.activated(record)) continue;
      try {
        for (const tool of await this.toolsOf(record, filter)) {
          const refusal = offered.admit(record.manifest.name, tool.name, record.shipsWithPincer);
          if (refusal) this.report(record, refusal);
          else tools.push(tool);
        }
      } catch (error) {
        // One broken plugin must not take the others down: report it and go on without it.
        this.report(record, error as Error);
      }
    }
    return tools;
  }

  private report(record: PluginRecord, error: Error): void {
    if (!this.context.onPluginError) throw error;
    this.context.onPluginError(record.manifest.name, error);
  }

  /**
   * A plugin whose manifest has an `activation` offers its tools only when one of its variables is
   * set, the session runs as one of its agents, or the workspace holds one of its files.
   */
  private activated(record: PluginRecord): boolean {
    const activation = record.manifest.activation;
    if (!activation) return true;
    if (activation.env?.some((name) => !!this.env[name])) return true;
    if (this.context.agent && activation.agents?.includes(this.context.agent)) return true;
    if (!activation.files) return false;
    // Looked for once per session (a bounded walk of the workspace), whatever asks for the tools.
    const key = activation.files.join("\0");
    let found = this.workspaceFiles.get(key);
    if (found === undefined) {
      found = workspaceHasFile([this.context.cwd, ...(this.context.addDirs ?? [])], activation.files);
      this.workspaceFiles.set(key, found);
    }
    return found;
  }

  private async toolsOf(record: PluginRecord, filter: (name: string) => boolean): Promise<AnyTool[]> {
    const names = record.manifest.contributes.tools ?? [];
    const sandbox = this.sandboxFor(record);
    const hash = this.bundleHashes.get(record.manifest.name) as string;
    // Known definitions let the isolate wait until a tool is called; new ones need one started now.
    const metas = await this.toolMetas.getOr(hash, () => sandbox.tools());
    const tools: AnyTool[] = [];
    for (const meta of metas) {
      if (!names.includes(meta.name)) {
        throw new Error(
          `Plugin ${record.manifest.name} defines tool "${meta.name}" but its manifest does not list it under contributes.tools.`,
        );
      }
      if (!filter(meta.name)) continue;
      tools.push({
        name: meta.name,
        description: meta.description,
        parameters: meta.parameters,
        ...(meta.deferred ? { deferred: true } : {}),
        // A plugin's own label never lowers its gate below what its grants allow.
        kind: record.shipsWithPincer ? meta.kind : gatedKind(meta.kind, record.grants),
        // Looked up per call: a plugin under `pincer plugin dev` is replaced when its bundle changes.
        ...(meta.hasSubject
          ? { permissionSubject: (args, cwd) => this.sandboxFor(record).subject(meta.name, args, cwd) }
          : {}),
        ...(meta.hasEstimate
          ? { estimateCost: (args, cwd) => this.sandboxFor(record).estimate(meta.name, args, cwd) }
          : {}),
        // The model has named the tool: its isolate starts (and, for a plugin that may spawn,
        // Node's child_process loads) while the rest of the reply streams in. A tool named after
        // a shell the plugin may run (the core tools' `bash`) also gets its sandbox built.
        prepare: () => {
          const sandbox = this.sandboxFor(record);
          sandbox.prepare();
          if (record.grants.spawn.length === 0) return;
          prepareSpawning();
          if (record.grants.spawn.includes(meta.name)) sandbox.prepareCommand();
        },
        execute: (args, ctx) => {
          noteToolRun();
          return this.sandboxFor(record).run(meta.name, args, ctx);
        },
      });
    }
    return tools;
  }

  /**
   * The plugins whose manifests declare hooks (`contributes.hooks`) and are active in this session,
   * each with its sandbox to start when a hook is first called. Reading them starts nothing; a
   * plugin whose hook list is wrong is reported and left out.
   */
  hookedPlugins(): HookedPlugin[] {
    const hooked: HookedPlugin[] = [];
    for (const record of this.records) {
      if (!record.manifest.contributes.hooks?.length || !this.activated(record)) continue;
      try {
        const declared = declaredHooks(record.manifest);
        if (declared) hooked.push({ name: record.manifest.name, declared, sandbox: () => this.sandboxFor(record) });
      } catch (error) {
        this.report(record, error as Error);
      }
    }
    return hooked;
  }

  /** Names of the plugins whose isolates are running now. */
  startedPlugins(): string[] {
    return [...this.sandboxes, ...[...this.shared].map(([name, held]) => [name, held.sandbox] as const)]
      .filter(([, sandbox]) => sandbox.started)
      .map(([name]) => name);
  }

  /** Stops every plugin isolate of this registry's own, and lets go of the shared ones. */
  dispose(): void {
    for (const sandbox of this.sandboxes.values()) sandbox.dispose();
    this.sandboxes.clear();
    for (const held of this.shared.values()) held.release();
    this.shared.clear();
  }

  /**
   * A provider, running in its plugin's isolate: the kernel gets a Provider whose stream is
   * fed by the isolate, and whose every request goes through the plugin's net grant.
   */
  async loadProvider(id: string): Promise<{ provider: Provider; models: ModelInfo[] }> {
    const endpoint = this.endpoints.find((candidate) => candidate.id === id);
    if (endpoint) return this.loadEndpoint(endpoint);
    const record = this.records.find((candidate) => candidate.manifest.contributes.providers?.includes(id));
    if (!record) throw new Error(`No plugin provides "${id}". Known providers: ${this.providerIds().join(", ")}.`);
    const defined = (await this.sandboxFor(record).definitions()).providers.find((provider) => provider.id === id);
    if (!defined) throw new Error(`Plugin ${record.manifest.name} lists provider "${id}" but does not define it.`);
    const config = { pluginDir: record.dir, ...(this.context.providerConfig?.[id] ?? {}) };
    // Models from config extend (and override, by id) the ones the plugin ships.
    const extra = configModels(id, this.context.providerConfig?.[id]?.models);
    return {
      // Looked up per call: a shared sandbox is the one this session's grants and environment name now.
      provider: { id, stream: (request, signal) => this.sandboxFor(record).stream(id, request, config, signal) },
      models: [...defined.models.filter((model) => !extra.some((added) => added.id === model.id)), ...extra],
    };
  }

  /** A declared endpoint, served by the plugin that contributes the openai-compatible provider. */
  private async loadEndpoint(endpoint: DeclaredEndpoint): Promise<{ provider: Provider; models: ModelInfo[] }> {
    const record = this.records.find((candidate) =>
      candidate.manifest.contributes.providers?.includes(OPENAI_COMPATIBLE),
    );
    if (!record) throw new Error(`No plugin serves OpenAI-compatible endpoints, so "${endpoint.id}" cannot be used.`);
    if (
      !(await this.sandboxFor(record).definitions()).providers.some((provider) => provider.id === OPENAI_COMPATIBLE)
    ) {
      throw new Error(`Plugin ${record.manifest.name} lists provider "${OPENAI_COMPATIBLE}" but does not define it.`);
    }
    const config = { ...endpoint, models: undefined };
    return {
      provider: {
        id: endpoint.id,
        stream: (request, signal) => this.sandboxFor(record).stream(OPENAI_COMPATIBLE, request, config, signal),
      },
      models: endpoint.models,
    };
  }

  themeIds(): string[] {
    return this.records.flatMap((record) => record.manifest.contributes.themes ?? []);
  }

  /** Every theme the plugins' manifests list, with the plugin that contributes it; starts nothing. */
  listThemes(): Array<{ id: string; plugin: string }> {
    return this.records.flatMap((record) =>
      (record.manifest.contributes.themes ?? []).map((id) => ({ id, plugin: record.manifest.name })),
    );
  }

  /**
   * A theme its plugin defines, checked (see validateTheme): reading it starts the plugin's
   * isolate once. Its status-line code, if any, stays in that isolate: `formatStatusLine` runs it
   * there and hands back sanitized text. When two plugins list the same id, the first one added
   * (built-ins come first) provides it.
   */
  async loadTheme(id: string): Promise<LoadedTheme> {
    const record = this.records.find((candidate) => candidate.manifest.contributes.themes?.includes(id));
    if (!record)
      throw new Error(`No plugin provides the theme "${id}". Known themes: ${this.themeIds().join(", ") || "none"}.`);
    return loadSandboxedTheme(id, record.manifest.name, () => this.sandboxFor(record));
  }

  /**
   * Every slash command the plugins' manifests list, with the plugin that contributes it; starts
   * nothing. A name a built-in command has (see RegistryContext.reservedCommands), or that an
   * earlier plugin already provides (built-ins come first), is skipped and reported once through
   * onPluginError.
   */
  listCommands(): PluginCommand[] {
    const { commands, skipped } = resolveCommands(
      this.records.map((record) => ({
        plugin: record.manifest.name,
        commands: record.manifest.contributes.commands ?? [],
      })),
      this.context.reservedCommands ?? BUILTIN_COMMAND_NAMES,
    );
    for (const { plugin, name, reason } of skipped) {
      const warning = `Command /${name} of plugin ${plugin} is skipped: ${reason}.`;
      if (this.commandWarnings.has(warning)) continue;
      this.commandWarnings.add(warning);
      this.context.onPluginError?.(plugin, new Error(warning));
    }
    return commands;
  }

  /**
   * Runs a plugin's slash command (`/name args`) in its plugin's isolate, started if need be,
   * under the plugin's CPU and time limits and with its granted capabilities. Resolves to the
   * command's `text` (for the user) and `prompt` (for the model), sanitized and capped (see
   * sanitizeCommandText). Rejects with an Error naming the command and the plugin when the
   * command is unknown, throws, is stopped by a limit, is cancelled through ctx.signal, or
   * returns something other than a string or { text?, prompt? }.
   */
  async runCommand(name: string, args: string, ctx: CommandRunContext): Promise<CommandOutput> {
    const commands = this.listCommands();
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) {
      const known = commands.map((candidate) => `/${candidate.name}`);
      throw new Error(`No plugin provides the command /${name}. Plugin commands: ${known.join(", ") || "none"}.`);
    }
    const record = this.records.find((candidate) => candidate.manifest.name === command.plugin) as PluginRecord;
    const dirs = { pluginDir: record.dir, tmpDir: tmpdir() };
    return runSandboxedCommand(
      this.sandboxFor(record),
      command,
      args,
      { ...dirs, ...ctx },
      {
        services: record.grants.services,
        sessionAllow: record.grants.sessionAllow,
        writeRoots: record.grants.fsWrite,
        overlayEnv: (values) => this.overlayEnv(values),
      },
    );
  }

  /** The plugin that contributes a command (its name, its grants), as listCommands resolves it. */
  commandPlugin(name: string): PluginRecord | undefined {
    const command = this.listCommands().find((candidate) => candidate.name === name);
    return command && this.records.find((record) => record.manifest.name === command.plugin);
  }

  /**
   * Lays variables a service set (`HF_ENDPOINT`, `HF_TOKEN` of a local Hub) over every plugin's
   * environment: each reads those its env grant names, and a plugin granted an endpoint variable
   * may reach the host in it (as for the user's own *_ENDPOINT variables; see resolveGrants).
   * Returns the undo, which puts back what was there.
   */
  overlayEnv(values: Record<string, string>): () => void {
    const previous = new Map(Object.keys(values).map((name) => [name, this.env[name]] as const));
    Object.assign(this.env, values);
    this.overlays++;
    const added: Array<{ net: string[]; host: string }> = [];
    for (const record of this.records) {
      const granted = record.grants.env.filter((name) => Object.hasOwn(values, name));
      for (const host of endpointGrantHosts(granted, values)) {
        if (record.grants.net.includes(host)) continue;
        // The array the plugin's net request checks on every call: the host joins its grant now.
        record.grants.net.push(host);
        added.push({ net: record.grants.net, host });
      }
    }
    return () => {
      this.overlays++;
      for (const [name, value] of previous) {
        if (value === undefined) delete this.env[name];
        else this.env[name] = value;
      }
      for (const { net, host } of added) {
        const at = net.indexOf(host);
        if (at >= 0) net.splice(at, 1);
      }
    };
  }

  private sandboxFor(record: PluginRecord): PluginSandbox {
    const pool = this.context.sharedSandboxes;
    if (pool && shareable(record)) return this.sharedSandboxFor(pool, record);
    let sandbox = this.sandboxes.get(record.manifest.name);
    if (sandbox && record.live && statSync(record.bundleFile).mtimeMs !== record.loadedMtimeMs) {
      sandbox.dispose();
      this.sandboxes.delete(record.manifest.name);
      sandbox = undefined;
    }
    if (!sandbox) {
      const opened = openPluginSandbox(record, {
        cwd: this.context.cwd,
        env: this.env,
        ...(this.context.osSandbox ? { osSandbox: this.context.osSandbox } : {}),
        ...(this.snapshots ? { snapshots: this.snapshots } : {}),
        ...(this.context.sandboxLimits ? { sandboxLimits: this.context.sandboxLimits } : {}),
      });
      sandbox = opened.sandbox;
      this.bundleHashes.set(record.manifest.name, opened.codeKey);
      this.sandboxes.set(record.manifest.name, sandbox);
    }
    return sandbox;
  }

  /**
   * The shared sandbox for this session's copy of the plugin: keyed by everything that decides
   * what it may do, looked up again on each use, so a service's variables laid over this session
   * (overlayEnv) move it to a sandbox of its own rather than widening the others'.
   */
  private sharedSandboxFor(pool: SharedSandboxes, record: PluginRecord): PluginSandbox {
    const settings = {
      cwd: this.context.cwd,
      env: this.env,
      ...(this.context.osSandbox ? { osSandbox: this.context.osSandbox } : {}),
      ...(this.context.sandboxLimits ? { sandboxLimits: this.context.sandboxLimits } : {}),
    };
    const name = record.manifest.name;
    const known = this.sharedKeys.get(name);
    const key = known?.overlays === this.overlays ? known.key : sharedSandboxKey(record, settings);
    this.sharedKeys.set(name, { overlays: this.overlays, key });
    const held = this.shared.get(name);
    if (held?.key === key) return held.sandbox;
    // Copies: what this registry later changes in place (overlayEnv) must not reach the other sessions.
    const handle = pool.acquire(key, () =>
      openPluginSandbox(
        { ...record, grants: structuredClone(record.grants) },
        { ...settings, env: { ...this.env }, ...(this.snapshots ? { snapshots: this.snapshots } : {}) },
      ),
    );
    held?.release();
    this.shared.set(name, handle);
    this.bundleHashes.set(name, handle.codeKey);
    return handle.sandbox;
  }
}
