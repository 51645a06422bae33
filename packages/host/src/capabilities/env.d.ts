import type { EnvCapability } from "@pincer/sdk";
/** The `env` capability: only the granted variable names can be read. */
export declare function createEnvCapability(options: { allowed: string[]; env?: NodeJS.ProcessEnv }): EnvCapability;
//# sourceMappingURL=env.d.ts.map
