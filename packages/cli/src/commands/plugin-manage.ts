import { createInterface } from "node:readline/promises";
import {
  type CapabilityId,
  capabilityIds,
  describeCapability,
  type LockedPlugin,
  parseCapabilityId,
  readLockfile,
} from "@pincer/host";
import { ConsentRefusedError, type ConsentRequest, PluginInstaller } from "@pincer/host/install";
import { UsageError } from "../home.js";
import { createStyle } from "../output/style.js";
import { builtinManifests } from "../plugins.js";
import { VERSION } from "../version.js";

export interface ManageOptions {
  home: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  registry?: string;
  /** Grant what is asked without a prompt (headless). */
  yes?: boolean;
}

const stderr = process.stderr;
const style = createStyle(stderr);

export function createInstaller(options: ManageOptions): PluginInstaller {
  return new PluginInstaller({
    home: options.home,
    cwd: options.cwd,
    env: options.env,
    ...(options.registry ? { registry: options.registry } : {}),
    pincerVersion: VERSION,
    builtins: builtinManifests(),
    onProgress: (line) => stderr.write(`${style.dim(`… ${line}`)}\n`),
    consent: (request) => askConsent(request, options.yes ?? false),
  });
}

/** Shows what a plugin asks for in plain words and gets a yes: from --yes, or from the user. */
export async function askConsent(request: ConsentRequest, yes: boolean): Promise<boolean> {
  const title = `${style.bold(`${request.name}@${request.version}`)}${request.description ? ` — ${request.description}` : ""}`;
  stderr.write(`\n${title}\n`);
  if (request.capabilities.length === 0) {
    stderr.write(
      "  asks for no capabilities: it can compute, but touch no files, network, commands or environment.\n\n",
    );
    return true;
  }
  stderr.write(request.updateFrom ? `  Since ${request.updateFrom}, it also asks to:\n` : "  It asks to:\n");
  for (const line of request.lines) stderr.write(`    • ${line}\n`);
  stderr.write("\n");
  if (yes) {
    stderr.write(`${style.green("✓")} granted (--yes)\n`);
    return true;
  }
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `${request.name} needs your consent for the capabilities above. Run again with --yes to grant them, or in a terminal to be asked.`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: stderr });
  try {
    const answer = await prompt.question(
      request.updateFrom ? "Update and grant these? [y/N] " : "Install and grant these? [y/N] ",
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

export async function installCommand(specs: string[], options: ManageOptions): Promise<void> {
  const installer = createInstaller(options);
  for (const spec of specs) {
    try {
      const result = await installer.install(spec);
      const verb = result.previousVersion ? `Reinstalled (was ${result.previousVersion})` : "Installed";
      process.stdout.write(`${verb} ${result.name}@${result.version}\n`);
    } catch (error) {
      if (error instanceof ConsentRefusedError) throw new UsageError(error.message);
      throw error;
    }
  }
}

export async function updateCommand(name: string | undefined, options: ManageOptions): Promise<void> {
  const results = await createInstaller(options).update(name);
  if (results.length === 0) process.stdout.write("No installed plugins to update.\n");
  for (const result of results) {
    const change =
      result.previousVersion === result.version
        ? `${result.name} is up to date (${result.version})`
        : `Updated ${result.name} ${result.previousVersion} → ${result.version}`;
    process.stdout.write(`${change}\n`);
  }
}

export function removeCommand(name: string, options: ManageOptions): void {
  createInstaller(options).remove(name);
  process.stdout.write(`Removed ${name}\n`);
}

export function grantCommand(name: string, capabilities: string[], options: ManageOptions, revoke = false): void {
  const ids: CapabilityId[] | "all" =
    capabilities.length === 1 && capabilities[0] === "all" ? "all" : capabilities.map(parseCapabilityId);
  const installer = createInstaller(options);
  const entry = revoke ? installer.revoke(name, ids) : installer.grant(name, ids);
  process.stdout.write(`${name} is granted: ${entry.granted.join(", ") || "nothing"}\n`);
}

interface ListedPlugin {
  name: string;
  version: string;
  source: string;
  granted: CapabilityId[];
  withheld: CapabilityId[];
}

/** Built-ins first, then installed plugins; each with what it is granted and what it is not. */
export function listCommand(options: ManageOptions & { json?: boolean }): void {
  const lock = readLockfile(options.home);
  const listed: ListedPlugin[] = [];
  for (const manifest of builtinManifests()) {
    const declared = capabilityIds(manifest.capabilities);
    const granted = lock.plugins[manifest.name]?.granted ?? declared;
    listed.push(row(manifest.name, manifest.version, "built-in", declared, granted));
  }
  for (const [name, entry] of Object.entries(lock.plugins)) {
    if (entry.source.type === "builtin") continue;
    listed.push(row(name, entry.version, describeSource(entry), entry.declared, entry.granted));
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return;
  }
  for (const plugin of listed) {
    process.stdout.write(`${plugin.name}@${plugin.version}  ${style.dim(plugin.source)}\n`);
    if (plugin.granted.length === 0 && plugin.withheld.length === 0) process.stdout.write("    no capabilities\n");
    for (const id of plugin.granted)
      process.stdout.write(`    ${style.green("✓")} ${id}  ${style.dim(describeCapability(id))}\n`);
    for (const id of plugin.withheld) process.stdout.write(`    ${style.red("✗")} ${id}  ${style.dim("revoked")}\n`);
  }
}

function row(name: string, version: string, source: string, declared: CapabilityId[], granted: CapabilityId[]) {
  return { name, version, source, granted, withheld: declared.filter((id) => !granted.includes(id)) };
}

function describeSource(entry: LockedPlugin): string {
  switch (entry.source.type) {
    case "registry":
      return `from ${entry.source.registry}`;
    case "builtin":
      return "built-in";
    default:
      return `${entry.source.type} ${entry.source.path}`;
  }
}
