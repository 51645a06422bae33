import type { EnvCapability } from "@pincer/sdk";

/** The `env` capability: only the granted variable names can be read. */
export function createEnvCapability(options: { allowed: string[]; env?: NodeJS.ProcessEnv }): EnvCapability {
  const allowed = new Set(options.allowed);
  const env = options.env ?? process.env;
  return {
    get(name) {
      return allowed.has(name) ? env[name] : undefined;
    },
  };
}
