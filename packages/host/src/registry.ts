import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyTool, ModelInfo, Provider } from "@pincer/kernel";
import type { AnyToolDefinition, PluginDefinition, PluginManifest } from "@pincer/sdk";
import { createEnvCapability } from "./capabilities/env.js";
import { createExecCapability } from "./capabilities/exec.js";
import { createFsCapability } from "./capabilities/fs.js";
import { type ResolvedGrants, resolveGrants } from "./grants.js";
import { readManifest } from "./manifest.js";
import { createNetFetch } from "./net.js";

export interface RegistryContext {
  cwd: string;
  addDirs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Per-provider settings from config (`providers.<id>` in config.json). */
  providerConfig?: Record<string, Record<string, unknown>>;
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

  async loadTools(filter: (name: string) => boolean = () => true): Promise<AnyTool[]> {
    const tools: AnyTool[] = [];
    for (const record of this.records) {
      const names = record.manifest.contributes.tools ?? [];
      if (!names.some(filter)) continue;
      const definition = await this.load(record);
      for (const tool of definition.tools ?? []) {
        if (!names.includes(tool.name)) {
          throw new Error(
            `Plugin ${record.manifest.name} defines tool "${tool.name}" but its manifest does not list it under contributes.tools.`,
          );
        }
        if (filter(tool.name)) tools.push(this.wrapTool(record, tool));
      }
    }
    return tools;
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

  /** A kernel tool whose every touch of the machine goes through the plugin's granted capabilities. */
  private wrapTool(record: PluginRecord, definition: AnyToolDefinition): AnyTool {
    const { grants } = record;
    const state = new Map<string, unknown>();
    const cwd = this.context.cwd;
    const fs = createFsCapability({ cwd, readRoots: grants.fsRead, writeRoots: grants.fsWrite });
    const exec = createExecCapability({ cwd, allowedCommands: grants.spawn });
    const env = createEnvCapability({ allowed: grants.env, env: this.env });
    return {
      ...definition,
      execute: (args, ctx) => definition.execute(args, { ...ctx, fs, exec, env, state }),
    };
  }
}
