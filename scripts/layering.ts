// The layering rules of DESIGN.md, checked over every package's imports and package.json
// dependencies: dependencies point down, nothing points up. scripts/layering.test.ts runs it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build } from "esbuild";

const KERNEL = "@pincer/kernel";
const SDK = "@pincer/sdk";
const HOST = "@pincer/host";
const JOBS = "@pincer/jobs";
const MCP = "@pincer/mcp";
const HUB = "@pincer/hub";
const CLAUDE_CODE = "@pincer/claude-code";
const RUNTIME = "@pincer/runtime";
const TESTING = "@pincer/testing";

/** What each layer's code may import of Pincer (and list as a dependency). */
const BELOW: Record<string, string[]> = {
  kernel: [],
  // The sdk links to the kernel by types only (checked apart, see typeOnly).
  sdk: [KERNEL],
  host: [KERNEL, SDK],
  // Services: the job store, MCP servers as tools, the embedded Hub (which runs jobs).
  jobs: [KERNEL, SDK, HOST],
  mcp: [KERNEL, SDK, HOST],
  hub: [KERNEL, SDK, HOST, JOBS],
  "claude-code": [KERNEL, SDK, HOST],
  runtime: [KERNEL, SDK, HOST, JOBS, MCP, HUB, CLAUDE_CODE],
  cli: [KERNEL, SDK, HOST, JOBS, MCP, HUB, CLAUDE_CODE, RUNTIME],
  // Loopback servers and the plugin harness stand in for the world below the front ends.
  testing: [KERNEL, SDK, HOST, JOBS, MCP, HUB],
  plugin: [SDK],
  // An embedding program: what the CLI uses, without the CLI.
  embedder: [KERNEL, SDK, HOST, JOBS, MCP, HUB, CLAUDE_CODE, RUNTIME],
};

/**
 * The built-in plugins the runtime loads, and the CLI ships so they resolve from its bundle: named
 * as dependencies (their folders hold the manifests and bundles the host loads into isolates),
 * never imported as code, except the cassette recorder that sits beside the replay provider (and
 * by tests, which check against what the plugins ship).
 */
const PLUGIN_PACKAGES_AS_DATA = ["runtime", "cli"];
const CODE_FROM_PLUGINS: Record<string, string[]> = {
  runtime: ["@pincer/provider-replay/record"],
};

/**
 * Edges allowed by name, each for a reason:
 * - `pincer plugin test` hands Pincer's own @pincer/testing to a plugin's tests (the CLI's
 *   plugin-test-loader.ts resolves it), so the CLI ships it; no CLI code imports it.
 * - The Hugging Face provider is the OpenAI provider pointed at the HF router: its code is
 *   bundled into provider-hf's own sandbox, under provider-hf's own grants.
 */
const NAMED_EXCEPTIONS: Record<string, string[]> = {
  "@pincer/cli": ["@pincer/testing"],
  "@pincer/provider-hf": ["@pincer/provider-openai"],
};

export interface Workspace {
  /** Folder relative to the root, e.g. packages/host. */
  dir: string;
  name: string;
  layer: keyof typeof BELOW;
  dependencies: string[];
  devDependencies: string[];
}

export interface ImportEdge {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

function layerOf(dir: string, name: string): keyof typeof BELOW {
  const [group, folder] = dir.split("/");
  if (group === "plugins" || group === "themes") return "plugin";
  if (group === "examples") return name === "@pincer/example-embed" ? "embedder" : "plugin";
  if (folder && folder in BELOW) return folder as keyof typeof BELOW;
  throw new Error(`${dir}: no layer is defined for this package; add it to scripts/layering.ts`);
}

export function workspaces(root: string): Workspace[] {
  const found: Workspace[] = [];
  for (const group of ["packages", "plugins", "themes", "examples"]) {
    for (const folder of readdirSync(join(root, group))) {
      const file = join(root, group, folder, "package.json");
      if (!statSync(join(root, group, folder)).isDirectory()) continue;
      let json: { name: string; dependencies?: object; peerDependencies?: object; devDependencies?: object };
      try {
        json = JSON.parse(readFileSync(file, "utf8"));
      } catch {
        continue; // examples/ml-intern: data, not a package
      }
      const dir = `${group}/${folder}`;
      found.push({
        dir,
        name: json.name,
        layer: layerOf(dir, json.name),
        dependencies: Object.keys({ ...json.dependencies, ...json.peerDependencies }),
        devDependencies: Object.keys(json.devDependencies ?? {}),
      });
    }
  }
  return found;
}

/** Test code: tests, fixtures, test helpers (the CLI's e2e folder, a plugin's test/ folder). */
export function isTestFile(path: string): boolean {
  return /\.(test|fixture)\.tsx?$/.test(path) || /(^|\/)(fixtures|test|e2e)\//.test(path);
}

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(join(root, at))) {
      if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
      const path = `${at}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/**
 * Every import of the given files: value imports as esbuild sees them (static, dynamic with a
 * literal, require), with `import type` statements added from the source, which compile to nothing.
 */
export async function importsOf(root: string, files: string[]): Promise<ImportEdge[]> {
  const edges: ImportEdge[] = [];
  await build({
    absWorkingDir: root,
    entryPoints: files,
    bundle: true,
    write: false,
    outdir: "layering-out",
    platform: "node",
    format: "esm",
    logLevel: "silent",
    // Keep imports used only as types when not marked so: they are edges too.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, jsx: "react-jsx" } },
    plugins: [
      {
        name: "record-imports",
        setup(on) {
          on.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === "entry-point") return undefined;
            edges.push({ file: relative(root, args.importer), specifier: args.path, typeOnly: false });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const typeImport = /^\s*(?:import|export)\s+type\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
  for (const file of files) {
    for (const match of readFileSync(join(root, file), "utf8").matchAll(typeImport)) {
      edges.push({ file, specifier: match[1]!, typeOnly: true });
    }
  }
  return edges;
}

const packageName = (specifier: string) => specifier.split("/").slice(0, 2).join("/");

/** Every edge that points the wrong way, in words naming the file and the rule. */
export async function layeringViolations(root: string): Promise<string[]> {
  const all = workspaces(root);
  const byName = new Map(all.map((workspace) => [workspace.name, workspace]));
  const problems: string[] = [];
  for (const workspace of all) {
    const below = BELOW[workspace.layer]!;
    const asData = PLUGIN_PACKAGES_AS_DATA.includes(workspace.layer);
    const isPluginPackage = (name: string) => byName.get(name)?.layer === "plugin";
    const excepted = NAMED_EXCEPTIONS[workspace.name] ?? [];
    for (const dependency of workspace.dependencies.filter((name) => name.startsWith("@pincer/"))) {
      if (excepted.includes(dependency)) continue;
      if (dependency === TESTING) {
        problems.push(
          `${workspace.dir}/package.json: @pincer/testing is a runtime dependency (only ever a devDependency)`,
        );
      } else if (!below.includes(dependency) && !(asData && isPluginPackage(dependency))) {
        problems.push(`${workspace.dir}/package.json: depends on ${dependency}, which ${workspace.layer} may not use`);
      }
    }
    for (const dependency of workspace.devDependencies.filter((name) => name.startsWith("@pincer/"))) {
      if (dependency !== TESTING && !below.includes(dependency) && !(asData && isPluginPackage(dependency))) {
        problems.push(
          `${workspace.dir}/package.json: dev-depends on ${dependency}, which ${workspace.layer} may not use`,
        );
      }
    }
    const files = sourceFiles(root, workspace.dir);
    for (const edge of await importsOf(root, files)) {
      const test = isTestFile(edge.file);
      if (edge.specifier.startsWith(".")) {
        const target = resolve(root, dirname(edge.file), edge.specifier);
        if (!`${target}${sep}`.startsWith(`${resolve(root, workspace.dir)}${sep}`)) {
          problems.push(`${edge.file}: imports ${edge.specifier}, a file of another package (import it by name)`);
        }
        continue;
      }
      if (!edge.specifier.startsWith("@pincer/")) continue;
      const target = packageName(edge.specifier);
      if (target === workspace.name) continue;
      if (workspace.layer === "sdk" && target === KERNEL && !edge.typeOnly) {
        problems.push(`${edge.file}: imports a value from ${KERNEL}; the sdk links to the kernel by types only`);
        continue;
      }
      if (below.includes(target)) continue;
      if (test && target === TESTING) continue;
      // The runtime's and the CLI's tests may check against what the built-in plugins ship (their catalogues).
      if (test && asData && isPluginPackage(target)) continue;
      if (CODE_FROM_PLUGINS[workspace.layer]?.includes(edge.specifier)) continue;
      if (excepted.includes(target) && !(target === TESTING && !test)) continue;
      const what = test ? "a test of" : "";
      problems.push(
        `${edge.file}: imports ${edge.specifier}, which ${what ? `${what} ` : ""}${workspace.layer} may not use (allowed: ${[...below, ...(test ? [TESTING] : [])].join(", ") || "nothing of Pincer"})`,
      );
    }
  }
  return problems;
}
