import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { publishProblems, workspacePackages } from "./publish-rules.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("every workspace package is ready for a registry", () => {
  it("holds for every publishable package (fields, files, exports, manifests, dependencies)", () => {
    expect(publishProblems(root, { built: true })).toEqual([]);
  });

  it("publishes the libraries, the CLI and every built-in; examples and benchmarks stay private", () => {
    const packages = workspacePackages(root);
    const published = packages.filter((pkg) => !pkg.json.private).map((pkg) => pkg.json.name);
    expect(published).toEqual(
      expect.arrayContaining(["@pincer/cli", "@pincer/kernel", "@pincer/runtime", "@pincer/sdk", "@pincer/testing"]),
    );
    expect(packages.filter((pkg) => /^(examples|bench)/.test(pkg.dir)).every((pkg) => pkg.json.private)).toBe(true);
  });
});

describe("the publish rules", () => {
  const fake = mkdtempSync(join(tmpdir(), "pincer-publish-rules-"));
  afterAll(() => rmSync(fake, { recursive: true, force: true }));
  // A copy of this workspace's package.json files (no code), to break one rule at a time.
  for (const file of ["package.json", "pnpm-workspace.yaml", ".changeset/config.json"]) {
    cpSync(join(root, file), join(fake, file));
  }
  for (const { dir } of workspacePackages(root)) {
    for (const file of ["package.json", "README.md", "pincer.plugin.json"]) {
      try {
        cpSync(join(root, dir, file), join(fake, dir, file));
      } catch {
        // not every package has a manifest (or, for private ones, a README)
      }
    }
  }
  const edit = (dir: string, change: (json: Record<string, unknown>) => void) => {
    const file = join(fake, dir, "package.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    change(json);
    writeFileSync(file, JSON.stringify(json));
  };

  it("pass on the copy as it is", () => {
    expect(publishProblems(fake)).toEqual([]);
  });

  it("catch a new package that was added without any of it, and a new example that is not private", () => {
    mkdirSync(join(fake, "plugins/brand-new"), { recursive: true });
    writeFileSync(
      join(fake, "plugins/brand-new/package.json"),
      JSON.stringify({
        name: "@pincer/plugin-brand-new",
        version: "0.1.0",
        exports: { ".": { "@pincer/source": "./src/index.ts", default: "./lib/index.js" } },
        files: ["dist", "src"],
        dependencies: { "@pincer/testing": "workspace:*", "@pincer/bench": "workspace:*", typescript: "^7.0.0" },
      }),
    );
    writeFileSync(
      join(fake, "plugins/brand-new/pincer.plugin.json"),
      JSON.stringify({ name: "@pincer/plugin-brand-new", version: "0.0.9", main: "build/plugin.js" }),
    );
    mkdirSync(join(fake, "examples/embed"), { recursive: true });
    edit("examples/embed", (json) => {
      json.private = undefined;
    });
    const problems = publishProblems(fake).join("\n");
    for (const expected of [
      "examples/embed: examples and benchmarks are never published",
      '@pincer/plugin-brand-new (plugins/brand-new): "description" is missing',
      '"license" must be "MIT"',
      '"repository" must be { "type": "git"',
      '"engines" must say { "node": ">=24" }',
      'needs a README.md that starts with "# @pincer/plugin-brand-new"',
      '"files" ships "src"',
      'exports["."]["default"] is ./lib/index.js, which "files" does not ship',
      'exports["."] has no "types" condition',
      'add "pincer.plugin.json" to "files"',
      'its manifest\'s main build/plugin.js is not in "files"',
      "pincer.plugin.json says @pincer/plugin-brand-new@0.0.9",
      "typescript is build or test tooling",
      "depends on @pincer/bench, which is not a published package",
      "@pincer/testing is a test harness: a devDependency",
    ]) {
      expect(problems).toContain(expected);
    }
    rmSync(join(fake, "plugins/brand-new"), { recursive: true });
    edit("examples/embed", (json) => {
      json.private = true;
    });
  });

  it("catch a built-in the runtime loads that the CLI does not ship, and a package released apart", () => {
    edit("packages/cli", (json) => {
      delete (json.dependencies as Record<string, string>)["@pincer/theme-light"];
    });
    edit("packages/kernel", (json) => {
      json.version = "9.9.9";
    });
    const problems = publishProblems(fake).join("\n");
    expect(problems).toContain("the runtime loads the built-in @pincer/theme-light; the CLI must depend on it too");
    expect(problems).toContain("version 9.9.9, but the @pincer packages are released together");
  });
});
