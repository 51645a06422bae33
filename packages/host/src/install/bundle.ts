import { builtinModules, createRequire } from "node:module";

const require = createRequire(import.meta.url);
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** esbuild settings for code that runs in a plugin isolate: one script, no Node, no imports. */
export const SANDBOX_BUILD = {
  bundle: true,
  // "browser": an SDK's browser map (package.json "browser") swaps its Node-only modules for
  // web ones, which is what an isolate has.
  platform: "browser",
  format: "iife",
  globalName: "__pincerPlugin",
  target: "es2023",
  mainFields: ["browser", "module", "main"],
  conditions: ["worker", "browser", "import", "default"],
  legalComments: "none",
} as const;

/**
 * Bundles a plugin's entry (ESM exporting `definePlugin(...)`) into the one script its isolate
 * runs. Done once, at install (and on every save under `plugin dev`). `@pincer/sdk` resolves to
 * the host's own copy, so a plugin needs no install step before it can be packed or tested.
 */
export async function bundleForSandbox(entry: string, pluginName: string): Promise<string> {
  return bundle(entry, pluginName, "iife");
}

/**
 * Builds a plugin's publishable main: its source and dependencies in one ESM file, with nothing
 * left to resolve at install (a registry package arrives without its node_modules).
 */
export async function bundlePluginMain(entry: string, pluginName: string): Promise<string> {
  return bundle(entry, pluginName, "esm");
}

async function bundle(entry: string, pluginName: string, format: "iife" | "esm"): Promise<string> {
  // esbuild is a native binary: load it only when something is being bundled.
  const { build } = await import("esbuild");
  const sdkEntry = require.resolve("@pincer/sdk");
  try {
    const result = await build({
      ...SANDBOX_BUILD,
      ...(format === "esm" ? { format: "esm", globalName: undefined } : {}),
      mainFields: [...SANDBOX_BUILD.mainFields],
      conditions: [...SANDBOX_BUILD.conditions],
      entryPoints: [entry],
      write: false,
      logLevel: "silent",
      plugins: [
        {
          name: "pincer-no-node",
          setup(build) {
            build.onResolve({ filter: /^@pincer\/sdk$/ }, () => ({ path: sdkEntry }));
            build.onResolve({ filter: /.*/ }, (args) => {
              if (!NODE_BUILTINS.has(args.path)) return undefined;
              return {
                errors: [
                  {
                    text: `${pluginName} imports "${args.path}", which does not exist in the plugin sandbox. Use the capabilities on the tool context instead (ctx.fs, ctx.exec, ctx.env, fetch), declared in pincer.plugin.json.`,
                  },
                ],
              };
            });
          },
        },
      ],
    });
    const output = result.outputFiles[0];
    if (!output) throw new Error("esbuild produced no output");
    return output.text;
  } catch (error) {
    const failure = error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> };
    if (failure.errors?.length) {
      const lines = failure.errors.map(
        (problem) => `${problem.location ? `${problem.location.file}:${problem.location.line}: ` : ""}${problem.text}`,
      );
      throw new Error(
        `Bundling ${pluginName} failed:\n  ${lines.join("\n  ")}\nA published plugin's main must be self-contained: pincer plugin pack bundles its dependencies.`,
      );
    }
    throw error;
  }
}
