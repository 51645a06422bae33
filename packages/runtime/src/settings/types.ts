import type { ThinkingLevel } from "@pincer/kernel";
import type { McpServerConfig, McpSettings } from "@pincer/mcp";

/**
 * The shape of every settings file: `PINCER_HOME/config.json`, a project's `.pincer/settings.json`
 * and `.pincer/settings.local.json`. settings.schema.json checks it at every depth; narrow.ts
 * decides what a project file may set.
 */
export interface PermissionSettings {
  defaultMode?: string;
  allow?: string[];
  ask?: string[];
  deny?: string[];
}

export interface Settings {
  /** For editors: where settings.schema.json lives. */
  $schema?: string;
  model?: string;
  /** How hard the model thinks in new sessions (`--thinking` and a resumed session's own level win). */
  thinking?: ThinkingLevel;
  permissions?: PermissionSettings;
  providers?: Record<string, Record<string, unknown>>;
  maxTurns?: number;
  /**
   * A model's stream that sends nothing for this long is given up and retried once (default
   * 120,000 ms); a stream that keeps sending is never cut for taking long.
   */
  streamIdleTimeoutMs?: number;
  /** A theme id contributed by a plugin (`pincer plugin list` shows which). */
  theme?: string;
  /**
   * Limits for plugin isolates (memoryMb, cpuMsPerCall, wallMsPerCall, maxUpdateBytes, hookMs) and the OS
   * sandbox for spawned commands (os, network, writable, hide, env; see OsSandboxSettings in @pincer/host).
   */
  sandbox?: {
    memoryMb?: number;
    cpuMsPerCall?: number;
    wallMsPerCall?: number;
    maxUpdateBytes?: number;
    /** Wall clock (and at most as much CPU) one plugin hook may take. */
    hookMs?: number;
    os?: "auto" | "bwrap" | "off";
    network?: boolean;
    writable?: string[];
    /** More paths masked from spawned commands (credentials the defaults do not know). */
    hide?: string[];
    /** Variables from your environment that spawned commands get beyond the minimal base. */
    env?: string[];
  };
  /** MCP servers by name, in Claude Code's shape (`pincer mcp add` writes them); user config only. */
  mcpServers?: Record<string, McpServerConfig>;
  /** MCP timeouts and the project `.mcp.json` servers the user approved (`pincer mcp approve`). */
  mcp?: McpSettings;
}
