import type { EnvCapability } from "@pincer/sdk";

/** The `env` capability as the host holds it: it can also say, at once, every granted value. */
export interface GrantedEnvCapability extends EnvCapability {
  /** The granted variables that are set, by name: what `get` would answer for each. */
  granted(): Record<string, string>;
}

/** The `env` capability: only the granted variable names can be read. */
export function createEnvCapability(options: { allowed: string[]; env?: NodeJS.ProcessEnv }): GrantedEnvCapability {
  const allowed = new Set(options.allowed);
  const env = options.env ?? process.env;
  return {
    get(name) {
      return allowed.has(name) ? env[name] : undefined;
    },
    granted() {
      const values: Record<string, string> = {};
      for (const name of allowed) {
        const value = env[name];
        if (value !== undefined) values[name] = value;
      }
      return values;
    },
  };
}
