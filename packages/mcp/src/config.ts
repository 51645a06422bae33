import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** A server run as a local process speaking MCP over stdin/stdout (Claude Code's shape). */
export interface McpStdioServer {
  type?: "stdio";
  command: string;
  args?: string[];
  /** The only variables the process gets besides a minimal base (PATH, HOME, …); `${VAR}` expands. */
  env?: Record<string, string>;
  /** Working directory, relative to the session's (default: the session's). */
  cwd?: string;
}

/** A remote server over streamable HTTP (`http`) or the older HTTP+SSE transport (`sse`). */
export interface McpHttpServer {
  type: "http" | "sse";
  url: string;
  headers?: Record<string, string>;
}

export type McpServerConfig = McpStdioServer | McpHttpServer;

/** `mcp` in the user config: timeouts and the project servers the user approved. */
export interface McpSettings {
  /** How long starting a server (spawn or connect, then initialize and list tools) may take. Default 10 s. */
  startTimeoutMs?: number;
  /** How long one tool call may take. Default 120 s. */
  callTimeoutMs?: number;
  /** Project directory → server name → fingerprint of the entry the user approved. */
  approvals?: Record<string, Record<string, string>>;
  /**
   * Project directory → servers of the local scope (Claude Code's default scope): the user's own,
   * for that project only. They win over the project's `.mcp.json` and the user's servers.
   */
  local?: Record<string, Record<string, McpServerConfig>>;
}

export const DEFAULT_START_TIMEOUT_MS = 10_000;
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

/** Server names become part of tool names (`mcp__<server>__<tool>`), so they keep to a tool name's letters. */
export const SERVER_NAME = /^[A-Za-z0-9_-]{1,40}$/;

export function isStdio(config: McpServerConfig): config is McpStdioServer {
  return config.type === undefined || config.type === "stdio";
}

/** Checks one server entry; returns a message saying what is wrong, or undefined. */
export function serverProblem(name: string, value: unknown): string | undefined {
  if (!SERVER_NAME.test(name)) {
    return `server name "${name}" must be 1-40 letters, digits, _ or - (it becomes part of tool names)`;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return `server "${name}" must be an object such as { "command": "npx", "args": ["-y", "some-mcp-server"] } or { "type": "http", "url": "https://…" }`;
  }
  const entry = value as Record<string, unknown>;
  const type = entry.type ?? "stdio";
  const known = type === "stdio" ? ["type", "command", "args", "env", "cwd"] : ["type", "url", "headers"];
  if (type !== "stdio" && type !== "http" && type !== "sse") {
    return `server "${name}": "type" must be "stdio", "http" or "sse"`;
  }
  const unknown = Object.keys(entry).filter((key) => !known.includes(key));
  if (unknown.length)
    return `server "${name}": unknown field "${unknown[0]}" (a ${type} server has ${known.join(", ")})`;
  const stringMap = (field: string) => {
    const map = entry[field];
    if (map === undefined) return undefined;
    if (
      !map ||
      typeof map !== "object" ||
      Array.isArray(map) ||
      Object.values(map).some((item) => typeof item !== "string")
    ) {
      return `server "${name}": "${field}" must be an object of strings`;
    }
    return undefined;
  };
  if (type === "stdio") {
    if (typeof entry.command !== "string" || !entry.command.trim()) return `server "${name}" needs a "command"`;
    if (entry.args !== undefined && (!Array.isArray(entry.args) || entry.args.some((arg) => typeof arg !== "string"))) {
      return `server "${name}": "args" must be a list of strings`;
    }
    if (entry.cwd !== undefined && typeof entry.cwd !== "string") return `server "${name}": "cwd" must be a string`;
    return stringMap("env");
  }
  if (typeof entry.url !== "string" || !/^https?:\/\//.test(entry.url)) {
    return `server "${name}" needs a "url" starting with http:// or https://`;
  }
  return stringMap("headers");
}

/** Checks an `mcpServers` object; throws an Error naming the first problem. */
export function validateMcpServers(value: unknown): Record<string, McpServerConfig> {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`"mcpServers" must be an object of servers by name`);
  }
  for (const [name, entry] of Object.entries(value)) {
    const problem = serverProblem(name, entry);
    if (problem) throw new Error(`"mcpServers": ${problem}`);
  }
  return value as Record<string, McpServerConfig>;
}

/** Checks the `mcp` settings object; throws an Error naming the first problem. */
export function validateMcpSettings(value: unknown): McpSettings {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`"mcp" must be an object such as { "startTimeoutMs": 10000 }`);
  }
  const settings = value as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!["startTimeoutMs", "callTimeoutMs", "approvals", "local"].includes(key)) {
      throw new Error(`unknown setting "mcp.${key}" (known: startTimeoutMs, callTimeoutMs, approvals, local)`);
    }
  }
  for (const key of ["startTimeoutMs", "callTimeoutMs"]) {
    const ms = settings[key];
    if (ms !== undefined && (!Number.isInteger(ms) || (ms as number) < 1)) {
      throw new Error(`"mcp.${key}" must be a positive integer (milliseconds)`);
    }
  }
  const approvals = settings.approvals;
  if (approvals !== undefined) {
    const ok =
      approvals &&
      typeof approvals === "object" &&
      !Array.isArray(approvals) &&
      Object.values(approvals).every(
        (servers) =>
          servers &&
          typeof servers === "object" &&
          !Array.isArray(servers) &&
          Object.values(servers).every((hash) => typeof hash === "string"),
      );
    if (!ok) throw new Error(`"mcp.approvals" must map project directories to { server: fingerprint }`);
  }
  const local = settings.local;
  if (local !== undefined) {
    if (!local || typeof local !== "object" || Array.isArray(local)) {
      throw new Error(`"mcp.local" must map project directories to { server: entry }`);
    }
    for (const [dir, servers] of Object.entries(local)) {
      try {
        validateMcpServers(servers);
      } catch (error) {
        throw new Error(`"mcp.local" for ${dir}: ${(error as Error).message}`);
      }
    }
  }
  return settings as McpSettings;
}

/**
 * What an approval covers: the way the server runs (command, args, env, cwd) or where it is
 * (url, headers). Any change to those gives another fingerprint, so the user is asked again.
 */
export function serverFingerprint(config: McpServerConfig): string {
  const what = isStdio(config)
    ? ["stdio", config.command, config.args ?? [], sorted(config.env), config.cwd ?? ""]
    : [config.type, config.url, sorted(config.headers)];
  return createHash("sha256").update(JSON.stringify(what)).digest("hex").slice(0, 16);
}

function sorted(map: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function projectMcpPath(cwd: string): string {
  return join(cwd, ".mcp.json");
}

/** A project's `.mcp.json`: valid servers, and a problem line for each entry (or file) that is not. */
export function readProjectMcp(cwd: string): { servers: Record<string, McpServerConfig>; problems: string[] } {
  const file = projectMcpPath(cwd);
  if (!existsSync(file)) return { servers: {}, problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return { servers: {}, problems: [`${file}: ${(error as Error).message}`] };
  }
  const entries = (json as { mcpServers?: unknown } | null)?.mcpServers;
  if (!entries || typeof entries !== "object" || Array.isArray(entries)) {
    return { servers: {}, problems: [`${file}: expected { "mcpServers": { … } }`] };
  }
  const servers: Record<string, McpServerConfig> = {};
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const problem = serverProblem(name, entry);
    if (problem) problems.push(`${file}: ${problem}`);
    else servers[name] = entry as McpServerConfig;
  }
  return { servers, problems };
}

export type ProjectServerStatus = "approved" | "pending" | "changed";

/** Where each project server stands against the user's approvals for that project directory. */
export function projectServerStatus(
  projectDir: string,
  servers: Record<string, McpServerConfig>,
  approvals: McpSettings["approvals"],
): Array<{ name: string; config: McpServerConfig; fingerprint: string; status: ProjectServerStatus }> {
  const approved = approvals?.[resolve(projectDir)] ?? {};
  return Object.entries(servers).map(([name, config]) => {
    const fingerprint = serverFingerprint(config);
    const known = approved[name];
    const status: ProjectServerStatus =
      known === fingerprint ? "approved" : known === undefined ? "pending" : "changed";
    return { name, config, fingerprint, status };
  });
}

/** The approvals with one more (or an updated) project server. */
export function approve(
  approvals: McpSettings["approvals"],
  projectDir: string,
  name: string,
  config: McpServerConfig,
): NonNullable<McpSettings["approvals"]> {
  const dir = resolve(projectDir);
  return { ...approvals, [dir]: { ...approvals?.[dir], [name]: serverFingerprint(config) } };
}

/** The local-scope servers of a project directory. */
export function localServers(settings: McpSettings | undefined, projectDir: string): Record<string, McpServerConfig> {
  return settings?.local?.[resolve(projectDir)] ?? {};
}

/**
 * The servers a session runs, by Claude Code's precedence: local scope (the user's, for this
 * project) over the project's `.mcp.json` servers the user approved for this directory, over the
 * user's own. A project server not approved (or changed since) is skipped with a warning that
 * says how to approve it; a user server of that name then stays.
 */
export function sessionServers(options: {
  cwd: string;
  user: Record<string, McpServerConfig> | undefined;
  settings: McpSettings | undefined;
  warnings: string[];
}): Record<string, McpServerConfig> {
  const servers: Record<string, McpServerConfig> = { ...options.user };
  const project = readProjectMcp(options.cwd);
  for (const problem of project.problems) options.warnings.push(`Skipped an MCP server entry: ${problem}.`);
  const local = localServers(options.settings, options.cwd);
  for (const entry of projectServerStatus(options.cwd, project.servers, options.settings?.approvals)) {
    if (local[entry.name]) continue;
    if (entry.status === "approved") {
      servers[entry.name] = entry.config;
      continue;
    }
    const what = entry.status === "changed" ? "changed since you approved it" : "not approved yet";
    options.warnings.push(
      `MCP server "${entry.name}" from ${projectMcpPath(options.cwd)} is ${what}, so it was not started. Run \`pincer mcp approve ${entry.name}\` in this directory to use it.`,
    );
  }
  return Object.assign(servers, local);
}

/**
 * `${VAR}` and `${VAR:-default}` in a server entry, from the user's environment, as Claude Code
 * expands them: a token stays in the environment, the entry names it. Throws naming a missing one.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (fallback !== undefined) return fallback;
    throw new Error(`it uses \${${name}}, which is not set in the environment`);
  });
}
