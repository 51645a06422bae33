// An esbuild plugin for the built-in providers' bundles: the parts of the openai SDK they never run
// become empty classes. The SDK's client constructs every API resource it has (admin, beta,
// fine-tuning, vector stores, audio, realtime… 26 of them), so bundling `new OpenAI()` bundled them
// all: 682 KB of the openai provider's 682 KB bundle was the SDK. Pincer calls
// `chat.completions.create` and `responses.create` (with `stream: true`) and nothing else, so:
//
// - a resource the client or resources/index.mjs imports, other than chat, responses, models and
//   the shared types, is a class that extends the SDK's APIResource with nothing in it;
// - the helper streams and runners behind `.stream()`, `.runTools()` and `.parse()`
//   (ChatCompletionStream, ChatCompletion(Streaming)Runner, ResponseStream), which `create` does
//   not use, are empty classes where the chat and responses resources import them.
//
// Each stub exports the classes the real module declares (`export class Name`), so a name the
// SDK imports that a stub lacks fails the build ("No matching export"), never the run. The bundle
// is 209 KB; an isolate holds its bundle's source and its snapshot holds the heap the bundle
// built, so the openai provider's snapshot went from 1.78 to 1.04 MB and a one-shot's peak memory by 2.3 MiB.
import { readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";

/** The API resources the built-in providers use (their folder or file name under resources/). */
const USED_RESOURCES = new Set(["chat", "responses", "models", "shared", "index"]);
/** The helpers behind chat's and responses' `.stream()`, `.runTools()`, `.parse()`. */
const UNUSED_HELPERS =
  /^(?:\.\.\/)+lib\/(?:ChatCompletionRunner|ChatCompletionStreamingRunner|ChatCompletionStream|responses\/ResponseStream)\.mjs$/;
const s = sep === "\\" ? "\\\\" : "/";
const CLIENT = new RegExp(`${s}openai${s}(?:client|resources${s}index)\\.mjs$`);
const RESOURCE = /^\.\/(?:resources\/)?([a-z-]+)(?:\/[a-z-]+)?\.mjs$/;
const HELPER_USER = new RegExp(
  `${s}openai${s}resources${s}(?:chat${s}completions${s}completions|responses${s}responses)\\.mjs$`,
);

export const openaiUnused = {
  name: "openai-unused",
  setup(context) {
    context.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = join(dirname(args.importer), args.path);
      if (CLIENT.test(args.importer)) {
        const resource = RESOURCE.exec(args.path)?.[1];
        const sdk = args.importer.slice(0, args.importer.lastIndexOf(`${sep}openai${sep}`) + 8);
        if (!resource || USED_RESOURCES.has(resource) || !path.startsWith(join(sdk, "resources") + sep))
          return undefined;
        return { path, namespace: "openai-unused", pluginData: { base: join(sdk, "core", "resource.mjs") } };
      }
      if (HELPER_USER.test(args.importer) && UNUSED_HELPERS.test(args.path)) {
        return { path, namespace: "openai-unused", pluginData: {} };
      }
      return undefined;
    });
    context.onLoad({ filter: /.*/, namespace: "openai-unused" }, (args) => {
      const names = [...readFileSync(args.path, "utf8").matchAll(/^export class (\w+)/gm)].map((match) => match[1]);
      const { base } = args.pluginData;
      const head = base ? `import { APIResource } from ${JSON.stringify(base)};\n` : "";
      const body = names.map((name) => `export class ${name}${base ? " extends APIResource" : ""} {}`).join("\n");
      return { contents: `${head}${body}\n`, resolveDir: dirname(args.path), loader: "js" };
    });
  },
};
