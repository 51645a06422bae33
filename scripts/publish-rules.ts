// What every publishable workspace package must satisfy before it goes to a registry, checked over
// whatever packages exist (a new one cannot slip through): scripts/publish-rules.test.ts runs it on
// the package.json files, scripts/release-dry-run.test.ts on the packed tarballs.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  exports?: unknown;
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface WorkspacePackage {
  /** Folder relative to the root, e.g. packages/host. */
  dir: string;
  json: PackageJson;
}

/** Pincer's own export condition: TypeScript source, for the workspace's tests and type checks only. */
export const SOURCE_CONDITION = "@pincer/source";

/**
 * Run-time dependencies no published package may have: build, test and type tooling. A package
 * that needs one of these at run time is mistaken about what it ships.
 */
const DEV_ONLY = [
  /^@types\//,
  /^typescript$/,
  /^vitest$/,
  /^tsx$/,
  /^@biomejs\//,
  /^@changesets\//,
  /^verdaccio$/,
  /^@modelcontextprotocol\/server-everything$/,
];

/**
 * @pincer/testing is a test harness, a dependency of nothing at run time, with one exception: the
 * CLI ships it because `pincer plugin test` hands it to a plugin's tests (plugin-test-loader.ts),
 * so a plugin folder runs its tests before, or without, any npm install (CONTRIBUTING.md).
 */
const TESTING_SHIPPED_BY = new Set(["@pincer/cli"]);

/** The workspace's packages, from pnpm-workspace.yaml (`group/*` and literal folders). */
export function workspacePackages(root: string): WorkspacePackage[] {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const section = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? "";
  const patterns = [...section.matchAll(/^\s*-\s*["']?([^"'\s#]+)["']?\s*$/gm)].map((match) => match[1] as string);
  const dirs = patterns.flatMap((pattern) => {
    if (pattern.endsWith("/*")) {
      const group = pattern.slice(0, -2);
      return readdirSync(join(root, group))
        .map((folder) => `${group}/${folder}`)
        .filter((dir) => statSync(join(root, dir)).isDirectory());
    }
    if (/[*?{[]/.test(pattern))
      throw new Error(`pnpm-workspace.yaml: "${pattern}" is a glob publish-rules.ts can't read`);
    return [pattern];
  });
  return dirs
    .filter((dir) => existsSync(join(root, dir, "package.json")))
    .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as PackageJson }));
}

/** Every file an exports map points at, under the conditions a consumer resolves (never @pincer/source). */
export function exportTargets(exports: unknown, path = "exports"): Array<{ path: string; target: string }> {
  if (typeof exports === "string") return [{ path, target: exports }];
  if (!exports || typeof exports !== "object") return [];
  return Object.entries(exports).flatMap(([key, value]) =>
    key === SOURCE_CONDITION ? [] : exportTargets(value, `${path}[${JSON.stringify(key)}]`),
  );
}

/** A plugin package's manifest, when it has one. */
export function readPluginManifest(
  root: string,
  dir: string,
): { name: string; version: string; main: string; engines?: { pincer?: string } } | undefined {
  const file = join(root, dir, "pincer.plugin.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/**
 * Problems with the workspace's package.json files, one line each; [] when every package is
 * ready. `built` also checks that the files exports and bins name exist (after `pnpm build`).
 */
export function publishProblems(root: string, options: { built?: boolean } = {}): string[] {
  const problems: string[] = [];
  const rootJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;
  const packages = workspacePackages(root);
  const publishable = packages.filter((pkg) => !pkg.json.private);
  const publishableNames = new Set(publishable.map((pkg) => pkg.json.name));
  const cli = publishable.find((pkg) => pkg.json.name === "@pincer/cli");
  if (!cli) problems.push("@pincer/cli is not a publishable workspace package");

  for (const { dir, json } of packages) {
    if (json.private) continue;
    if (/^(examples|bench)(\/|$)/.test(dir)) {
      problems.push(`${dir}: examples and benchmarks are never published; mark it "private": true`);
    }
  }

  for (const { dir, json } of publishable) {
    const say = (problem: string) => problems.push(`${json.name} (${dir}): ${problem}`);
    if (!json.name.startsWith("@pincer/")) say("a published package is named @pincer/<name>");
    if (cli && json.version !== cli.json.version) {
      say(`version ${json.version}, but the @pincer packages are released together at ${cli.json.version}`);
    }
    if (!json.description) say('"description" is missing');
    if (json.license !== "MIT") say('"license" must be "MIT" (the repository\'s LICENSE)');
    if (
      json.repository?.type !== "git" ||
      json.repository.url !== rootJson.repository?.url ||
      json.repository.directory !== dir
    ) {
      say(`"repository" must be { "type": "git", "url": "${rootJson.repository?.url}", "directory": "${dir}" }`);
    }
    if (json.engines?.node !== ">=24") say('"engines" must say { "node": ">=24" }');
    const readme = join(root, dir, "README.md");
    if (!existsSync(readme) || !readFileSync(readme, "utf8").startsWith(`# ${json.name}\n`)) {
      say(`needs a README.md that starts with "# ${json.name}"`);
    }

    const files = json.files ?? [];
    if (!files.includes("dist")) say('"files" must list "dist" (what runs is built, never src)');
    for (const entry of files) {
      if (/^src(\/|$)/.test(entry)) say(`"files" ships "${entry}": a tarball carries dist, not src`);
    }
    const shipped = (target: string) =>
      files.some((entry) => !entry.startsWith("!") && (target === entry || target.startsWith(`${entry}/`)));
    const targets = [
      ...exportTargets(json.exports),
      ...Object.entries(json.bin ?? {}).map(([name, target]) => ({ path: `bin.${name}`, target })),
    ];
    if (!json.exports) say('"exports" is missing');
    for (const { path, target } of targets) {
      const file = target.replace(/^\.\//, "");
      if (file === "package.json") continue;
      if (!shipped(file)) say(`${path} is ${target}, which "files" does not ship`);
      else if (options.built && !existsSync(join(root, dir, file)))
        say(`${path} is ${target}, which the build did not make`);
    }
    for (const [key, value] of Object.entries((json.exports ?? {}) as Record<string, unknown>)) {
      const conditions = value && typeof value === "object" ? Object.keys(value) : [];
      if (conditions.includes(SOURCE_CONDITION) && !/\.json$/.test(key) && !conditions.includes("types")) {
        say(`exports["${key}"] has no "types" condition`);
      }
    }

    const manifest = readPluginManifest(root, dir);
    if (manifest) {
      if (!files.includes("pincer.plugin.json"))
        say('a plugin ships its manifest: add "pincer.plugin.json" to "files"');
      if (!shipped(manifest.main)) say(`its manifest's main ${manifest.main} is not in "files"`);
      if (manifest.name !== json.name || manifest.version !== json.version) {
        say(
          `pincer.plugin.json says ${manifest.name}@${manifest.version}, package.json ${json.name}@${json.version} (pnpm release:version keeps them equal)`,
        );
      }
      if (manifest.engines?.pincer !== `^${json.version}`) {
        say(`pincer.plugin.json's engines.pincer is ${manifest.engines?.pincer}, not ^${json.version}`);
      }
    }

    // What installs with it: dependencies, and the peers it does not mark optional.
    const peers = Object.keys(json.peerDependencies ?? {}).filter(
      (peer) => !json.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const dependency of [...Object.keys(json.dependencies ?? {}), ...peers]) {
      if (DEV_ONLY.some((pattern) => pattern.test(dependency))) {
        say(`${dependency} is build or test tooling: a devDependency, not a run-time dependency`);
      }
      if (dependency.startsWith("@pincer/") && !publishableNames.has(dependency)) {
        say(`depends on ${dependency}, which is not a published package`);
      }
      if (dependency === "@pincer/testing" && !TESTING_SHIPPED_BY.has(json.name)) {
        say("@pincer/testing is a test harness: a devDependency (only the CLI ships it, for pincer plugin test)");
      }
    }
  }

  // Changesets releases the published packages together and leaves the private ones alone.
  const changesets = JSON.parse(readFileSync(join(root, ".changeset/config.json"), "utf8")) as {
    fixed?: string[][];
    ignore?: string[];
  };
  const matches = (patterns: string[] | undefined, name: string) =>
    (patterns ?? []).some((pattern) => globToRegExp(pattern).test(name));
  for (const { dir, json } of packages) {
    if (json.private && !matches(changesets.ignore, json.name)) {
      problems.push(`${json.name} (${dir}): private, so .changeset/config.json must list it under "ignore"`);
    }
    if (!json.private && !matches(changesets.fixed?.[0], json.name)) {
      problems.push(`${json.name} (${dir}): not in .changeset/config.json's fixed group (released together)`);
    }
  }

  // The CLI's bundle contains the runtime and resolves the built-in plugins' folders from its own
  // package: under pnpm's strict node_modules it finds only its direct dependencies.
  const runtime = publishable.find((pkg) => pkg.json.name === "@pincer/runtime");
  for (const name of Object.keys(runtime?.json.dependencies ?? {})) {
    const plugin = publishable.find((pkg) => pkg.json.name === name);
    if (plugin && readPluginManifest(root, plugin.dir) && !cli?.json.dependencies?.[name]) {
      problems.push(`@pincer/cli: the runtime loads the built-in ${name}; the CLI must depend on it too`);
    }
  }
  return problems;
}

/** A changesets package glob (`@pincer/*`) as a regular expression. */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^$()|[\]\\{}]/g, "\\$&").replace(/\*/g, ".*")}$`);
}
