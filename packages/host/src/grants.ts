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
  /** Services its commands may ask for (`capabilities.services`). */
  services: string[];
  /** Rules the sessions its commands drive may allow unasked (`capabilities.sessions.allow`). */
  sessionAllow: string[];
  /** The mode those sessions run in from the command line when the user named none. */
  sessionMode?: "plan" | "default" | "acceptEdits";
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
    services: capabilities?.services ?? [],
    sessionAllow: capabilities?.sessions?.allow ?? [],
    ...(capabilities?.sessions?.mode ? { sessionMode: capabilities.sessions.mode } : {}),
  };
}

/**
 * The hosts the endpoint variables among `envNames` name in `env` (`HF_ENDPOINT=http://127.0.0.1:7358`
 * → `127.0.0.1:7358`): what a plugin granted those variables may reach (see endpointHosts).
 */
export function endpointGrantHosts(envNames: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return endpointHosts([...envNames], env);
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
