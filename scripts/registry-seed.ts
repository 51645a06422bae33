// What a loopback registry needs besides Pincer's own tarballs: it has no uplinks (tests never
// reach the public registry), so every third-party package an install asks for is published to it
// first, packed from the copy this workspace installed. Used by scripts/registry-install.test.ts.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface InstalledPackage {
  name: string;
  version: string;
  /** The installed folder (real path, in node_modules/.pnpm). */
  dir: string;
}

/** The folder `name` resolves to from `from`, as Node's resolution walks node_modules upwards. */
function resolvePackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Every package the given folders' dependencies pull in, transitively: dependencies, the optional
 * ones installed for this platform, and non-optional peers. `own(name)` marks the packages the
 * test publishes itself (Pincer's), which are walked through but not returned.
 */
export function dependencyClosure(
  roots: Array<{ dir: string; names: string[] }>,
  own: (name: string) => boolean,
): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const queue = roots.flatMap(({ dir, names }) => names.map((name) => ({ name, from: dir })));
  const walked = new Set<string>();
  while (queue.length > 0) {
    const { name, from } = queue.pop() as { name: string; from: string };
    const dir = resolvePackage(name, from);
    if (!dir || walked.has(dir)) continue; // an optional dependency for another platform, or seen
    walked.add(dir);
    const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (!own(name)) found.set(`${json.name}@${json.version}`, { name: json.name, version: json.version, dir });
    const peers = Object.keys(json.peerDependencies ?? {}).filter(
      (peer) => !json.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const next of [
      ...Object.keys(json.dependencies ?? {}),
      ...Object.keys(json.optionalDependencies ?? {}),
      ...peers,
    ]) {
      queue.push({ name: next, from: dir });
    }
  }
  return [...found.values()];
}

/**
 * A tarball of an installed package folder, in npm's layout (package/…), without node_modules;
 * kept in `cache` by name and version, so only the first run on a machine packs (gzip -1: seconds).
 */
export async function packFolder(pkg: InstalledPackage, cache: string): Promise<string> {
  const tarball = join(cache, `${pkg.name.replace("/", "+")}@${pkg.version}.tgz`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(cache, { recursive: true });
  const partial = `${tarball}.${process.pid}.partial`;
  await run("tar", [
    "--use-compress-program=gzip -1",
    "-cf",
    partial,
    "-C",
    pkg.dir,
    "--exclude=node_modules",
    "--exclude=*.tgz",
    "--transform=s,^\\.,package,",
    ".",
  ]);
  renameSync(partial, tarball);
  return tarball;
}

/** Publishes a tarball with its package.json, as `npm publish` does (one PUT of the packument). */
export async function publishTarball(
  registry: { url: string; token: string },
  tarball: string,
  manifest: { name: string; version: string } & Record<string, unknown>,
): Promise<void> {
  const data = readFileSync(tarball);
  const file = `${manifest.name}-${manifest.version}.tgz`;
  const response = await fetch(`${registry.url}${manifest.name.replace("/", "%2f")}`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${registry.token}` },
    body: JSON.stringify({
      _id: manifest.name,
      name: manifest.name,
      "dist-tags": { latest: manifest.version },
      versions: {
        [manifest.version]: {
          // As published, install scripts included: they are what npm and pnpm decide to run or not.
          ...manifest,
          _id: `${manifest.name}@${manifest.version}`,
          dist: {
            integrity: `sha512-${createHash("sha512").update(data).digest("base64")}`,
            shasum: createHash("sha1").update(data).digest("hex"),
            tarball: `${registry.url}${manifest.name}/-/${file.replace(/^@[^/]+\//, "")}`,
          },
        },
      },
      _attachments: {
        [file]: { content_type: "application/octet-stream", data: data.toString("base64"), length: data.length },
      },
    }),
  });
  if (!response.ok)
    throw new Error(`publishing ${manifest.name}@${manifest.version}: ${response.status} ${await response.text()}`);
}

/**
 * Publishes Pincer's packed tarballs and every third-party package `roots` pull in (packed from
 * this workspace's install) to `registry`; returns how many third-party versions it published.
 */
export async function seedRegistry(
  registry: { url: string; token: string },
  options: { packed: Array<{ tarball: string }>; roots: Array<{ dir: string; names: string[] }>; cache: string },
): Promise<number> {
  const own = new Set<string>();
  const uploads: Array<{ tarball: string; manifest: { name: string; version: string } }> = [];
  for (const { tarball } of options.packed) {
    // The packed manifest: versions, not workspace: ranges.
    const { stdout } = await run("tar", ["-xzOf", tarball, "package/package.json"]);
    const manifest = JSON.parse(stdout);
    own.add(manifest.name);
    uploads.push({ tarball, manifest });
  }
  const pending = dependencyClosure(options.roots, (name) => own.has(name));
  const count = pending.length;
  await inParallel(4, async () => {
    for (let pkg = pending.pop(); pkg; pkg = pending.pop()) {
      const tarball = await packFolder(pkg, options.cache);
      uploads.push({ tarball, manifest: JSON.parse(readFileSync(join(pkg.dir, "package.json"), "utf8")) });
    }
  });
  // A packument is one document per name: its versions one after another, lowest first, so that
  // `latest` ends on the highest.
  const byName = [...Map.groupBy(uploads, (upload) => upload.manifest.name).values()];
  await inParallel(8, async () => {
    for (let versions = byName.pop(); versions; versions = byName.pop()) {
      versions.sort((a, b) => a.manifest.version.localeCompare(b.manifest.version, "en", { numeric: true }));
      for (const { tarball, manifest } of versions) await publishTarball(registry, tarball, manifest);
    }
  });
  return count;
}

async function inParallel(workers: number, work: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, work));
}
