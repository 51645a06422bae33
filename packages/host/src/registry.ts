import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyTool, ModelInfo, Provider } from "@pincer/kernel";
import type { PluginDefinition, PluginManifest } from "@pincer/sdk";
import { createEnvCapability } from "./capabilities/env.js";
import { createExecCapability } from "./capabilities/exec.js";
import { createFsCapability } from "./capabilities/fs.js";
import { type ResolvedGrants, resolveGrants } from "./grants.js";
import { readManifest } from "./manifest.js";
import { createNetFetch } from "./net.js";
import { type SandboxLimits, ToolSandbox } from "./sandbox/tool-sandbox.js";

export interface RegistryContext {
  cwd: string;
  addDirs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Per-provider settings from config (`providers.<id>` in config.json). */
  providerConfig?: Record<string, Record<string, unknown>>;
  /** Limits for plugin isolates (`sandbox` in config.json). */
  sandboxLimits?: Partial<SandboxLimits>;
}

export interface PluginRecord {
  dir: string;
  manifest: PluginManifest;
  grants: ResolvedGrants;
}

/**
 * Knows every plugin by its manifest and loads one only when something it contributes is
 * used: `pincer --version` loads none, a turn loads the tools plugin and the one provider.
 */
export class PluginRegistry {
  private readonly records: PluginRecord[] = [];
  private readonly loaded = new Map<string, Promise<PluginDefinition>>();
  private readonly sandboxes = new Map<string, ToolSandbox>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly context: RegistryContext) {
    this.env = context.env ?? process.env;
  }

  add(dir: string): PluginRecord {
    const absolute = resolve(dir);
    const manifest = readManifest(absolute);
    const existing = this.records.find((record) => record.manifest.name === manifest.name);
    if (existing) throw new Error(`Plugin ${manifest.name} is loaded twice (${existing.dir} and ${absolute}).`);
    const record: PluginRecord = {
      dir: absolute,
      manifest,
      grants: resolveGrants(manifest.capabilities, {
        cwd: this.context.cwd,
        addDirs: this.context.addDirs ?? [],
        pluginDir: absolute,
        env: this.env,
      }),
    };
    this.records.push(record);
    return record;
  }

  list(): readonly PluginRecord[] {
    return this.records;
  }

  providerIds(): string[] {
    return this.records.flatMap((record) => record.manifest.contributes.providers ?? []);
  }

  hasProvider(id: string): boolean {
    return this.providerIds().includes(id);
  }

  /**
   * The tools of every plugin that contributes any the filter keeps. Each plugin's tools run in
   * its own isolate (see ToolSandbox); starting it reads the definitions from the plugin itself.
   */
  async loadTools(filter: (name: string) => boolean = () => true): Promise<AnyTool[]> {
    const tools: AnyTool[] = [];
    for (const record of this.records) {
      const names = record.manifest.contributes.tools ?? [];
      if (!names.some(filter)) continue;
      const sandbox = this.sandboxFor(record);
      const metas = await sandbox.tools();
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
          kind: meta.kind,
          ...(meta.hasSubject ? { permissionSubject: (args, cwd) => sandbox.subject(meta.name, args, cwd) } : {}),
          execute: (args, ctx) => sandbox.run(meta.name, args, ctx),
        });
      }
    }
    return tools;
  }

  /** Stops every plugin isolate. */
  dispose(): void {
    for (const sandbox of this.sandboxes.values()) sandbox.dispose();
    this.sandboxes.clear();
  }

  async loadProvider(id: string): Promise<{ provider: Provider; models: ModelInfo[] }> {
    const record = this.records.find((candidate) => candidate.manifest.contributes.providers?.includes(id));
    if (!record) throw new Error(`No plugin provides "${id}". Known providers: ${this.providerIds().join(", ")}.`);
    const definition = await this.load(record);
    const providerDefinition = definition.providers?.find((provider) => provider.id === id);
    if (!providerDefinition)
      throw new Error(`Plugin ${record.manifest.name} lists provider "${id}" but does not define it.`);
    const provider = providerDefinition.create({
      env: createEnvCapability({ allowed: record.grants.env, env: this.env }),
      fs: createFsCapability({
        cwd: this.context.cwd,
        readRoots: record.grants.fsRead,
        writeRoots: record.grants.fsWrite,
      }),
      config: { pluginDir: record.dir, ...(this.context.providerConfig?.[id] ?? {}) },
      fetch: createNetFetch(record.grants.net),
    });
    return { provider, models: providerDefinition.models ?? [] };
  }

  private load(record: PluginRecord): Promise<PluginDefinition> {
    let pending = this.loaded.get(record.manifest.name);
    if (!pending) {
      const entry = pathToFileURL(resolve(record.dir, record.manifest.main)).href;
      pending = import(entry).then((module: { default?: PluginDefinition }) => {
        if (!module.default || typeof module.default !== "object") {
          throw new Error(
            `Plugin ${record.manifest.name}: ${record.manifest.main} must export default definePlugin({...}).`,
          );
        }
        return module.default;
      });
      this.loaded.set(record.manifest.name, pending);
    }
    return pending;
  }

  private sandboxFor(record: PluginRecord): ToolSandbox {
    let sandbox = this.sandboxes.get(record.manifest.name);
    if (!sandbox) {
      const { grants } = record;
      const cwd = this.context.cwd;
      sandbox = new ToolSandbox({
        pluginName: record.manifest.name,
        code: readFileSync(resolve(record.dir, record.manifest.main), "utf8"),
        fs: createFsCapability({ cwd, readRoots: grants.fsRead, writeRoots: grants.fsWrite }),
        exec: createExecCapability({ cwd, allowedCommands: grants.spawn }),
        env: createEnvCapability({ allowed: grants.env, env: this.env }),
        ...(this.context.sandboxLimits ? { limits: this.context.sandboxLimits } : {}),
      });
      this.sandboxes.set(record.manifest.name, sandbox);
    }
    return sandbox;
  }
}
