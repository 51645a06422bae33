import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_REGISTRY = "https://registry.npmjs.org/";

export interface RegistryAccess {
  /** Always ends with a slash. */
  url: string;
  /** From `//host/:_authToken=` in .npmrc; sent only to that registry. */
  token?: string;
}

export interface NpmConfigContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--registry <url>` given to pincer: wins over everything else. */
  registry?: string;
}

/**
 * Which registry a package comes from, read the way npm reads it: the flag, then
 * `npm_config_registry`, then `.npmrc` in the project and in the user's home (`@scope:registry`
 * first, then `registry`). Tokens follow npm's `//host/path/:_authToken` lines.
 */
export function registryFor(packageName: string, context: NpmConfigContext): RegistryAccess {
  const settings = readNpmrcs(context);
  const scope = packageName.startsWith("@") ? packageName.slice(0, packageName.indexOf("/")) : undefined;
  const url = withSlash(
    context.registry ??
      (scope ? settings.get(`${scope}:registry`) : undefined) ??
      context.env.npm_config_registry ??
      context.env.NPM_CONFIG_REGISTRY ??
      settings.get("registry") ??
      DEFAULT_REGISTRY,
  );
  const token = tokenFor(url, settings);
  return token ? { url, token } : { url };
}

function readNpmrcs(context: NpmConfigContext): Map<string, string> {
  const userConfig =
    context.env.npm_config_userconfig ?? context.env.NPM_CONFIG_USERCONFIG ?? join(homedir(), ".npmrc");
  const settings = new Map<string, string>();
  // Later files do not override earlier ones: the project's .npmrc wins over the user's.
  for (const file of [join(context.cwd, ".npmrc"), userConfig]) {
    if (!existsSync(file)) continue;
    for (const [key, value] of parseNpmrc(readFileSync(file, "utf8"), context.env)) {
      if (!settings.has(key)) settings.set(key, value);
    }
  }
  return settings;
}

export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const equals = line.indexOf("=");
    if (equals <= 0) continue;
    const key = line.slice(0, equals).trim();
    const value = line
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? "");
    settings.set(key, value);
  }
  return settings;
}

function tokenFor(url: string, settings: Map<string, string>): string | undefined {
  // npm matches `//host/path/:_authToken` against the registry URL without its protocol,
  // trying the longest path first.
  let path = url.replace(/^https?:/, "");
  while (path.startsWith("//") && path.length > 2) {
    const token = settings.get(`${path}:_authToken`);
    if (token) return token;
    const trimmed = path.replace(/[^/]*\/$/, "");
    if (trimmed === path) break;
    path = trimmed;
  }
  return undefined;
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
