import { existsSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  isStdio,
  localServers,
  type McpServerConfig,
  projectMcpPath,
  projectServerStatus,
  readProjectMcp,
} from "@pincer/mcp";
import { configPath, readSettings, UsageError, writeSettings } from "@pincer/runtime";

/**
 * Claude Code's three scopes for an MCP server, and where Pincer keeps each:
 * - `local` (the default): yours, for one project only — config.json `mcp.local[<project dir>]`;
 * - `project`: shared with everyone who has the repository — its `.mcp.json` (runs only once you
 *   approve it, in each directory);
 * - `user`: yours, in every project — config.json `mcpServers`.
 * When a name is in several, local wins over project, project over user.
 */
export const SCOPES = ["local", "project", "user"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ScopedServer {
  name: string;
  scope: Scope;
  config: McpServerConfig;
  /** For a project server: whether it runs here (approved), and why not. */
  status?: "approved" | "pending" | "changed";
}

/** Every server visible from `cwd`, in precedence order (local, project, user), and .mcp.json's problems. */
export function scopedServers(home: string, cwd: string): { servers: ScopedServer[]; problems: string[] } {
  const settings = readSettings(configPath(home));
  const project = readProjectMcp(cwd);
  const servers: ScopedServer[] = [
    ...Object.entries(localServers(settings.mcp, cwd)).map(([name, config]) => ({
      name,
      scope: "local" as const,
      config,
    })),
    ...projectServerStatus(cwd, project.servers, settings.mcp?.approvals).map(({ name, config, status }) => ({
      name,
      scope: "project" as const,
      config,
      status,
    })),
    ...Object.entries(settings.mcpServers ?? {}).map(([name, config]) => ({ name, scope: "user" as const, config })),
  ];
  return { servers, problems: project.problems };
}

/** Writes one server into a scope; returns whether it replaced one of that name. */
export function writeServer(home: string, cwd: string, scope: Scope, name: string, entry: McpServerConfig): boolean {
  if (scope === "project") {
    const json = readProjectJson(cwd);
    const servers = (json.mcpServers ?? {}) as Record<string, unknown>;
    const existed = servers[name] !== undefined;
    writeProjectJson(cwd, { ...json, mcpServers: { ...servers, [name]: entry } });
    return existed;
  }
  const file = configPath(home);
  const settings = readSettings(file);
  if (scope === "user") {
    const existed = settings.mcpServers?.[name] !== undefined;
    writeSettings(file, { ...settings, mcpServers: { ...settings.mcpServers, [name]: entry } });
    return existed;
  }
  const dir = resolve(cwd);
  const mine = localServers(settings.mcp, dir);
  const local = { ...settings.mcp?.local, [dir]: { ...mine, [name]: entry } };
  writeSettings(file, { ...settings, mcp: { ...settings.mcp, local } });
  return mine[name] !== undefined;
}

/** Removes one server from a scope (the project's approval of it too); false when it was not there. */
export function removeServer(home: string, cwd: string, scope: Scope, name: string): boolean {
  const file = configPath(home);
  const settings = readSettings(file);
  const dir = resolve(cwd);
  if (scope === "user") {
    if (!settings.mcpServers?.[name]) return false;
    const { [name]: _removed, ...rest } = settings.mcpServers;
    writeSettings(file, { ...settings, mcpServers: rest });
    return true;
  }
  if (scope === "local") {
    const mine = localServers(settings.mcp, dir);
    if (!mine[name]) return false;
    const { [name]: _removed, ...rest } = mine;
    const local = { ...settings.mcp?.local, [dir]: rest };
    if (Object.keys(rest).length === 0) delete local[dir];
    writeSettings(file, { ...settings, mcp: { ...settings.mcp, local } });
    return true;
  }
  const json = readProjectJson(cwd);
  const servers = (json.mcpServers ?? {}) as Record<string, unknown>;
  if (servers[name] === undefined) return false;
  const { [name]: _removed, ...rest } = servers;
  writeProjectJson(cwd, { ...json, mcpServers: rest });
  revokeApproval(home, cwd, name);
  return true;
}

/** Forgets the user's approval of a project server in this directory; false when there was none. */
export function revokeApproval(home: string, cwd: string, name: string): boolean {
  const file = configPath(home);
  const settings = readSettings(file);
  const dir = resolve(cwd);
  const approved = settings.mcp?.approvals?.[dir];
  if (approved?.[name] === undefined) return false;
  const { [name]: _revoked, ...others } = approved;
  const approvals = { ...settings.mcp?.approvals, [dir]: others };
  if (Object.keys(others).length === 0) delete approvals[dir];
  writeSettings(file, { ...settings, mcp: { ...settings.mcp, approvals } });
  return true;
}

export function describeServer(entry: McpServerConfig): string {
  if (isStdio(entry)) return `stdio: ${[entry.command, ...(entry.args ?? [])].join(" ")}`;
  return `${entry.type}: ${entry.url}`;
}

function readProjectJson(cwd: string): Record<string, unknown> {
  const file = projectMcpPath(cwd);
  if (!existsSync(file)) return {};
  refuseLink(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}. Fix the JSON first.`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new UsageError(`${file} must hold a JSON object such as { "mcpServers": {} }.`);
  }
  const servers = (json as { mcpServers?: unknown }).mcpServers;
  if (servers !== undefined && (!servers || typeof servers !== "object" || Array.isArray(servers))) {
    throw new UsageError(`${file}: "mcpServers" must be an object.`);
  }
  return json as Record<string, unknown>;
}

function writeProjectJson(cwd: string, json: Record<string, unknown>): void {
  const file = projectMcpPath(cwd);
  if (existsSync(file)) refuseLink(file);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** A repository's .mcp.json that is a link could point at any file of yours: it is never written through. */
function refuseLink(file: string): void {
  if (lstatSync(file).isSymbolicLink()) {
    throw new UsageError(`${file} is a symbolic link; Pincer does not write through it. Replace it with a file.`);
  }
}
