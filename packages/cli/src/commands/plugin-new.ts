import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { UsageError } from "@pincer/runtime";
import { VERSION } from "../version.js";
import { type PluginKind, templateFiles } from "./plugin-templates.js";

/** `pincer plugin new <name> --kind …`: a folder with one TypeScript file to edit, a test, and a manifest. */
export function newPlugin(name: string | undefined, kind: PluginKind, parent: string): void {
  if (!name) {
    throw new UsageError(
      `pincer plugin new needs the plugin's name (its npm package name), e.g. pincer plugin new my-${kind} --kind ${kind}`,
    );
  }
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name)) {
    throw new UsageError(
      `"${name}" is not a valid npm package name. Use lowercase letters, digits and dashes, e.g. my-tool or @me/pincer-plugin-x.`,
    );
  }
  const folder = join(parent, name.split("/").pop() as string);
  if (existsSync(folder)) throw new UsageError(`${folder} already exists. Pick another name or --dir.`);
  const files = templateFiles({ name, kind, pincerVersion: VERSION });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, ".."), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  const where = relative(process.cwd(), folder) || ".";
  process.stdout.write(
    [
      `Created ${kind} plugin ${name} in ${where}`,
      "",
      `  ${join(where, "src/index.ts")}   the one file to edit`,
      `  ${join(where, "pincer.plugin.json")}   what it contributes and the capabilities it needs`,
      "",
      "Next:",
      `  pincer plugin test ${where}     run its tests in the real sandbox`,
      `  pincer plugin dev ${where}      rebuild on save; your sessions load the latest build`,
      `  pincer plugin pack ${where}     make the tarball for npm publish`,
      "",
    ].join("\n"),
  );
}
