import type { PluginCapabilities } from "@pincer/sdk";
import { displayLine } from "../display-text.js";
import { parseNetGrant } from "../net.js";

/**
 * A capability as one string (`fs.read:${workspace}`, `net:api.example.com`, `spawn:git`,
 * `env:HF_TOKEN`): what the lockfile records, what `grant`/`revoke` take, what an update is
 * compared by. Flat strings make "asks for more than before" a set difference.
 */
export type CapabilityId = string;

const KINDS = ["fs.read", "fs.write", "net", "spawn", "env", "service", "sessions.allow", "sessions.mode"] as const;
type Kind = (typeof KINDS)[number];

export function capabilityIds(capabilities: PluginCapabilities | undefined): CapabilityId[] {
  const ids: CapabilityId[] = [];
  for (const root of capabilities?.fs?.read ?? []) ids.push(`fs.read:${root}`);
  for (const root of capabilities?.fs?.write ?? []) ids.push(`fs.write:${root}`);
  for (const host of capabilities?.net ?? []) ids.push(`net:${host}`);
  for (const command of capabilities?.spawn ?? []) ids.push(`spawn:${command}`);
  for (const name of capabilities?.env ?? []) ids.push(`env:${name}`);
  for (const name of capabilities?.services ?? []) ids.push(`service:${name}`);
  for (const rule of capabilities?.sessions?.allow ?? []) ids.push(`sessions.allow:${rule}`);
  if (capabilities?.sessions?.mode) ids.push(`sessions.mode:${capabilities.sessions.mode}`);
  return [...new Set(ids)];
}

export function capabilitiesFromIds(ids: readonly CapabilityId[]): PluginCapabilities {
  const pick = (kind: Kind) => ids.filter((id) => kindOf(id) === kind).map(capabilityValue);
  const read = pick("fs.read");
  const write = pick("fs.write");
  const capabilities: PluginCapabilities = {};
  if (read.length || write.length) {
    capabilities.fs = { ...(read.length ? { read } : {}), ...(write.length ? { write } : {}) };
  }
  const net = pick("net");
  const spawn = pick("spawn");
  const env = pick("env");
  if (net.length) capabilities.net = net;
  if (spawn.length) capabilities.spawn = spawn;
  if (env.length) capabilities.env = env;
  const services = pick("service");
  const allow = pick("sessions.allow");
  const mode = pick("sessions.mode").find((value): value is "plan" | "default" | "acceptEdits" =>
    ["plan", "default", "acceptEdits"].includes(value),
  );
  if (services.length) capabilities.services = services;
  if (allow.length || mode) capabilities.sessions = { ...(mode ? { mode } : {}), ...(allow.length ? { allow } : {}) };
  return capabilities;
}

/** Checks a capability typed by a user (`pincer plugin grant x net:api.example.com`). */
export function parseCapabilityId(text: string): CapabilityId {
  const kind = kindOf(text);
  if (!kind || !capabilityValue(text)) {
    throw new Error(
      `"${text}" is not a capability. Write it as kind:value with kind one of ${KINDS.join(", ")}, e.g. net:api.example.com or env:HF_TOKEN.`,
    );
  }
  return text;
}

/**
 * Whether a user may grant this capability to a plugin that declared `declared`: one it declared,
 * or, to a plugin that declared any public host (`net:*`), a host by name — how a private host (a
 * dev server, a self-hosted service) is let in, since `*` never reaches one.
 */
export function grantable(declared: readonly CapabilityId[], id: CapabilityId): boolean {
  if (declared.includes(id)) return true;
  if (kindOf(id) !== "net" || !declared.some((entry) => entry === "net:*" || entry.startsWith("net:*:"))) return false;
  const parsed = parseNetGrant(capabilityValue(id));
  return parsed !== undefined && parsed.host !== "*";
}

function kindOf(id: string): Kind | undefined {
  const colon = id.indexOf(":");
  return KINDS.find((kind) => kind === id.slice(0, colon));
}

function capabilityValue(id: string): string {
  return id.slice(id.indexOf(":") + 1);
}

/**
 * One line of plain words per capability, for the consent prompt and `plugin list`; safe to print
 * (see displayLine) and never cut: the schema keeps every capability shorter than the cap.
 */
export function describeCapability(id: CapabilityId): string {
  return displayLine(wordsFor(id), 1200);
}

function wordsFor(id: CapabilityId): string {
  const value = capabilityValue(id);
  const place = describeRoot(value);
  switch (kindOf(id)) {
    case "fs.read":
      return `read files in ${place}`;
    case "fs.write":
      return `create, change and delete files in ${place}`;
    case "net":
      return describeNet(value);
    case "spawn":
      return value === "bash" || value === "sh" ? "run any shell command" : `run the command ${value}`;
    case "env":
      return `read the environment variable ${value}${/TOKEN|KEY|SECRET|PASSWORD/i.test(value) ? " (a secret)" : ""}`;
    case "service":
      return `have Pincer start or find the service ${value} for its commands, and use it (its address and token come through the env grant)`;
    case "sessions.allow":
      return `let the sessions its commands run do ${value} without asking you`;
    case "sessions.mode":
      return `run the sessions its commands start from the command line in permission mode ${value} when you name none`;
    default:
      return id;
  }
}

/** `api.example.com` reaches the scheme's default port only; a port or `*` is said in words. */
function describeNet(grant: string): string {
  const parsed = parseNetGrant(grant);
  if (!parsed) return `connect to ${grant} over the network`;
  if (parsed.host === "*") {
    const ports = parsed.port === undefined ? "" : parsed.port === "*" ? ", on any port" : `, on port ${parsed.port}`;
    return `connect to ANY host on the internet${ports} (public addresses only: not this machine or your local network)`;
  }
  const host = parsed.host.startsWith("*.") ? `any host under ${parsed.host.slice(2)}` : parsed.host;
  const port = parsed.port === undefined ? "" : parsed.port === "*" ? " on any port" : ` on port ${parsed.port}`;
  return `connect to ${host}${port} over the network`;
}

function describeRoot(root: string): string {
  if (root === "${workspace}") return "your workspace (the session folder and any --add-dir)";
  if (root.startsWith("${plugin}")) return `its own files${root.slice("${plugin}".length) || ""}`;
  if (root.startsWith("${home}") || root.startsWith("~")) return `your home folder: ${root}`;
  if (root.startsWith("${tmp}")) return `the temp folder${root.slice("${tmp}".length)}`;
  return root;
}
