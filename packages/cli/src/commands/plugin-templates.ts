import { driverTemplate, hookTemplate } from "./plugin-templates-sessions.js";

/** The files `pincer plugin new` writes, per kind. Each is a working plugin with a passing test. */
export type PluginKind = "tool" | "provider" | "theme" | "hook" | "driver";

interface TemplateInput {
  name: string;
  kind: PluginKind;
  pincerVersion: string;
}

export function templateFiles(input: TemplateInput): Record<string, string> {
  const base = (input.name.split("/").pop() as string).replace(/^pincer-(plugin|provider|theme)-/, "");
  const id = base.replace(/[^a-z0-9]+/g, "_");
  const slug = base.replace(/[^a-z0-9-]+/g, "-");
  const templates: Record<PluginKind, () => KindFiles> = {
    tool: () => toolTemplate(id),
    provider: () => providerTemplate(slug),
    theme: () => themeTemplate(slug),
    hook: () => hookTemplate(slug),
    driver: () => driverTemplate(slug),
  };
  const kindFiles = templates[input.kind]();
  const manifest = {
    name: input.name,
    version: "0.1.0",
    description: kindFiles.description,
    engines: { pincer: `^${input.pincerVersion}` },
    main: "dist/index.js",
    contributes: kindFiles.contributes,
    ...(kindFiles.capabilities ? { capabilities: kindFiles.capabilities } : {}),
  };
  const packageJson = {
    name: input.name,
    version: "0.1.0",
    description: kindFiles.description,
    type: "module",
    keywords: ["pincer-plugin", `pincer-${input.kind}`],
    files: ["dist", "pincer.plugin.json", "README.md"],
    scripts: { build: "pincer plugin pack --no-tarball", test: "pincer plugin test", typecheck: "tsc" },
    license: "MIT",
    // Types for an editor and `npm run typecheck`: nothing here is needed to build or test (pack
    // bundles the SDK Pincer itself carries; plugin test hands over Pincer's own @pincer/testing
    // when the folder has none), so a new plugin works before any npm install.
    devDependencies: {
      "@pincer/sdk": `^${input.pincerVersion}`,
      "@pincer/testing": `^${input.pincerVersion}`,
      "@types/node": "^24.0.0",
      typescript: "^7.0.2",
    },
  };
  return {
    "package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "pincer.plugin.json": `${formatJson(manifest)}\n`,
    "src/index.ts": kindFiles.source,
    "test/plugin.test.ts": kindFiles.test,
    "tsconfig.json": `${formatJson({
      compilerOptions: {
        target: "es2023",
        module: "nodenext",
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        // TypeScript 6+ loads no @types by default; the tests import node:test and node:fs.
        types: ["node"],
      },
      include: ["src", "test"],
    })}\n`,
    ".gitignore": "node_modules\ndist\n*.tgz\n",
    "README.md": templateReadme(input.name, input.kind, kindFiles.description),
  };
}

export interface KindFiles {
  description: string;
  contributes: Record<string, unknown[]>;
  capabilities?: Record<string, unknown>;
  source: string;
  test: string;
}

function toolTemplate(id: string): KindFiles {
  return {
    description: `The ${id} tool: counts the words of a file in the workspace`,
    contributes: { tools: [id] },
    capabilities: { fs: { read: ["${workspace}"] } },
    source: `import { definePlugin, defineTool } from "@pincer/sdk";

// A tool is a name, a description the model reads, a JSON Schema for its arguments, and a
// function. It runs in a sandbox: ctx.fs reaches only what pincer.plugin.json declares.
const ${camel(id)} = defineTool<{ path: string }>({
  name: "${id}",
  description: "Count the words in a text file of the workspace.",
  parameters: {
    type: "object",
    properties: { path: { type: "string", description: "The file, relative to the workspace" } },
    required: ["path"],
    additionalProperties: false,
  },
  kind: "read",
  async execute({ path }, ctx) {
    const text = await ctx.fs.readText(path);
    const words = text.split(/\\s+/).filter(Boolean).length;
    return { content: \`\${path}: \${words} words\` };
  },
});

export default definePlugin({ tools: [${camel(id)}] });
`,
    test: `import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";

const workspace = mkdtempSync(join(tmpdir(), "workspace-"));
// The plugin as Pincer runs it: bundled, in its own isolate, with its manifest's grants.
const plugin = await loadPlugin(new URL("..", import.meta.url), { cwd: workspace });
after(() => plugin.dispose());

test("counts the words of a workspace file", async () => {
  writeFileSync(join(workspace, "notes.txt"), "one two  three\\nfour");
  const result = await plugin.runTool("${id}", { path: "notes.txt" });
  assert.equal(result.content, "notes.txt: 4 words");
});

test("cannot read outside the workspace", async () => {
  const result = await plugin.runTool("${id}", { path: "/etc/passwd" });
  assert.equal(result.isError, true);
  assert.match(String(result.content), /refused/);
});
`,
  };
}

function providerTemplate(slug: string): KindFiles {
  const envPrefix = slug.toUpperCase().replace(/-/g, "_");
  return {
    description: `The ${slug} provider: any OpenAI-compatible chat endpoint`,
    contributes: { providers: [slug] },
    capabilities: { env: [`${envPrefix}_API_KEY`, `${envPrefix}_BASE_URL`] },
    source: `import { definePlugin, defineProvider, type ProviderEvent } from "@pincer/sdk";

// A provider turns Pincer's model request into an HTTP call and the reply into Pincer's stream
// events. It runs in a sandbox: ctx.fetch reaches only the hosts pincer.plugin.json declares,
// plus the one in ${envPrefix}_BASE_URL, which the user chose.
const provider = defineProvider({
  id: "${slug}",
  create(ctx) {
    return {
      id: "${slug}",
      async *stream(request, signal): AsyncGenerator<ProviderEvent> {
        const baseUrl = ctx.env.get("${envPrefix}_BASE_URL");
        if (!baseUrl) {
          yield { type: "error", message: "Set ${envPrefix}_BASE_URL to the endpoint's URL.", retryable: false };
          return;
        }
        const response = await ctx.fetch(\`\${baseUrl.replace(/\\/$/, "")}/chat/completions\`, {
          method: "POST",
          signal,
          headers: {
            "content-type": "application/json",
            authorization: \`Bearer \${ctx.env.get("${envPrefix}_API_KEY") ?? ""}\`,
          },
          body: JSON.stringify({
            model: request.model,
            stream: true,
            messages: [
              { role: "system", content: request.systemPrompt },
              ...request.messages.map((message) => ({
                role: message.role === "assistant" ? "assistant" : "user",
                content: typeof message.content === "string" ? message.content : JSON.stringify(message.content),
              })),
            ],
          }),
        });
        if (!response.ok || !response.body) {
          yield { type: "error", message: \`HTTP \${response.status}\`, retryable: response.status >= 500 };
          return;
        }
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        let buffer = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let newline = buffer.indexOf("\\n");
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf("\\n");
            if (!line.startsWith("data:")) continue;
            const data = line.slice(5).trim();
            if (data === "[DONE]") continue;
            const chunk = JSON.parse(data);
            const text = chunk.choices?.[0]?.delta?.content;
            if (text) yield { type: "text_delta", text };
            if (chunk.usage) {
              yield {
                type: "usage",
                usage: { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens },
              };
            }
          }
        }
        yield { type: "stop", reason: "stop" };
      },
    };
  },
});

export default definePlugin({ providers: [provider] });
`,
    test: `import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin, startOpenAIServer } from "@pincer/testing";

// A loopback server that speaks the real OpenAI wire protocol (SSE), on 127.0.0.1.
const server = await startOpenAIServer();
const plugin = await loadPlugin(new URL("..", import.meta.url), {
  env: { ${envPrefix}_BASE_URL: server.url, ${envPrefix}_API_KEY: "test-key" },
});
after(async () => {
  plugin.dispose();
  await server.close();
});

test("streams a reply from an OpenAI-compatible endpoint", async () => {
  server.enqueue([{ text: "Hello" }, { text: " there" }, { finish: "stop" }]);
  const events = await plugin.streamProvider("${slug}", {
    model: "test-model",
    systemPrompt: "Be brief.",
    messages: [{ role: "user", content: "Hi", timestamp: Date.now() }],
    tools: [],
  });
  const text = events.flatMap((event) => (event.type === "text_delta" ? [event.text] : [])).join("");
  assert.equal(text, "Hello there");
  assert.equal(server.requests[0]?.body.model, "test-model");
});
`,
  };
}

function themeTemplate(slug: string): KindFiles {
  return {
    description: `The ${slug} theme`,
    contributes: { themes: [slug] },
    source: `import { definePlugin, defineTheme } from "@pincer/sdk";

// A theme is data: a colour for each role of Pincer's output, a palette for highlighted code and
// the symbols it prints. A colour is "#rrggbb", or one of the 16 ANSI names ("cyan", "redBright",
// "gray"…) for terminals without 24-bit colour; the host drops anything else. A theme may also
// draw the status line: format.statusLine(info) returns it as plain text, run in the sandbox.
const theme = defineTheme({
  id: "${slug}",
  description: "The ${slug} theme, for dark terminals",
  appearance: "dark",
  colors: {
    // Every theme colours these five roles.
    accent: "#7aa2f7",
    success: "#9ece6a",
    warning: "#e0af68",
    error: "#f7768e",
    muted: "#565f89",
    // Optional: left out, a role falls back to one of the five or the terminal's own colour.
    text: "#c0caf5",
    user: "#bb9af7",
    border: "#3b4261",
    heading: "#7dcfff",
    code: "#e0af68",
    link: "#73daca",
    diffAdded: "#9ece6a",
    diffRemoved: "#f7768e",
    selection: "#283457",
  },
  // Token kinds of the highlighter in fenced code blocks.
  syntax: {
    keyword: "#bb9af7",
    string: "#9ece6a",
    number: "#ff9e64",
    comment: "#565f89",
    function: "#7aa2f7",
    type: "#2ac3de",
    constant: "#ff9e64",
    punctuation: "#89ddff",
  },
  // One or two printable characters each.
  symbols: { success: "✔", failure: "✘", pending: "…", prompt: "❯", bullet: "•", collapsed: "▸", expanded: "▾" },
});

export default definePlugin({ themes: [theme] });
`,
    test: `import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin } from "@pincer/testing";
import definition from "../src/index.ts";

// The theme as Pincer reads it: bundled, run in its own isolate, its data checked by the host.
const plugin = await loadPlugin(new URL("..", import.meta.url));
after(() => plugin.dispose());

test("defines the theme with a colour for every role", async () => {
  const theme = await plugin.theme("${slug}");
  for (const role of ["accent", "success", "warning", "error", "muted"]) {
    assert.match(theme.colors[role] ?? "", /^#[0-9a-f]{6}$/i, role);
  }
});

test("keeps every colour and symbol it defines: none is dropped as unfit for a terminal", async () => {
  const theme = await plugin.theme("${slug}");
  const [defined] = definition.themes ?? [];
  assert.deepEqual(theme.colors, defined?.colors);
  assert.deepEqual(theme.syntax, defined?.syntax);
  assert.deepEqual(theme.symbols, defined?.symbols);
});
`,
  };
}

function camel(id: string): string {
  return id.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

/** JSON as formatters print it: objects one key per line, short lists of plain values on one line. */
function formatJson(value: unknown, indent = ""): string {
  if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
    return JSON.stringify(value).replace(/","/g, '", "');
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(
      ([key, item]) => `${inner}${JSON.stringify(key)}: ${formatJson(item, inner)}`,
    );
    return entries.length ? `{\n${entries.join(",\n")}\n${indent}}` : "{}";
  }
  if (Array.isArray(value)) {
    const inner = `${indent}  `;
    return `[\n${value.map((item) => `${inner}${formatJson(item, inner)}`).join(",\n")}\n${indent}]`;
  }
  return JSON.stringify(value);
}

/** The plugin's README: how to install it from here before it is published, and after. */
function templateReadme(name: string, kind: PluginKind, description: string): string {
  // npm pack's file name: a scope becomes a prefix (@me/x → me-x-0.1.0.tgz).
  const tarball = `${name.replace(/^@/, "").replace("/", "-")}-0.1.0.tgz`;
  return [
    `# ${name}`,
    "",
    description,
    "",
    `A [Pincer](https://pincer.dev) ${kind} plugin.`,
    "",
    "## Install",
    "",
    "Build it (`pincer plugin pack` bundles it and makes the tarball), then install it from this",
    "folder or from that tarball:",
    "",
    "```sh",
    "pincer plugin pack",
    "pincer plugin install .",
    `pincer plugin install ./${tarball}   # the same, from the tarball`,
    "```",
    "",
    `Once published (\`npm publish ${tarball}\`), by its name: \`pincer plugin install ${name}\`.`,
    "",
    "## Develop",
    "",
    "`npm install` gets the types (`@pincer/sdk`, `@pincer/testing`) for your editor and `npm run typecheck`;",
    "the commands below work without it.",
    "",
    "```sh",
    "pincer plugin test   # its tests, against the real sandbox",
    "pincer plugin dev    # rebuild on every save; sessions load each new build",
    "pincer plugin pack   # bundle, check, and make the tarball",
    "```",
    "",
  ].join("\n");
}
