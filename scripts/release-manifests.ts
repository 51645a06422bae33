// `pnpm release:version` runs this after `changeset version`: changesets bumps package.json files,
// and each plugin's pincer.plugin.json must follow (its version, and engines.pincer: the release it
// ships with). Edits the two values in place, keeping each manifest's formatting. An argument names
// another workspace root (scripts/release-dry-run.test.ts versions a copy).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readPluginManifest, workspacePackages } from "./publish-rules.ts";

const root = process.argv[2] ?? fileURLToPath(new URL("..", import.meta.url));

for (const { dir, json } of workspacePackages(root)) {
  const manifest = readPluginManifest(root, dir);
  if (json.private || !manifest) continue;
  const file = join(root, dir, "pincer.plugin.json");
  const text = readFileSync(file, "utf8");
  const synced = text
    .replace(/("version"\s*:\s*)"[^"]*"/, `$1"${json.version}"`)
    .replace(/("pincer"\s*:\s*)"[^"]*"/, `$1"^${json.version}"`);
  if (synced === text) continue;
  writeFileSync(file, synced);
  process.stdout.write(`${dir}/pincer.plugin.json: ${manifest.version} -> ${json.version}\n`);
}
