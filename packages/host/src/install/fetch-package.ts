import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { integrityMatches, sha512 } from "./integrity.js";
import type { PluginSource } from "./lockfile.js";
import { type NpmConfigContext, registryFor } from "./npm-config.js";

export type PackageSpec =
  | { type: "registry"; name: string; range: string }
  | { type: "tarball"; path: string }
  | { type: "directory"; path: string };

export interface FetchedPackage {
  tarball: Uint8Array;
  /** sha512 SRI of the tarball, verified against the registry's when there is one. */
  integrity: string;
  source: PluginSource;
}

export interface FetchContext extends NpmConfigContext {
  fetch?: typeof fetch;
  onProgress?: (line: string) => void;
}

/** `./x`, `/abs/x` and `~/x` are paths; `*.tgz` a tarball; anything else an npm spec (`@a/b@^1`). */
export function parseSpec(spec: string, cwd: string): PackageSpec {
  const looksLikePath = /^(\.{1,2}(\/|$)|\/|~\/)/.test(spec) || spec.endsWith(".tgz") || spec.endsWith(".tar.gz");
  if (looksLikePath) {
    const path = resolve(cwd, spec.replace(/^~(?=\/)/, process.env.HOME ?? "~"));
    if (!existsSync(path)) throw new Error(`${spec}: no such file or folder (looked at ${path}).`);
    return statSync(path).isDirectory() ? { type: "directory", path } : { type: "tarball", path };
  }
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  const name = at > 0 ? spec.slice(0, at) : spec;
  const range = at > 0 ? spec.slice(at + 1) : "latest";
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name)) {
    throw new Error(`"${spec}" is neither a path nor an npm package name (like @someone/pincer-plugin-x@^1.0.0).`);
  }
  return { type: "registry", name, range };
}

export async function fetchPackage(spec: PackageSpec, context: FetchContext): Promise<FetchedPackage> {
  switch (spec.type) {
    case "tarball": {
      const tarball = readFileSync(spec.path);
      return { tarball, integrity: sha512(tarball), source: { type: "tarball", path: spec.path } };
    }
    case "directory":
      return { ...(await packDirectory(spec.path)), source: { type: "directory", path: spec.path } };
    case "registry":
      return fetchFromRegistry(spec, context);
  }
}

interface Packument {
  "dist-tags"?: Record<string, string>;
  versions?: Record<string, { dist?: { tarball?: string; integrity?: string } }>;
}

async function fetchFromRegistry(
  spec: Extract<PackageSpec, { type: "registry" }>,
  context: FetchContext,
): Promise<FetchedPackage> {
  const access = registryFor(spec.name, context);
  const doFetch = context.fetch ?? fetch;
  const headers: Record<string, string> = { accept: "application/vnd.npm.install-v1+json; q=1.0, application/json" };
  if (access.token) headers.authorization = `Bearer ${access.token}`;
  const packumentUrl = `${access.url}${spec.name.replace("/", "%2f")}`;
  context.onProgress?.(`Resolving ${spec.name}@${spec.range} from ${access.url}`);
  const response = await request(doFetch, packumentUrl, headers, access.url);
  if (response.status === 404) {
    throw new Error(
      `${spec.name} is not in the registry ${access.url}. Check the name, or pass --registry <url> (or set it in .npmrc).`,
    );
  }
  if (!response.ok) throw new Error(`The registry ${access.url} answered ${response.status} for ${spec.name}.`);
  const packument = (await response.json()) as Packument;
  const versions = Object.keys(packument.versions ?? {});
  const version =
    packument["dist-tags"]?.[spec.range] ?? semver.maxSatisfying(versions, spec.range, { includePrerelease: false });
  if (!version || !packument.versions?.[version]) {
    throw new Error(
      `No version of ${spec.name} matches "${spec.range}" in ${access.url}. Published: ${versions.join(", ") || "none"}.`,
    );
  }
  const dist = packument.versions[version].dist;
  if (!dist?.tarball || !dist.integrity?.includes("sha512-")) {
    throw new Error(
      `${spec.name}@${version} has no sha512 integrity in the registry, so Pincer cannot verify it. Ask its author to republish with a current npm.`,
    );
  }
  context.onProgress?.(`Downloading ${spec.name}@${version}`);
  // The token goes only to the registry it belongs to, never to a tarball host elsewhere.
  const tarballHeaders: Record<string, string> = dist.tarball.startsWith(access.url) ? headers : {};
  const download = await request(doFetch, dist.tarball, tarballHeaders, access.url);
  if (!download.ok) throw new Error(`Downloading ${dist.tarball} failed: ${download.status}.`);
  const tarball = new Uint8Array(await download.arrayBuffer());
  if (!integrityMatches(tarball, dist.integrity)) {
    throw new Error(
      `${spec.name}@${version}: the downloaded tarball does not match the registry's integrity (${dist.integrity.slice(0, 20)}…). Nothing was installed. The package or a proxy may have been tampered with.`,
    );
  }
  return {
    tarball,
    integrity: sha512(tarball),
    source: { type: "registry", spec: `${spec.name}@${spec.range}`, registry: access.url },
  };
}

async function request(doFetch: typeof fetch, url: string, headers: Record<string, string>, registry: string) {
  try {
    return await doFetch(url, { headers });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `Cannot reach ${registry} (${cause?.code ?? cause?.message ?? (error as Error).message}). Check the connection, or pass --registry <url>.`,
    );
  }
}

const run = promisify(execFile);

/**
 * A folder is installed as what `npm publish` would send: `npm pack` decides the files
 * (`files`, .npmignore). Scripts stay off: installing must not run the plugin's code outside
 * the sandbox.
 */
async function packDirectory(dir: string): Promise<{ tarball: Uint8Array; integrity: string }> {
  const out = mkdtempSync(join(tmpdir(), "pincer-pack-"));
  try {
    const file = await npmPack(dir, out);
    const tarball = readFileSync(file);
    return { tarball, integrity: sha512(tarball) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs `npm pack` without scripts; returns the tarball's path. */
export async function npmPack(dir: string, destination: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`npm pack failed in ${dir}: ${stderr || (error as Error).message}`);
  }
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack in ${dir} produced no tarball.`);
  return isAbsolute(packed.filename)
    ? packed.filename
    : join(destination, packed.filename.replace(/^@/, "").replace("/", "-"));
}
