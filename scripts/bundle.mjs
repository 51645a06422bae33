// Bundles what ships: the CLI into one ESM file, and each first-party plugin's entry with its
// dependencies into one file (what its manifest's "main" names). One file each means one module
// to resolve and compile instead of hundreds, which is most of a cold start.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
// CommonJS dependencies inside an ESM bundle still call require(); give them a real one.
const banner = {
  js: 'import { createRequire as __pincerRequire } from "node:module"; const require = __pincerRequire(import.meta.url);',
};
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  banner,
  sourcemap: "linked",
  logLevel: "warning",
  legalComments: "none",
};

const targets = [
  // --record loads the testing package only when asked; it stays outside the CLI bundle.
  { entry: "packages/cli/dist/main.js", out: "packages/cli/dist/main.bundle.js", external: ["@pincer/testing"] },
  ...["plugins/core-tools", "plugins/provider-openai", "plugins/provider-replay"].map((dir) => {
    const manifest = JSON.parse(readFileSync(`${root}/${dir}/pincer.plugin.json`, "utf8"));
    return { entry: `${dir}/dist/index.js`, out: `${dir}/${manifest.main}`, external: [] };
  }),
];

await Promise.all(
  targets.map((target) =>
    build({
      ...common,
      entryPoints: [`${root}/${target.entry}`],
      outfile: `${root}/${target.out}`,
      external: target.external,
    }),
  ),
);
