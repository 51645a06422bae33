import { createRequire } from "node:module";
import { build, type Plugin } from "esbuild";

/** The openai SDK as the openai provider resolves it. */
const providerRequire = createRequire(new URL("../plugins/provider-openai/package.json", import.meta.url));
export const sdkDir = providerRequire.resolve("openai").replace(/[\\/]index\.js$/, "");

/** A sandbox-style bundle (one IIFE script, `__sdk.OpenAI`) of the SDK's client, built with `plugins`. */
export async function bundleOpenaiClient(plugins: Plugin[]): Promise<string> {
  const result = await build({
    stdin: { contents: `import OpenAI from "openai"; export { OpenAI };`, resolveDir: sdkDir, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "__sdk",
    mainFields: ["browser", "module", "main"],
    conditions: ["worker", "browser", "import", "default"],
    write: false,
    logLevel: "silent",
    plugins,
  });
  return result.outputFiles[0]?.text ?? "";
}

/** What an isolate's web platform has (no Node), from this process: the globals a bundle runs with. */
export function webGlobals(): Record<string, unknown> {
  const names = [
    "fetch",
    "Response",
    "Request",
    "Headers",
    "ReadableStream",
    "TextEncoder",
    "TextDecoder",
    "AbortController",
    "AbortSignal",
    "URL",
    "URLSearchParams",
    "FormData",
    "Blob",
    "File",
    "setTimeout",
    "clearTimeout",
    "console",
    "crypto",
    "navigator",
    "queueMicrotask",
    "performance",
  ] as const;
  return Object.fromEntries(names.map((name) => [name, (globalThis as Record<string, unknown>)[name]]));
}
