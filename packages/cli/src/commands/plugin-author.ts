import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { PluginRegistry, readManifest, sha512 } from "@pincer/host";
import { bundleForSandbox, bundlePluginMain, DevLink, npmPack } from "@pincer/host/install";
import { UsageError } from "@pincer/runtime";
import type { PluginManifest } from "@pincer/sdk";
import { createStyle } from "../output/style.js";
import { PACKAGE_ROOT } from "../package-root.js";
import { askConsent, type ManageOptions } from "./plugin-manage.js";

const style = createStyle(process.stderr);
const SOURCE_ENTRIES = ["src/index.ts", "src/index.mts", "src/index.js", "src/index.mjs"];

/**
 * Builds a plugin folder: its source entry into the manifest's main (one self-contained ESM
 * file), then starts it in a real isolate to check it defines exactly what the manifest lists.
 */
export async function buildPlugin(dir: string): Promise<{ manifest: PluginManifest; ms: number; bytes: number }> {
  const started = performance.now();
  const manifest = readManifest(dir);
  const source = SOURCE_ENTRIES.map((entry) => join(dir, entry)).find((file) => existsSync(file));
  const main = join(dir, manifest.main);
  if (source) {
    const code = await bundlePluginMain(source, manifest.name);
    mkdirSync(dirname(main), { recursive: true });
    writeFileSync(main, code);
  } else if (!existsSync(main)) {
    throw new UsageError(
      `${dir} has neither a source entry (${SOURCE_ENTRIES.join(", ")}) nor the main ${manifest.main}.`,
    );
  }
  await checkContributions(dir, manifest);
  return { manifest, ms: performance.now() - started, bytes: statSync(main).size };
}

async function checkContributions(dir: string, manifest: PluginManifest): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "pincer-check-"));
  const registry = new PluginRegistry({ cwd: scratch, env: {} });
  try {
    const bundleFile = join(scratch, "bundle.js");
    writeFileSync(bundleFile, await bundleForSandbox(join(dir, manifest.main), manifest.name));
    registry.add(dir, { bundleFile });
    const listed = manifest.contributes.tools ?? [];
    if (listed.length) {
      const defined = (await registry.loadTools()).map((tool) => tool.name);
      const missing = listed.filter((name) => !defined.includes(name));
      if (missing.length) {
        throw new UsageError(
          `pincer.plugin.json lists tool(s) ${missing.join(", ")} under contributes.tools, but the plugin does not define them. Defined: ${defined.join(", ") || "none"}.`,
        );
      }
    }
    for (const id of manifest.contributes.providers ?? []) await registry.loadProvider(id);
    for (const id of manifest.contributes.themes ?? []) await registry.loadTheme(id);
  } finally {
    registry.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function describeBuild(result: { manifest: PluginManifest; ms: number; bytes: number }): string {
  const contributes = Object.entries(result.manifest.contributes)
    .map(
      ([kind, entries]) =>
        `${kind} ${entries.map((entry) => (typeof entry === "string" ? entry : "name" in entry ? entry.name : entry.event)).join(", ")}`,
    )
    .join("; ");
  return `${style.green("✓")} built ${result.manifest.name} (${result.manifest.main}, ${(result.bytes / 1024).toFixed(1)} KB) in ${Math.round(result.ms)} ms — ${contributes}`;
}

/** `pincer plugin pack`: build, check, then the tarball `npm publish` takes. */
export async function packCommand(dir: string, options: { tarball?: boolean } = {}): Promise<void> {
  const built = await buildPlugin(dir);
  process.stderr.write(`${describeBuild(built)}\n`);
  if (options.tarball === false) return;
  const file = await npmPack(dir, dir);
  const where = relative(process.cwd(), file) || file;
  process.stderr.write(`${style.green("✓")} packed ${where} (${sha512(readFileSync(file)).slice(0, 24)}…)\n`);
  process.stderr.write(`  publish it with: npm publish ${where}\n`);
  process.stdout.write(`${file}\n`);
}

/** `pincer plugin test`: build, then run the plugin's tests with node:test, @pincer/testing at hand. */
export async function testCommand(dir: string): Promise<number> {
  const built = await buildPlugin(dir);
  process.stderr.write(`${describeBuild(built)}\n`);
  const files = ["test", "src"].flatMap((folder) => testFiles(join(dir, folder)));
  if (files.length === 0) {
    throw new UsageError(`No tests in ${dir}: put *.test.ts files under test/ or src/.`);
  }
  const loaderPath = pathToFileURL(join(PACKAGE_ROOT, "dist", "plugin-test-loader.js"));
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["--test", "--import", loaderPath.href, ...files], {
      cwd: dir,
      stdio: "inherit",
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    child.on("close", (code) => resolvePromise(code === 0 ? 0 : 1));
  });
}

function testFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.test\.(ts|mts|js|mjs)$/.test(name) && !name.includes("node_modules"))
    .map((name) => join(folder, name))
    .sort();
}

/** `pincer plugin dev`: link the folder into your sessions and rebuild it on every save. */
export async function devCommand(dir: string, options: ManageOptions): Promise<void> {
  // Listening before anything is linked: a Ctrl-C during the first build (or right after "Watching")
  // must still unlink, where without a listener node would die of the signal with the link left.
  const stopped = new Promise<void>((resolvePromise) => {
    const stop = () => resolvePromise();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  const link = await DevLink.create(dir, {
    home: options.home,
    consent: (request) => askConsent(request, options.yes ?? false),
  });
  const rebuild = async () => {
    try {
      await buildPlugin(dir);
      const { ms } = await link.rebuild();
      process.stderr.write(
        `${style.green("✓")} ${new Date().toLocaleTimeString()} ${link.manifest.name} rebuilt in ${Math.round(ms)} ms; sessions load this build at their next call\n`,
      );
    } catch (error) {
      process.stderr.write(`${style.red("✗")} ${(error as Error).message}\n`);
    }
  };
  await rebuild();
  process.stderr.write(`${style.dim(`Watching ${dir} for changes. Ctrl-C stops and unlinks the plugin.`)}\n`);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { recursive: true }, (_event, file) => {
    const name = String(file ?? "");
    if (!name || name.startsWith("dist") || name.includes("node_modules") || name.endsWith(".tgz")) return;
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), 80);
  });
  await stopped;
  watcher.close();
  clearTimeout(timer);
  link.unlink();
  process.stderr.write(`${style.dim(`${link.manifest.name} unlinked.`)}\n`);
}
