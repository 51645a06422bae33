import { PERMISSION_MODES, THINKING_LEVELS } from "@pincer/kernel";
import { commandLineCommands, pincerHome, UsageError } from "@pincer/runtime";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { configCommand } from "./commands/config.js";
import { runDemo } from "./commands/demo.js";
import { hooksCommands } from "./commands/hooks.js";
import { hubCommands } from "./commands/hub.js";
import { mcpCommands } from "./commands/mcp.js";
import { pluginCommands } from "./commands/plugin.js";
import { forkSession, listSessions, showSession } from "./commands/sessions.js";
import { themeCommands } from "./commands/theme.js";
import { EXIT } from "./headless.js";
import { type HeadlessArgs, runHeadlessArgs } from "./headless-args.js";
import { commandNameIn } from "./plugin-command.js";
import { VERSION } from "./version.js";

/** The CLI's own commands: a plugin's command by one of these names runs only as /name in a session. */
export const CLI_COMMANDS = [
  "demo",
  "sessions",
  "serve",
  "acp",
  "models",
  "theme",
  "mcp",
  "hub",
  "plugin",
  "config",
  "help",
] as const;

/** Parses argv, runs the command, and returns the process exit code. */
export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  const env = process.env;
  // `pincer <name> [args…]` for a plugin's command: the plugin reads its own words.
  const pluginCommand = findPluginCommand(argv, env);
  if (pluginCommand) {
    const { runPluginCommandLine } = await import("./plugin-command.js");
    try {
      return await runPluginCommandLine(pluginCommand.name, pluginCommand.argv, CLI_COMMANDS, env);
    } catch (error) {
      process.stderr.write(`pincer: ${(error as Error).message}\n`);
      return error instanceof UsageError ? EXIT.usage : EXIT.failed;
    }
  }
  let exitCode: number = EXIT.ok;
  const parser = yargs(argv)
    .scriptName("pincer")
    .version(VERSION)
    .usage(
      '$0 [options]\n$0 -p "prompt" [options]\n\nA plugin-first agent runtime: interactive in a terminal, headless with -p; see the commands below.',
    )
    .option("print", { alias: "p", type: "string", description: "Run one prompt headless and print the result" })
    .option("output-format", {
      choices: ["text", "json", "stream-json"] as const,
      default: "text" as const,
      description: "Headless output format",
    })
    .option("model", {
      alias: "m",
      type: "string",
      description: "provider/model, e.g. openai/gpt-5 (default: config, else the provider whose key is set)",
    })
    .option("thinking", {
      choices: THINKING_LEVELS,
      description: "How hard the model thinks, where it can (default: the session's, else config, else off)",
    })
    .option("permission-mode", { choices: PERMISSION_MODES, description: "How tool calls are approved" })
    .option("allowedTools", {
      type: "array",
      string: true,
      description: 'Rules to allow, e.g. "read" "bash(npm test:*)"',
    })
    .option("disallowedTools", {
      type: "array",
      string: true,
      description: "Rules to deny; a bare tool name also hides the tool",
    })
    .option("max-turns", { type: "number", description: "Most model calls in this run" })
    .option("budget", {
      type: "string",
      description: "US dollars this run may spend unasked: costed calls (paid jobs, endpoints) within it are approved",
    })
    .option("continue", {
      alias: "c",
      type: "boolean",
      description: "Continue the most recent session in this directory",
    })
    .option("resume", { alias: "r", type: "string", description: "Resume a session by id (or unique prefix)" })
    .option("fork", {
      type: "boolean",
      description: "With --continue/--resume: go on in a copy of the session (e.g. while another pincer writes it)",
    })
    .option("cwd", { type: "string", description: "Working directory for the session" })
    .option("add-dir", { type: "array", string: true, description: "Extra directories the file tools may use" })
    .option("append-system-prompt", { type: "string", description: "Text appended to the system prompt" })
    .option("agent", {
      type: "string",
      description: "Run as this agent (.pincer/agents, ~/.pincer/agents or a plugin's)",
    })
    .option("record", {
      type: "string",
      description: "Record the model's stream to this cassette file (replay with --model replay/<file>)",
    })
    .option("verbose", { type: "boolean", description: "Show live progress on stderr" })
    .option("dangerously-run-unconfined", {
      type: "boolean",
      description:
        'Run commands (bash, plugins, hooks, jobs) without the OS sandbox and without asking: your full file and network access (as sandbox.os "off")',
    })
    .command(
      "$0",
      "Open the interactive session in this terminal, or run a prompt (-p) headless",
      () => {},
      async (args) => {
        exitCode = await runHeadlessArgs(args as HeadlessArgs, env);
      },
    )
    .command(
      "demo",
      "Run the offline demo: a recorded model fixes a bug with real tools",
      () => {},
      async (args) => {
        exitCode = await runDemo({
          home: pincerHome(env),
          env,
          ...(args["dangerously-run-unconfined"] ? { unconfined: true } : {}),
        });
      },
    )
    .command("sessions", "List, show and fork sessions", (sub) =>
      sub
        .command(
          "list",
          "List sessions, newest first",
          (y) =>
            y.option("json", { type: "boolean", default: false }).option("all", {
              type: "boolean",
              default: false,
              description: "Sessions of every directory, not only this one",
            }),
          (args) => listSessions(pincerHome(env), { json: args.json, ...(args.all ? {} : { cwd: process.cwd() }) }),
        )
        .command(
          "show <id>",
          "Print a session's conversation",
          (y) =>
            y
              .positional("id", { type: "string", demandOption: true })
              .option("json", { type: "boolean", default: false }),
          (args) => showSession(pincerHome(env), args.id, { json: args.json }),
        )
        .command(
          "fork <id>",
          "Start a new session from an entry of an existing one",
          (y) =>
            y
              .positional("id", { type: "string", demandOption: true })
              .option("entry", { type: "string", description: "Entry id to fork at (default: the last entry)" }),
          (args) => forkSession(pincerHome(env), args.id, args.entry),
        )
        .demandCommand(1, "Name a sessions command: list, show or fork."),
    )
    .command(
      "serve",
      "Serve sessions over HTTP with Server-Sent Events (loopback, bearer token)",
      (y) =>
        y
          .option("host", {
            type: "string",
            default: "127.0.0.1",
            description: "Interface to bind (loopback by default)",
          })
          .option("port", { type: "number", default: 4096, description: "Port (0: any free one)" })
          .option("idle-release", {
            type: "number",
            description:
              "Seconds after which an idle session lets go of its kernel and plugins, reloaded on its next prompt (default 600; 0: never)",
          }),
      async (args) => {
        const { serveCommand } = await import("./serve/command.js");
        await serveCommand({
          host: args.host,
          port: args.port,
          env,
          ...(args.idleRelease !== undefined ? { idleRelease: args.idleRelease } : {}),
          ...(args["dangerously-run-unconfined"] ? { unconfined: true } : {}),
        });
      },
    )
    .command(
      "acp",
      "Serve the Agent Client Protocol over stdio (for editors such as Zed)",
      (y) => y,
      async (args) => {
        const { acpCommand } = await import("./acp/command.js");
        await acpCommand({
          env,
          ...(args.model ? { model: args.model } : {}),
          ...(args.thinking ? { thinking: args.thinking } : {}),
        });
      },
    )
    .command(
      "models",
      "List the models the providers know, with context window and price",
      (y) => y.option("json", { type: "boolean", default: false }),
      async (args) => {
        const { modelsCommand } = await import("./commands/models.js");
        await modelsCommand({ env, json: args.json });
      },
    )
    .command("theme", "List, preview and choose colour themes", (sub) => themeCommands(sub, env))
    .command("mcp", "Add, list, remove and approve MCP servers", (sub) => mcpCommands(sub, env))
    .command("hooks", "List Claude Code hooks and approve a project's", (sub) => hooksCommands(sub, env))
    .command("hub", "Serve a local Hugging Face Hub (offline repos, datasets, papers)", (sub) => hubCommands(sub, env))
    .command("plugin", "Install, manage and author plugins", (sub) =>
      pluginCommands(sub, env, (code) => {
        exitCode = code;
      }),
    )
    .command(
      "config [action] [key] [value]",
      "Read or change settings (path, list, get, set)",
      (y) =>
        y
          .positional("action", { type: "string", description: "path, list, get or set" })
          .positional("key", { type: "string" })
          .positional("value", { type: "string" }),
      (args) => configCommand(pincerHome(env), process.cwd(), args.action, args.key, args.value, env),
    )
    .epilogue(argv.includes("--help") || argv.includes("-h") ? pluginCommandsHelp(env) : "")
    .strict()
    .help()
    .alias("help", "h")
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(`${message}\nRun pincer --help for the options.`);
    });

  try {
    await parser.parseAsync();
  } catch (error) {
    process.stderr.write(`pincer: ${(error as Error).message}\n`);
    return error instanceof UsageError || !(error instanceof Error) || isYargsError(error) ? EXIT.usage : EXIT.failed;
  }
  return exitCode;
}

/** The plugin command `argv` names (not one of the CLI's own), with its arguments: the rest of argv. */
function findPluginCommand(argv: string[], env: NodeJS.ProcessEnv): { name: string; argv: string[] } | undefined {
  const found = commandNameIn(argv);
  if (!found || (CLI_COMMANDS as readonly string[]).includes(found.name)) return undefined;
  let known: ReturnType<typeof commandLineCommands>;
  try {
    known = commandLineCommands({ cwd: process.cwd(), home: pincerHome(env), env, reserved: CLI_COMMANDS });
  } catch {
    // A plugin that cannot be read: the command line below reports what is wrong with the words.
    return undefined;
  }
  if (!known.some((command) => command.name === found.name)) return undefined;
  return { name: found.name, argv: [...argv.slice(0, found.index), ...argv.slice(found.index + 1)] };
}

/** `pincer --help` lists the plugins' commands too (read from their manifests; none is started). */
function pluginCommandsHelp(env: NodeJS.ProcessEnv): string {
  try {
    const commands = commandLineCommands({ cwd: process.cwd(), home: pincerHome(env), env, reserved: CLI_COMMANDS });
    if (commands.length === 0) return "";
    const width = Math.max(...commands.map((command) => `pincer ${command.name} ${command.args ?? ""}`.length));
    const lines = commands.map(
      (command) =>
        `  ${`pincer ${command.name} ${command.args ?? ""}`.padEnd(width)}  ${command.description} (${command.plugin})`,
    );
    return `Plugin commands (pincer <name> --help for each):\n${lines.join("\n")}`;
  } catch {
    return "";
  }
}

function isYargsError(error: Error): boolean {
  return error.name === "YError";
}
