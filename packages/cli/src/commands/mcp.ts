import { resolve } from "node:path";
import {
  approve,
  isStdio,
  type McpServerConfig,
  projectMcpPath,
  projectServerStatus,
  readProjectMcp,
  serverProblem,
} from "@pincer/mcp";
import { configPath, pincerHome, readSettings, UsageError, writeSettings } from "@pincer/runtime";
import type { Argv } from "yargs";

/** `pincer mcp …`: add, list, remove and approve MCP servers. */
export function mcpCommands(y: Argv, env: NodeJS.ProcessEnv): Argv {
  const home = () => pincerHome(env);
  // The global --cwd flag, when given, names the project.
  const cwd = (args: Record<string, unknown>) => resolve(typeof args.cwd === "string" ? args.cwd : process.cwd());
  return y
    .command(
      "add <name> [command..]",
      "Add a server: pincer mcp add <name> -- <command> [args…] (stdio), or --url <url> [--header K=V] (HTTP)",
      (c) =>
        c
          .positional("name", { type: "string", demandOption: true })
          .positional("command", { type: "string", array: true })
          .option("url", { type: "string", description: "The server's streamable HTTP endpoint" })
          .option("transport", {
            choices: ["stdio", "http", "sse"] as const,
            description: "Default: http with --url, else stdio",
          })
          .option("header", { type: "array", string: true, description: "K=V, sent with every HTTP request" })
          .option("env", {
            alias: "e",
            type: "array",
            string: true,
            description: "K=V for a stdio server's environment (${VAR} expands at start)",
          }),
      (args) => {
        // What follows `--` lands in `_`, after the command words (`mcp add`).
        const words = args._.map(String);
        const rest = words.slice(words.indexOf("add") + 1);
        mcpAdd(home(), args.name, {
          command: [...(args.command ?? []), ...rest],
          url: args.url,
          transport: args.transport,
          headers: args.header,
          env: args.env,
        });
      },
    )
    .command(
      "list",
      "List your servers and this project's .mcp.json servers (with their approval)",
      (c) => c.option("json", { type: "boolean", default: false }),
      (args) => mcpList(home(), cwd(args), args.json),
    )
    .command(
      "remove <name>",
      "Remove one of your servers (or your approval of a project server)",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      (args) => mcpRemove(home(), cwd(args), args.name),
    )
    .command(
      "approve <name>",
      "Allow a server from this project's .mcp.json to run (asked again if its entry changes)",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      (args) => mcpApprove(home(), cwd(args), args.name),
    )
    .demandCommand(1, "Name an mcp command: add, list, remove or approve.");
}

function pairs(values: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const separator = value.includes("=") ? "=" : ":";
    const at = value.indexOf(separator);
    if (at < 1) throw new UsageError(`--${flag} takes KEY=VALUE, got "${value}".`);
    out[value.slice(0, at).trim()] = value.slice(at + 1).trim();
  }
  return out;
}

export function mcpAdd(
  home: string,
  name: string,
  options: {
    command: string[];
    url?: string | undefined;
    transport?: "stdio" | "http" | "sse" | undefined;
    headers?: string[] | undefined;
    env?: string[] | undefined;
  },
): void {
  const file = configPath(home);
  const settings = readSettings(file);
  const transport = options.transport ?? (options.url ? "http" : "stdio");
  let entry: McpServerConfig;
  if (transport === "stdio") {
    if (options.url)
      throw new UsageError("--url is for http and sse servers; a stdio server takes -- <command> [args…].");
    const [command, ...args] = options.command;
    if (!command) {
      throw new UsageError(
        `pincer mcp add ${name} needs a command after --, e.g. pincer mcp add ${name} -- npx -y some-mcp-server, or --url for an HTTP server.`,
      );
    }
    const env = pairs(options.env, "env");
    entry = { command, ...(args.length ? { args } : {}), ...(env ? { env } : {}) };
  } else {
    if (!options.url) throw new UsageError(`An ${transport} server needs --url <url>.`);
    if (options.command.length) throw new UsageError("Give either --url or a command after --, not both.");
    const headers = pairs(options.headers, "header");
    entry = { type: transport, url: options.url, ...(headers ? { headers } : {}) };
  }
  const problem = serverProblem(name, entry);
  if (problem) throw new UsageError(`Cannot add the server: ${problem}.`);
  const existed = settings.mcpServers?.[name] !== undefined;
  writeSettings(file, { ...settings, mcpServers: { ...settings.mcpServers, [name]: entry } });
  process.stdout.write(
    `${existed ? "Updated" : "Added"} MCP server ${name} (${describe(entry)}). Its tools appear as mcp__${name}__<tool>; allow them with --allowedTools "mcp__${name}__*" or a permissions.allow rule.\n`,
  );
}

function describe(entry: McpServerConfig): string {
  if (isStdio(entry)) return `stdio: ${[entry.command, ...(entry.args ?? [])].join(" ")}`;
  return `${entry.type}: ${entry.url}`;
}

export function mcpList(home: string, cwd: string, json: boolean): void {
  const settings = readSettings(configPath(home));
  const project = readProjectMcp(cwd);
  const projectEntries = projectServerStatus(cwd, project.servers, settings.mcp?.approvals);
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          user: settings.mcpServers ?? {},
          project: Object.fromEntries(projectEntries.map(({ name, config, status }) => [name, { ...config, status }])),
          problems: project.problems,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const lines: string[] = [];
  for (const [name, entry] of Object.entries(settings.mcpServers ?? {}))
    lines.push(`${name}  ${describe(entry)}  (user)`);
  for (const entry of projectEntries) {
    const status =
      entry.status === "approved"
        ? "approved"
        : `${entry.status === "changed" ? "changed since approved" : "not approved"}: pincer mcp approve ${entry.name}`;
    lines.push(`${entry.name}  ${describe(entry.config)}  (project .mcp.json, ${status})`);
  }
  for (const problem of project.problems) lines.push(`! ${problem}`);
  process.stdout.write(
    lines.length
      ? `${lines.join("\n")}\n`
      : "No MCP servers. Add one with pincer mcp add <name> -- <command> [args…].\n",
  );
}

export function mcpRemove(home: string, cwd: string, name: string): void {
  const file = configPath(home);
  const settings = readSettings(file);
  if (settings.mcpServers?.[name]) {
    const { [name]: _removed, ...rest } = settings.mcpServers;
    writeSettings(file, { ...settings, mcpServers: rest });
    process.stdout.write(`Removed MCP server ${name}.\n`);
    return;
  }
  const dir = resolve(cwd);
  const approved = settings.mcp?.approvals?.[dir];
  if (approved?.[name] !== undefined) {
    const { [name]: _revoked, ...others } = approved;
    const approvals = { ...settings.mcp?.approvals, [dir]: others };
    if (Object.keys(others).length === 0) delete approvals[dir];
    writeSettings(file, { ...settings, mcp: { ...settings.mcp, approvals } });
    process.stdout.write(
      `Revoked your approval of ${name} from ${projectMcpPath(dir)}; it no longer starts (delete it from that file to remove it).\n`,
    );
    return;
  }
  throw new UsageError(`No MCP server named ${name}. pincer mcp list shows the servers.`);
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
    `Approved ${name} (${describe(config)}) for ${resolve(cwd)}. It starts with your sessions here; it runs as a process of yours, outside the plugin sandbox.\n`,
  );
}
