import { homedir, tmpdir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { PluginCapabilities } from "@pincer/sdk";

/** Capabilities with every placeholder expanded to real paths and hosts. */
export interface ResolvedGrants {
  fsRead: string[];
  fsWrite: string[];
  net: string[];
  spawn: string[];
  env: string[];
}

export interface GrantContext {
  cwd: string;
  addDirs: string[];
  pluginDir: string;
  env: NodeJS.ProcessEnv;
}

export function resolveGrants(capabilities: PluginCapabilities | undefined, context: GrantContext): ResolvedGrants {
  const expand = (roots: string[] | undefined) => (roots ?? []).flatMap((root) => expandRoot(root, context));
  const env = capabilities?.env ?? [];
  return {
    fsRead: unique([...expand(capabilities?.fs?.read), ...expand(capabilities?.fs?.write)]),
    fsWrite: unique(expand(capabilities?.fs?.write)),
    net: unique([...(capabilities?.net ?? []), ...endpointHosts(env, context.env)]),
    spawn: capabilities?.spawn ?? [],
    env,
  };
}

function expandRoot(root: string, context: GrantContext): string[] {
  if (root === "${workspace}") return [context.cwd, ...context.addDirs];
  const expanded = root
    .replace("${plugin}", context.pluginDir)
    .replace("${home}", homedir())
    .replace("${tmp}", tmpdir())
    .replace(/^~(?=$|\/)/, homedir());
  return [isAbsolute(expanded) ? expanded : resolve(context.cwd, expanded)];
}

/**
 * A plugin granted an endpoint variable (`OPENAI_BASE_URL`, `HF_ENDPOINT`) may reach the host
 * the user put in it: the user chose that host, so it joins the net grant.
 */
function endpointHosts(envNames: string[], env: NodeJS.ProcessEnv): string[] {
  const hosts: string[] = [];
  for (const name of envNames) {
    if (!/_(BASE_URL|ENDPOINT)$/.test(name)) continue;
    const value = env[name];
    if (!value) continue;
    try {
      const url = new URL(value);
      hosts.push(url.port ? `${url.hostname}:${url.port}` : url.hostname);
    } catch {
      // An unparsable URL grants nothing; the provider reports it when it uses it.
    }
  }
  return hosts;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
