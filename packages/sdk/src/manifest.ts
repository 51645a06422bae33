/**
 * `pincer.plugin.json`: what a plugin is, what it contributes and what it may touch.
 * The JSON Schema below is the contract; the host validates every manifest against it.
 */
export interface PluginManifest {
  name: string;
  version: string;
  description?: string;
  engines: { pincer: string };
  /** The bundled entry module, relative to the plugin root. */
  main: string;
  contributes: {
    tools?: string[];
    providers?: string[];
    themes?: string[];
    commands?: string[];
    agents?: string[];
    skills?: string[];
  };
  capabilities?: PluginCapabilities;
}

/**
 * Path roots may use `${workspace}` (the session cwd and every --add-dir), `${plugin}` (the
 * plugin's own folder), `${home}` and `${tmp}`.
 */
export interface PluginCapabilities {
  fs?: { read?: string[]; write?: string[] };
  /** Host names (`api.openai.com`, `*.hf.co`), optionally with a port. */
  net?: string[];
  /** Command names the plugin may spawn; `bash` means arbitrary shell command lines. */
  spawn?: string[];
  /** Environment variable names the plugin may read. */
  env?: string[];
}

const stringList = (pattern?: string, description?: string) => ({
  type: "array",
  items: { type: "string", minLength: 1, ...(pattern ? { pattern } : {}) },
  uniqueItems: true,
  ...(description ? { description } : {}),
});

const identifier = "^[a-z0-9][a-z0-9_-]*$";

export const manifestSchema = {
  $id: "https://pincer.dev/schemas/plugin-manifest.json",
  title: "Pincer plugin manifest (pincer.plugin.json)",
  type: "object",
  additionalProperties: false,
  required: ["name", "version", "engines", "main", "contributes"],
  properties: {
    $schema: { type: "string" },
    name: {
      type: "string",
      pattern: "^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$",
      description: "an npm package name such as @someone/pincer-plugin-x",
    },
    version: {
      type: "string",
      pattern: "^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$",
      description: "a semver version such as 1.2.3",
    },
    description: { type: "string" },
    engines: {
      type: "object",
      additionalProperties: false,
      required: ["pincer"],
      properties: { pincer: { type: "string", minLength: 1, description: "a semver range such as ^0.1.0" } },
    },
    main: {
      type: "string",
      minLength: 1,
      pattern: "^(?!/)(?!.*\\.\\.)",
      description: "a relative path inside the plugin",
    },
    contributes: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        tools: stringList("^[A-Za-z0-9_-]+$"),
        providers: stringList(identifier),
        themes: stringList(identifier),
        commands: stringList(identifier),
        agents: stringList(identifier),
        skills: stringList(identifier),
      },
    },
    capabilities: {
      type: "object",
      additionalProperties: false,
      properties: {
        fs: {
          type: "object",
          additionalProperties: false,
          properties: { read: stringList(), write: stringList() },
        },
        net: stringList("^(\\*\\.)?[A-Za-z0-9.-]+(:\\d+)?$", "host names, optionally *.domain and :port"),
        spawn: stringList("^[A-Za-z0-9._-]+$"),
        env: stringList("^[A-Za-z_][A-Za-z0-9_]*$"),
      },
    },
  },
} as const;
