import { resolve } from "node:path";
import { pincerHome } from "@pincer/runtime";
import type { Argv } from "yargs";
import type { ManageOptions } from "./plugin-manage.js";

// Installing pulls in tar, semver and esbuild: loaded when a plugin command runs, never for -p.
const manageCommands = () => import("./plugin-manage.js");

const KINDS = ["tool", "provider", "theme", "hook", "driver"] as const;

/** `pincer plugin …`: install and manage plugins, and author them. */
export function pluginCommands(y: Argv, env: NodeJS.ProcessEnv, setExit: (code: number) => void): Argv {
  const manage = (args: { registry?: string | undefined; yes?: boolean | undefined }): ManageOptions => ({
    home: pincerHome(env),
    cwd: process.cwd(),
    env,
    ...(args.registry ? { registry: args.registry } : {}),
    ...(args.yes ? { yes: true } : {}),
  });
  const registryOption = { type: "string", description: "npm registry URL (default: npm's config)" } as const;
  const yesOption = { type: "boolean", description: "Grant the capabilities it asks for without a prompt" } as const;
  return y
    .command(
      "install <specs..>",
      "Install plugins from the npm registry, a folder or a .tgz; Claude Code plugins from a folder or <plugin>@<marketplace>",
      (c) =>
        c
          .positional("specs", { type: "string", array: true, demandOption: true })
          .option("registry", registryOption)
          .option("yes", { ...yesOption, alias: "y" }),
      async (args) => (await manageCommands()).installCommand(args.specs, manage(args)),
    )
    .command("marketplace", "Claude Code plugin marketplaces: add <source>, list, update [name], remove <name>", (c) =>
      c
        .command(
          "add <source>",
          "Add a marketplace: owner/repo (GitHub), a git URL (…/repo.git, git@host:path, file://…; #ref for a branch or tag), a local git repository or folder with .claude-plugin/marketplace.json, or an http(s) URL to a marketplace.json",
          (m) => m.positional("source", { type: "string", demandOption: true }),
          async (args) => (await manageCommands()).marketplaceAddCommand(args.source, manage({})),
        )
        .command(
          "list",
          "List added marketplaces and their plugins",
          (m) => m.option("json", { type: "boolean", default: false }),
          async (args) => (await manageCommands()).marketplaceListCommand({ ...manage({}), json: args.json }),
        )
        .command(
          "update [name]",
          "Fetch a marketplace (or all) again and show what changed",
          (m) => m.positional("name", { type: "string" }),
          async (args) => (await manageCommands()).marketplaceUpdateCommand(args.name, manage({})),
        )
        .command(
          ["remove <name>", "rm <name>"],
          "Forget a marketplace (its installed plugins stay)",
          (m) => m.positional("name", { type: "string", demandOption: true }),
          async (args) => (await manageCommands()).marketplaceRemoveCommand(args.name, manage({})),
        )
        .demandCommand(1, "Name a marketplace command: add, list, update or remove."),
    )
    .command(
      "search <words..>",
      "Find Claude Code plugins by name or description in the added marketplaces",
      (c) => c.positional("words", { type: "string", array: true, demandOption: true }),
      async (args) => (await manageCommands()).searchCommand(args.words, manage({})),
    )
    .command(
      "list",
      "List plugins and what each is granted",
      (c) => c.option("json", { type: "boolean", default: false }),
      async (args) => (await manageCommands()).listCommand({ ...manage({}), json: args.json }),
    )
    .command(
      "remove <name>",
      "Remove an installed plugin",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      async (args) => (await manageCommands()).removeCommand(args.name, manage({})),
    )
    .command(
      "enable <name>",
      "Load an installed Claude Code plugin again (<name> or <name>@<marketplace>)",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      async (args) => (await manageCommands()).enableCommand(args.name, true, manage({})),
    )
    .command(
      "disable <name>",
      "Keep a Claude Code plugin installed but leave it out of sessions",
      (c) => c.positional("name", { type: "string", demandOption: true }),
      async (args) => (await manageCommands()).enableCommand(args.name, false, manage({})),
    )
    .command(
      "grant <name> <capabilities..>",
      "Grant capabilities a plugin declares (e.g. net:api.example.com, or all)",
      (c) =>
        c
          .positional("name", { type: "string", demandOption: true })
          .positional("capabilities", { type: "string", array: true, demandOption: true }),
      async (args) => (await manageCommands()).grantCommand(args.name, args.capabilities, manage({})),
    )
    .command(
      "revoke <name> <capabilities..>",
      "Take capabilities back (e.g. env:GITHUB_TOKEN, or all)",
      (c) =>
        c
          .positional("name", { type: "string", demandOption: true })
          .positional("capabilities", { type: "string", array: true, demandOption: true }),
      async (args) => (await manageCommands()).grantCommand(args.name, args.capabilities, manage({}), true),
    )
    .command(
      "update [name]",
      "Update installed plugins (Claude Code ones from their marketplace); new capabilities, hooks or servers need consent again",
      (c) =>
        c
          .positional("name", { type: "string" })
          .option("registry", registryOption)
          .option("yes", { ...yesOption, alias: "y" }),
      async (args) => (await manageCommands()).updateCommand(args.name, manage(args)),
    )
    .command(
      "new [name]",
      "Create a plugin project to edit, test and pack",
      (c) =>
        c
          .positional("name", { type: "string", description: "Its npm package name, e.g. my-tool" })
          .option("kind", { choices: KINDS, default: "tool" as const })
          .option("dir", { type: "string", description: "Parent folder (default: the current one)" }),
      async (args) => {
        const { newPlugin } = await import("./plugin-new.js");
        newPlugin(args.name, args.kind, resolve(args.dir ?? process.cwd()));
      },
    )
    .command(
      "pack [dir]",
      "Bundle and check a plugin, then make the tarball npm publish takes",
      (c) =>
        c.positional("dir", { type: "string", default: "." }).option("tarball", {
          type: "boolean",
          default: true,
          description: "Make the tarball (--no-tarball: build only)",
        }),
      async (args) => {
        const { packCommand } = await import("./plugin-author.js");
        await packCommand(resolve(args.dir), { tarball: args.tarball });
      },
    )
    .command(
      "test [dir]",
      "Run a plugin's tests against the real sandbox and the loopback servers",
      (c) => c.positional("dir", { type: "string", default: "." }),
      async (args) => {
        const { testCommand } = await import("./plugin-author.js");
        setExit(await testCommand(resolve(args.dir)));
      },
    )
    .command(
      "dev [dir]",
      "Rebuild a plugin on every save and load it into your sessions",
      (c) => c.positional("dir", { type: "string", default: "." }).option("yes", { ...yesOption, alias: "y" }),
      async (args) => {
        const { devCommand } = await import("./plugin-author.js");
        await devCommand(resolve(args.dir), manage(args));
      },
    )
    .demandCommand(
      1,
      "Name a plugin command: install, list, remove, enable, disable, grant, revoke, update, marketplace, search, new, pack, test or dev.",
    );
}
