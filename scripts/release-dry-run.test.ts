// The release, rehearsed without a registry (CI runs this): what `pnpm release:version` and
// `pnpm release:publish` (CONTRIBUTING.md) would do, on copies and tarballs. Seconds, no network.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exportTargets,
  type PackageJson,
  publishProblems,
  readPluginManifest,
  workspacePackages,
} from "./publish-rules.js";
import { packPublishable, unpack } from "./release-pack.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const changeset = join(root, "node_modules/.bin/changeset");
// Made in a hook, not at import: a run that filters every test out runs no hook, and leaves nothing.
let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "pincer-release-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const packages = workspacePackages(root);
const published = packages.filter((pkg) => !pkg.json.private);
const version = published.find((pkg) => pkg.json.name === "@pincer/cli")?.json.version;

describe("pnpm release:version", () => {
  it("plans one release for every published package together, and none for a private one", () => {
    const plan = join(scratch, "plan.json");
    // `changeset status` compares with the base branch through git; a clone without a local main
    // (a detached CI checkout) compares with HEAD instead, which reads the same changesets.
    let since: string[] = [];
    try {
      execFileSync("git", ["rev-parse", "--verify", "--quiet", "main"], { cwd: root, stdio: "ignore" });
    } catch {
      since = ["--since", "HEAD"];
    }
    execFileSync(changeset, ["status", ...since, "--output", plan], { cwd: root, stdio: "pipe" });
    const { changesets, releases } = JSON.parse(readFileSync(plan, "utf8")) as {
      changesets: unknown[];
      releases: Array<{ name: string; type: string; newVersion: string }>;
    };
    const bumped = releases.filter((release) => release.type !== "none");
    if (changesets.length === 0) {
      expect(bumped).toEqual([]);
      return;
    }
    expect(bumped.map((release) => release.name).sort()).toEqual(published.map((pkg) => pkg.json.name).sort());
    expect(new Set(bumped.map((release) => release.newVersion)).size).toBe(1);
  });

  it("bumps every package.json and every plugin manifest, and the publish rules still hold", () => {
    // A copy of the workspace's manifests and changesets (no code), versioned as a release would.
    const copy = join(scratch, "workspace");
    for (const file of ["package.json", "pnpm-workspace.yaml", ".changeset"]) {
      cpSync(join(root, file), join(copy, file), { recursive: true });
    }
    for (const { dir } of packages) {
      for (const file of ["package.json", "README.md", "pincer.plugin.json"]) {
        if (existsSync(join(root, dir, file))) cpSync(join(root, dir, file), join(copy, dir, file));
      }
    }
    // The release itself would consume the pending changesets; give it one that surely bumps.
    writeFileSync(join(copy, ".changeset/rehearsal.md"), '---\n"@pincer/kernel": minor\n---\n\nA rehearsal.\n');
    execFileSync(changeset, ["version"], { cwd: copy, stdio: "pipe" });
    execFileSync(process.execPath, [join(root, "scripts/release-manifests.ts"), copy], { stdio: "pipe" });

    const versioned = workspacePackages(copy);
    const next = versioned.find((pkg) => pkg.json.name === "@pincer/cli")?.json.version;
    expect(next).not.toBe(version);
    for (const { dir, json } of versioned) {
      const before = packages.find((pkg) => pkg.dir === dir)?.json as PackageJson;
      expect(`${json.name}@${json.version}`).toBe(`${json.name}@${json.private ? before.version : next}`);
      if (!json.private) expect(readFileSync(join(copy, dir, "CHANGELOG.md"), "utf8")).toContain(`## ${next}`);
    }
    expect(publishProblems(copy)).toEqual([]);
    expect(
      readdirSync(join(copy, ".changeset")).filter((file) => file.endsWith(".md") && file !== "README.md"),
    ).toEqual([]);
  });
});

describe("pnpm release:publish (packed, not published)", () => {
  const tarballs = new Map<string, string>();
  beforeAll(() => {
    for (const pkg of packPublishable(root, join(scratch, "tarballs"))) tarballs.set(pkg.name, pkg.tarball);
  }, 120_000);

  it.each(published.map((pkg) => [pkg.json.name, { name: pkg.json.name }] as const))(
    "%s: its tarball works without the workspace",
    (_, pkg) => {
      const dir = unpack(tarballs.get(pkg.name) as string, join(scratch, "unpacked", pkg.name));
      const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
      const files = readdirSync(dir, { recursive: true, encoding: "utf8" });

      expect(`${json.name}@${json.version}`).toBe(`${pkg.name}@${version}`);
      expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE"]));
      // Built code only: no TypeScript source, tests, fixtures or the workspace's own condition.
      expect(files.filter((file) => /(^|\/)(src|e2e|fixtures?)(\/|$)|\.test\.|\.tgz$/.test(file))).toEqual([]);
      expect(JSON.stringify(json.exports)).not.toContain("@pincer/source");
      for (const { path, target } of [
        ...exportTargets(json.exports),
        ...Object.entries(json.bin ?? {}).map(([name, target]) => ({ path: `bin.${name}`, target })),
      ]) {
        expect(existsSync(join(dir, target)), `${path} → ${target}`).toBe(true);
      }
      // Every range names a registry version: no workspace: protocol, and @pincer/* at this release.
      for (const [name, range] of Object.entries({ ...json.dependencies, ...json.peerDependencies })) {
        expect(range, name).not.toMatch(/^(workspace|link|file):/);
        if (name.startsWith("@pincer/")) expect(`${name}@${range}`).toBe(`${name}@${version}`);
      }
      const manifest = readPluginManifest(dir, ".");
      if (manifest) expect(existsSync(join(dir, manifest.main)), `manifest main ${manifest.main}`).toBe(true);
      expect(unshippedSources(dir, files)).toEqual([]);
    },
  );
});

/**
 * What the tarball's source maps name that it does not hold: a map whose file is missing, or a
 * source neither carried in the map (sourcesContent) nor shipped beside it. TypeScript source is
 * not published, so maps carry it (tsconfig's inlineSources; the CLI bundle's esbuild maps), and
 * declaration maps, which cannot, are not published.
 */
function unshippedSources(dir: string, files: string[]): string[] {
  const inside = (path: string) => !relative(dir, path).startsWith("..");
  const problems: string[] = [];
  for (const file of files.filter((name) => /\.(js|mjs|cjs|d\.[mc]?ts)$/.test(name))) {
    const text = readFileSync(join(dir, file), "utf8");
    const url = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    if (!url || url.startsWith("data:")) continue;
    const map = resolve(dir, dirname(file), url);
    if (!inside(map) || !existsSync(map)) problems.push(`${file} names the map ${url}, not in the package`);
  }
  for (const file of files.filter((name) => name.endsWith(".map"))) {
    const map = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      sourceRoot?: string;
      sources: string[];
      sourcesContent?: Array<string | null>;
    };
    map.sources.forEach((source, index) => {
      if (typeof map.sourcesContent?.[index] === "string") return;
      const path = resolve(dir, dirname(file), map.sourceRoot ?? "", source);
      if (!inside(path) || !existsSync(path)) problems.push(`${file} names ${source}, neither in the map nor shipped`);
    });
  }
  return problems;
}
