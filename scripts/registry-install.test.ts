// Pincer as a user gets it from a registry: every published package goes to a loopback npm
// registry (Verdaccio, no uplinks, so never the public one), then in empty folders outside this
// repository, with a clean HOME and no install scripts approved anywhere: `npm i -g @pincer/cli`,
// `pnpm add -g @pincer/cli`, an offline turn, a plugin written, type-checked against the published
// SDK, tested and packed, and the embedding example installed and run.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { probeBwrap } from "@pincer/host";
import { type LocalRegistry, startLocalRegistry } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspacePackages } from "./publish-rules.js";
import { seedRegistry } from "./registry-seed.js";
import { packPublishable } from "./release-pack.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
// Made in beforeAll, not at import: a run that filters every test out runs no hook, and leaves nothing.
let scratch = "";
const published = workspacePackages(root).filter((pkg) => !pkg.json.private);
const version = published.find((pkg) => pkg.json.name === "@pincer/cli")?.json.version as string;
const DEMO_PROMPT =
  "Create fizzbuzz.js exporting fizzbuzz(n) (an array of strings for 1..n) and fizzbuzz.test.js that checks 1..15 with node:assert. Run the test and fix whatever fails.";

/** The folder on PATH that holds `command` (npm, pnpm: the user's own). */
function onPath(command: string): string {
  const dir = (process.env.PATH ?? "").split(delimiter).find((entry) => existsSync(join(entry, command)));
  if (!dir) throw new Error(`${command} is not on PATH`);
  return dir;
}

// The quick form (CI) installs the CLI with npm and builds a plugin against the published SDK;
// PINCER_REGISTRY_E2E=full adds `pnpm add -g` and the embedding example (minutes more).
const full = process.env.PINCER_REGISTRY_E2E === "full";
// A machine without bubblewrap runs the demo's commands only when told to (as the README says).
const UNCONFINED = probeBwrap().ok ? [] : ["--dangerously-run-unconfined"];
let registry: LocalRegistry;
let seeded = "";
beforeAll(async () => {
  const started = Date.now();
  scratch = mkdtempSync(join(tmpdir(), "pincer-registry-e2e-"));
  const packed = packPublishable(root, join(scratch, "pincer"));
  registry = await startLocalRegistry();
  const count = await seedRegistry(registry, {
    packed,
    // Third-party packages: what Pincer's packages depend on, and what the plugin template lists
    // for an editor (typescript, @types/node), from this workspace's install.
    roots: [
      ...published.map((pkg) => ({ dir: join(root, pkg.dir), names: Object.keys(pkg.json.dependencies ?? {}) })),
      { dir: root, names: ["typescript", "@types/node"] },
    ],
    cache: join(root, "node_modules/.cache/pincer-registry-seed"),
  });
  seeded = `${packed.length} Pincer packages and ${count} others published in ${(Date.now() - started) / 1000} s`;
}, 300_000);
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  await registry?.close();
}, 300_000);

/** A user's machine: a fresh HOME, the registry, Node 24 and the package managers, nothing else. */
function machine(name: string) {
  const home = join(scratch, name, "home");
  const work = join(scratch, name, "work");
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    PATH: [dirname(process.execPath), onPath("npm"), onPath("pnpm"), "/usr/bin", "/bin"].join(delimiter),
    NO_COLOR: "1",
    npm_config_registry: registry.url,
    // One npm cache for every "machine": a tarball fetched once is not fetched again (speed only).
    npm_config_cache: join(scratch, "npm-cache"),
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...(process.env.PINCER_BWRAP ? { PINCER_BWRAP: process.env.PINCER_BWRAP } : {}),
  };
  const exec = async (file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    try {
      return await run(file, args, {
        cwd: options.cwd ?? work,
        env: { ...env, ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`${file} ${args.join(" ")} failed:\n${stderr}\n${stdout}`);
    }
  };
  return { home, work, env, exec };
}

describe("Pincer installed from a registry", { timeout: 300_000 }, () => {
  it("publishes every package and what they depend on", () => {
    expect(published.length).toBeGreaterThan(10);
    console.log(`registry e2e: ${seeded}`);
  });

  it("npm i -g @pincer/cli: the CLI, its built-ins and an offline turn, with no install script approved", async () => {
    const user = machine("npm-global");
    const prefix = join(user.home, "npm-global");
    // npm 11 runs no dependency's install script unless allowed (it warns, naming esbuild and
    // isolated-vm); an older npm would run them. Refuse them outright: none may be needed.
    const install = await user.exec("npm", ["install", "--global", "--prefix", prefix, "@pincer/cli"], {
      env: { npm_config_ignore_scripts: "true" },
    });
    console.log(`npm install -g:\n${install.stdout}${install.stderr}`);
    npmPincer = join(prefix, "bin/pincer");
    await usesTheCli(user, npmPincer);
    // isolated-vm was not compiled (no build folder: its prebuilt binary is what loaded).
    expect(existsSync(join(prefix, "lib/node_modules/@pincer/cli/node_modules/isolated-vm/build"))).toBe(false);
  });

  it.runIf(full)(
    "pnpm add -g @pincer/cli: the same, under pnpm's strict node_modules and its blocked build scripts",
    async () => {
      const user = machine("pnpm-global");
      const pnpmHome = join(user.home, "pnpm");
      const env = {
        PNPM_HOME: pnpmHome,
        PATH: `${pnpmHome}${delimiter}${user.env.PATH}`,
        npm_config_store_dir: join(user.home, "store"),
      };
      const install = await user.exec("pnpm", ["add", "--global", "@pincer/cli"], { env });
      console.log(`pnpm add -g:\n${install.stdout}${install.stderr}`);
      await usesTheCli(
        { ...user, exec: (file, args, options = {}) => user.exec(file, args, { ...options, env }) },
        join(pnpmHome, "pincer"),
      );
    },
  );

  it("a plugin from pincer plugin new type-checks against the published SDK, tests and packs", async () => {
    const user = machine("plugin-author");
    const pincer = (args: string[], cwd = user.work) => user.exec(npmPincer, args, { cwd });
    await pincer(["plugin", "new", "word-tally", "--kind", "tool"]);
    const plugin = join(user.work, "word-tally");
    // Its tests run before any npm install: the CLI hands them its own @pincer/testing.
    expect((await pincer(["plugin", "test"], plugin)).stdout).toMatch(/\bfail 0\b/);

    await user.exec("npm", ["install"], { cwd: plugin });
    const sdk = JSON.parse(readFileSync(join(plugin, "node_modules/@pincer/sdk/package.json"), "utf8"));
    expect(sdk.version).toBe(version);
    await user.exec("npm", ["run", "typecheck"], { cwd: plugin });
    const tested = await pincer(["plugin", "test"], plugin);
    expect(tested.stdout).toMatch(/\bpass [1-9]/);
    expect(tested.stdout).toMatch(/\bfail 0\b/);
    await pincer(["plugin", "pack"], plugin);
    expect(existsSync(join(plugin, "word-tally-0.1.0.tgz"))).toBe(true);
  });

  it.runIf(full)(
    "examples/embed, installed from the registry in a folder of its own, runs the kernel and a full session",
    async () => {
      const user = machine("embedder");
      const app = join(user.work, "embed");
      cpSync(join(root, "examples/embed/src"), join(app, "src"), { recursive: true });
      const example = JSON.parse(readFileSync(join(root, "examples/embed/package.json"), "utf8"));
      const dependencies = Object.fromEntries(Object.keys(example.dependencies).map((name) => [name, `^${version}`]));
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "embed", private: true, type: "module", dependencies }),
      );
      await user.exec("npm", ["install"], { cwd: app });

      const kernel = await user.exec(process.execPath, ["src/main.ts"], { cwd: app });
      expect(kernel.stdout).toContain("In Tokyo it is");
      const project = join(user.work, "project");
      mkdirSync(project);
      allowTheDemo(user.home);
      const session = await user.exec(
        process.execPath,
        [join(app, "src/session.ts"), DEMO_PROMPT, "--model", "replay/coding-demo"],
        { cwd: project },
      );
      expect(session.stdout).toContain("All tests pass.");
    },
  );
});

let npmPincer = "";

/** The user's settings allow what the recorded demo does (write, edit, run its test). */
function allowTheDemo(home: string): void {
  mkdirSync(join(home, ".pincer"), { recursive: true });
  writeFileSync(
    join(home, ".pincer/config.json"),
    JSON.stringify({
      permissions: { defaultMode: "acceptEdits", allow: ["bash(node fizzbuzz.test.js)"] },
      ...(UNCONFINED.length ? { sandbox: { os: "off" } } : {}),
    }),
  );
}

/** --version, the README's `pincer demo`, the built-ins `plugin list` shows, and an offline -p turn. */
async function usesTheCli(user: ReturnType<typeof machine>, pincer: string): Promise<void> {
  expect((await user.exec(pincer, ["--version"])).stdout).toContain(version);
  expect((await user.exec(pincer, ["demo", ...UNCONFINED])).stdout).toContain("demo finished");
  const plugins = (await user.exec(pincer, ["plugin", "list"])).stdout;
  for (const builtIn of ["@pincer/plugin-core-tools", "@pincer/provider-replay", "@pincer/theme-dark"]) {
    expect(plugins).toContain(builtIn);
  }
  const project = join(user.work, "fizzbuzz");
  mkdirSync(project);
  const turn = await user.exec(
    pincer,
    [
      "-p",
      DEMO_PROMPT,
      "--model",
      "replay/coding-demo",
      "--permission-mode",
      "acceptEdits",
      "--allowedTools",
      "bash(node fizzbuzz.test.js)",
      ...UNCONFINED,
    ],
    { cwd: project },
  );
  expect(turn.stdout).toContain("All tests pass.");
  expect(readFileSync(join(project, "fizzbuzz.js"), "utf8")).toContain("15");
}
