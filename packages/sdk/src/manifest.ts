import type { ManifestHook } from "./hooks.js";

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
    /** Slash commands, described here so listing them starts no plugin. */
    commands?: ManifestCommand[];
    /**
     * The hooks its code defines (`hooks` in definePlugin), so a session knows which plugins to
     * start for which events without running any (see ManifestHook).
     */
    hooks?: ManifestHook[];
    agents?: string[];
    skills?: string[];
  };
  /**
   * When the plugin's tools are offered: in sessions where one of `env` is set, that run as one of
   * `agents`, or whose workspace holds a file named like one of `files` (`*.ipynb`, looked for two
   * folders deep, hidden folders and node_modules skipped); any one is enough. Without it, always.
   * Keeps specialised tools out of every other session's prompt.
   */
  activation?: { env?: string[]; agents?: string[]; files?: string[] };
  capabilities?: PluginCapabilities;
}

/** A slash command as the manifest lists it (`/standup [days]`). */
export interface ManifestCommand {
  /** Lowercase letters, digits and dashes, starting with a letter; at most 32 characters. */
  name: string;
  /** One line for `/help`. */
  description: string;
  /** A usage hint shown after the name, like `[days]`. */
  args?: string;
}

/**
 * Path roots may use `${workspace}` (the session cwd and every --add-dir), `${plugin}` (the
 * plugin's own folder), `${home}` and `${tmp}`.
 */
export interface PluginCapabilities {
  fs?: { read?: string[]; write?: string[] };
  /**
   * Host names (`api.openai.com`, `*.hf.co`). Without a port, only the scheme's default port
   * (443 for https, 80 for http); `host:8443` for another port, `host:*` for every port. `*` is
   * any host at a public address (never this machine or the local network; the user may grant
   * such a host by name on top, `pincer plugin grant <plugin> net:localhost:3000`).
   */
  net?: string[];
  /** Command names the plugin may spawn; `bash` means arbitrary shell command lines. */
  spawn?: string[];
  /** Environment variable names the plugin may read. */
  env?: string[];
  /** Services its commands may ask Pincer to start (`local-hub`; see ServiceCapability). */
  services?: string[];
  /**
   * What the sessions its commands drive may do beyond the user's own rules: `allow`, permission
   * rules a session may allow unasked (`bash(python3:*)`; see DriveOptions.allow), and `mode`, the
   * permission mode they run in when the command runs from the command line and the user named none.
   */
  sessions?: { mode?: "plan" | "default" | "acceptEdits"; allow?: string[] };
}

/**
 * The manifest's JSON Schema, shipped as a file (`@pincer/sdk/manifest.schema.json`) so
 * editors can validate manifests too. The host validates against a validator generated from it.
 */
export { default as manifestSchema } from "./manifest.schema.json" with { type: "json" };
