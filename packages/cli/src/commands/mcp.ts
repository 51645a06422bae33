import { resolve } from "node:path";
import {
  approve,
  expandVariables,
  isStdio,
  loginToServer,
  logoutFromServer,
  type McpServerConfig,
  oauthDir,
  projectMcpPath,
  readProjectMcp,
  serverProblem,
} from "@pincer/mcp";
import { configPath, pincerHome, readSettings, UsageError, writeSettings } from "@pincer/runtime";
import type { Argv } from "yargs";
import {
  describeServer,
  removeServer,
  revokeApproval,
  SCOPES,
  type Scope,
  type ScopedServer,
  scopedServers,
  writeServer,
} from "./mcp-scopes.js";

const SCOPE_WHERE: Record<Scope, string> = {
  local: "Local config (private to you in this project)",
  project: "Project config (shared via .mcp.json)",
  user: "User config (available in all your projects)",
};

const scopeOption = {
  alias: "s",
  choices: SCOPES,
  description: "local (default: you, this project), project (.mcp.json, shared) or user (you, every project)",
} as const;

/** `pincer mcp …`: Claude Code's `claude mcp` forms (add, add-json, get, list, remove), plus approve. */
export function mcpCommands(y: Argv, env: NodeJS.ProcessEnv): Argv {
  const home = () => pincerHome(env);
  // The global --cwd flag, when given, names the project.
  const cwd = (args: Record<string, unknown>) => resolve(typeof args.cwd === "string" ? args.cwd : process.cwd());
  return y
    .command(
      "add <name> [target] [args..]",
      "Add a server: add [-s scope] [-e K=V] <name> -- <command> [args…] (stdio), or add --transport http|sse [--header 'K: V'] <name> <url>",
      (c) =>
        c
          .positional("name", { type: "string", demandOption: true })
          .positional("target", { type: "string", description: "The URL (http, sse) or the command (stdio)" })
          .positional("args", { type: "string", array: true })
          .option("transport", { alias: "t", choices: ["stdio", "http", "sse"] as const, default: "stdio" as const })
          .option("scope", { ...scopeOption, default: "local" as const })
          .option("env", { alias: "e", type: "string", description: "KEY=value for a stdio server (repeatable)" })
          .option("header", {
            alias: "H",
            type: "string",
            description: "'Key: value' for an http or sse server (repeatable)",
          })
          .option("url", { type: "string", hidden: true }),
      (args) => {
        // What follows `--` lands in `_`, after the command words (`mcp add`).
        const words = args._.map(String);
        const rest = words.slice(words.indexOf("add") + 1);
        const target = [...(args.target ? [args.target] : []), ...(args.args ?? []), ...rest];
        const transport = args.url && args.transport === "stdio" ? "http" : args.transport;
        const entry = entryFromFlags(args.name, transport, args.url ? [args.url, ...target] : target, {
          env: list(args.env),
          headers: list(args.header),
        });
        addServer(home(), cwd(args), args.scope, args.name, entry);
      },
    )
    .command(
      "add-json <name> <json>",
      "Add a server from its JSON entry, as in .mcp.json: add-json [-s scope] <name> '<json>'",
      (c) =>
        c
          .positional("name", { type: "string", demandOption: true })
          .positional("json", { type: "string", demandOption: true })
          .option("scope", { ...scopeOption, default: "local" as const }),
      (args) => {
        let entry: unknown;
        try {
          entry = JSON.parse(args.json);
        } catch (error) {
          throw new UsageError(`The server's JSON does not parse: ${(error as Error).message}.`);
        }
        addServer(home(), cwd(args), args.scope, args.name, entry as McpServerConfig);
      },
    )
    .command(
      "get <name>",
      "Show one server: its scope, how it runs and its environment or headers",
      (c) =>
        c
          .positional("name", { type: "string", demandOption: true })
          .option("json", { type: "boolean", default: false }),
      (args) => mcpGet(home(), cwd(args), args.name, args.json),
    )
    .command(
      "list",
      "List the servers of every scope (local, project .mcp.json with its approval, user)",
      (c) => c.option("json", { type: "boolean", default: false }),
      (args) => mcpList(home(), cwd(args), args.json),
    )
    .command(
      "remove <name>",
      "Remove a server (from the scope given with -s, or the only scope that has it)",
      (c) => c.positional("name", { type: "string", demandOption: true }).option("scope", scopeOption),
      (args) => mcpRemove(home(), cwd(args), args.name, args.scope),
    )
    .command(
      "approve <name>",
      "Allow a server from this project's .mcp.json to run (asked again if its entry changes)",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      (args) => mcpApprove(home(), cwd(args), args.name),
    )
    .command(
      "login <name>",
      "Log in to an HTTP server that uses OAuth: open the URL it prints; sessions then use and refresh the token",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      (args) => mcpLogin(home(), cwd(args), args.name, env),
    )
    .command(
      "logout <name>",
      "Forget the OAuth tokens of an HTTP server",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      (args) => mcpLogout(home(), cwd(args), args.name, env),
    )
    .demandCommand(1, "Name an mcp command: add, add-json, get, list, remove, approve, login or logout.");
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** `KEY=value` (env) or `Key: value` / `Key=value` (headers): split at the first separator. */
function pairs(values: string[], flag: string, separators: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = Math.min(...separators.map((sep) => value.indexOf(sep)).filter((index) => index >= 0));
    if (!Number.isFinite(at) || at < 1) {
      throw new UsageError(`--${flag} takes ${flag === "env" ? "KEY=value" : "'Key: value'"}, got "${value}".`);
    }
    out[value.slice(0, at).trim()] = value.slice(at + 1).trim();
  }
  return out;
}

export function entryFromFlags(
  name: string,
  transport: "stdio" | "http" | "sse",
  target: string[],
  flags: { env: string[]; headers: string[] },
): McpServerConfig {
  if (transport === "stdio") {
    const [command, ...args] = target;
    if (!command) {
      throw new UsageError(
        `pincer mcp add ${name} needs a command after --, e.g. pincer mcp add ${name} -- npx -y some-mcp-server, or --transport http ${name} <url>.`,
      );
    }
    if (/^https?:\/\//.test(command)) {
      throw new UsageError(
        `${command} is a URL: add it with --transport http (or sse): pincer mcp add --transport http ${name} ${command}.`,
      );
    }
    if (flags.headers.length) throw new UsageError("--header is for http and sse servers.");
    const env = pairs(flags.env, "env", ["="]);
    return { command, ...(args.length ? { args } : {}), ...(env ? { env } : {}) };
  }
  const [url, ...extra] = target;
  if (!url)
    throw new UsageError(
      `An ${transport} server needs its URL: pincer mcp add --transport ${transport} ${name} <url>.`,
    );
  if (extra.length) throw new UsageError(`An ${transport} server takes one URL; got also: ${extra.join(" ")}.`);
  if (flags.env.length) throw new UsageError("--env is for stdio servers; an http server takes --header.");
  const headers = pairs(flags.headers, "header", [":", "="]);
  return { type: transport, url, ...(headers ? { headers } : {}) };
}

export function addServer(home: string, cwd: string, scope: Scope, name: string, entry: McpServerConfig): void {
  const problem = serverProblem(name, entry);
  if (problem) throw new UsageError(`Cannot add the server: ${problem}.`);
  const existed = writeServer(home, cwd, scope, name, entry);
  const where = scope === "project" ? projectMcpPath(cwd) : `${configPath(home)} (${scope} scope)`;
  const next =
    scope === "project"
      ? ` Like every .mcp.json server it runs once approved: pincer mcp approve ${name}.`
      : ` Its tools appear as mcp__${name}__<tool>; allow them with --allowedTools "mcp__${name}__*" or a permissions.allow rule.`;
  process.stdout.write(
    `${existed ? "Updated" : "Added"} MCP server ${name} (${describeServer(entry)}) in ${where}.${next}\n`,
  );
}

export function mcpList(home: string, cwd: string, json: boolean): void {
  const { servers, problems } = scopedServers(home, cwd);
  if (json) {
    const of = (scope: Scope) =>
      Object.fromEntries(
        servers
          .filter((server) => server.scope === scope)
          .map(({ name, config, status }) => [name, { ...config, ...(status ? { status } : {}) }]),
      );
    process.stdout.write(
      `${JSON.stringify({ local: of("local"), project: of("project"), user: of("user"), problems }, null, 2)}\n`,
    );
    return;
  }
  const lines = servers.map((server) => `${server.name}: ${describeServer(server.config)} (${scopeNote(server)})`);
  for (const problem of problems) lines.push(`! ${problem}`);
  process.stdout.write(
    lines.length
      ? `${lines.join("\n")}\n`
      : "No MCP servers. Add one with pincer mcp add <name> -- <command> [args…].\n",
  );
}

function scopeNote(server: ScopedServer): string {
  if (server.scope !== "project") return server.scope;
  if (server.status === "approved") return "project .mcp.json, approved";
  const why = server.status === "changed" ? "changed since approved" : "not approved";
  return `project .mcp.json, ${why}: pincer mcp approve ${server.name}`;
}

export function mcpGet(home: string, cwd: string, name: string, json: boolean): void {
  const found = scopedServers(home, cwd).servers.filter((server) => server.name === name);
  if (found.length === 0) throw new UsageError(`No MCP server named ${name}. pincer mcp list shows the servers.`);
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        found.map(({ scope, config, status }) => ({ name, scope, ...(status ? { status } : {}), ...config })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  const blocks = found.map((server, index) => {
    const { config } = server;
    const lines = [
      `${name}:`,
      `  Scope: ${SCOPE_WHERE[server.scope]}${index > 0 ? " (shadowed by the one above)" : ""}`,
    ];
    if (server.status) lines.push(`  Approval: ${scopeNote(server).replace(/^project \.mcp\.json, /, "")}`);
    if (isStdio(config)) {
      lines.push("  Type: stdio", `  Command: ${config.command}`, `  Args: ${(config.args ?? []).join(" ")}`);
      if (config.cwd) lines.push(`  Cwd: ${config.cwd}`);
      const env = Object.entries(config.env ?? {});
      if (env.length) lines.push("  Environment:", ...env.map(([key, value]) => `    ${key}=${value}`));
    } else {
      lines.push(`  Type: ${config.type}`, `  URL: ${config.url}`);
      const headers = Object.entries(config.headers ?? {});
      if (headers.length) lines.push("  Headers:", ...headers.map(([key, value]) => `    ${key}: ${value}`));
    }
    lines.push(`To remove this server, run: pincer mcp remove ${name} -s ${server.scope}`);
    return lines.join("\n");
  });
  process.stdout.write(`${blocks.join("\n\n")}\n`);
}

export function mcpRemove(home: string, cwd: string, name: string, scope: Scope | undefined): void {
  const found = scopedServers(home, cwd).servers.filter((server) => server.name === name);
  if (!scope) {
    if (found.length > 1) {
      throw new UsageError(
        `${name} is in more than one scope (${found.map((server) => server.scope).join(", ")}); say which with -s <scope>.`,
      );
    }
    scope = found[0]?.scope;
  }
  if (scope && removeServer(home, cwd, scope, name)) {
    const where = scope === "project" ? projectMcpPath(cwd) : `your ${scope} servers`;
    process.stdout.write(`Removed MCP server ${name} from ${where}.\n`);
    return;
  }
  // A project server someone else's .mcp.json declares: what the user owns is the approval.
  if (revokeApproval(home, cwd, name)) {
    process.stdout.write(`Revoked your approval of ${name} from ${projectMcpPath(cwd)}; it no longer starts.\n`);
    return;
  }
  throw new UsageError(
    `No MCP server named ${name}${scope ? ` in the ${scope} scope` : ""}. pincer mcp list shows the servers.`,
  );
}

export function mcpApprove(home: string, cwd: string, name: string): void {
  const project = readProjectMcp(cwd);
  const config = project.servers[name];
  if (!config) {
    const known = Object.keys(project.servers);
    throw new UsageError(
      `${projectMcpPath(cwd)} has no server named ${name}${known.length ? ` (it has: ${known.join(", ")})` : ""}.`,
    );
  }
  const file = configPath(home);
  const settings = readSettings(file);
  const mcp = { ...settings.mcp, approvals: approve(settings.mcp?.approvals, cwd, name, config) };
  writeSettings(file, { ...settings, mcp });
  process.stdout.write(
    `Approved ${name} (${describeServer(config)}) for ${resolve(cwd)}. It starts with your sessions here; it runs as a process of yours, outside the plugin sandbox.\n`,
  );
}

/** The URL of the server a session here would run under this name (its OAuth tokens are keyed by it). */
function remoteUrl(home: string, cwd: string, name: string, env: NodeJS.ProcessEnv): string {
  const server = scopedServers(home, cwd).servers.find((candidate) => candidate.name === name);
  if (!server) throw new UsageError(`No MCP server named ${name}. pincer mcp list shows the servers.`);
  if (isStdio(server.config)) throw new UsageError(`${name} is a stdio server; OAuth is for http and sse servers.`);
  try {
    return new URL(expandVariables(server.config.url, env)).href;
  } catch (error) {
    throw new UsageError(`The URL of ${name} cannot be used: ${(error as Error).message}.`);
  }
}

export async function mcpLogin(home: string, cwd: string, name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const url = remoteUrl(home, cwd, name, env);
  await loginToServer({
    home,
    name,
    url,
    open: (authorize) => {
      process.stdout.write(`Open this URL in your browser to log in to ${name}:\n${authorize.href}\n`);
    },
  });
  process.stdout.write(
    `Logged in to ${name}. Sessions use the token (kept in ${oauthDir(home)}, readable by you only) and refresh it.\n`,
  );
}

export function mcpLogout(home: string, cwd: string, name: string, env: NodeJS.ProcessEnv): void {
  const had = logoutFromServer(home, name, remoteUrl(home, cwd, name, env));
  process.stdout.write(had ? `Logged out of ${name}; its tokens are deleted.\n` : `No tokens were kept for ${name}.\n`);
}
