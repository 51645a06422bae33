/** The `env` capability: only the granted variable names can be read. */
export function createEnvCapability(options) {
  const allowed = new Set(options.allowed);
  const env = options.env ?? process.env;
  return {
    get(name) {
      return allowed.has(name) ? env[name] : undefined;
    },
  };
}
//# sourceMappingURL=env.js.map
