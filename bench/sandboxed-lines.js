// How much of the ML intern runs sandboxed, and how big the CLI is, in source lines.
//
// The rule: a "line" is a non-blank line of a TypeScript source file (.ts, .tsx) under a package's
// or plugin's src/, tests and fixtures left out (*.test.ts, *.fixture.ts, e2e/, fixtures/).
// - ML-intern code: the ML intern's plugins (plugins/ml-intern, plugins/huggingface: sandboxed),
//   and anywhere else any file whose path names the intern (a folder or file called *intern*: what
//   packages/cli/src/intern was). Sandboxed share = the plugins' lines / all of it. Target 100 %.
// - ML services, shown apart: the local Hub (packages/hub, runtime's local-hub*), the job store
//   (packages/jobs) and the Hub's job launcher (runtime's hub-jobs.ts). They are not the intern
//   but services any plugin may ask Pincer for (a server listening on a port, processes run in the
//   OS sandbox), so they run in the host by design; what share of the ML lines they are is printed
//   so nobody has to take the first figure on trust.
// - The CLI's share: packages/cli/src over the product (packages/*/src but @pincer/testing,
//   plugins/*/src, themes/*/src). Target ≤ 20 %.
// `node bench/sandboxed-lines.js` prints the figures as JSON on stdout and rows on stderr; bench/run.js prints the rows.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function sources(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules" || name === "dist" || name === "e2e" || name === "fixtures") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.tsx?$/.test(name) && !/\.(test|fixture)\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const linesOf = (file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "").length;
const sum = (files) => files.reduce((total, file) => total + linesOf(file), 0);
const under = (group) =>
  readdirSync(join(root, group)).flatMap((name) =>
    sources(join(root, group, name, "src")).map((file) => relative(root, file)),
  );

const ML_PLUGINS = ["plugins/ml-intern/", "plugins/huggingface/"];
const SERVICES = [/^packages\/hub\//, /^packages\/jobs\//, /^packages\/runtime\/src\/(local-hub|hub-jobs)/];

export function measure() {
  const packages = under("packages").filter((file) => !file.startsWith("packages/testing/"));
  const plugins = under("plugins");
  const themes = under("themes");
  const product = [...packages, ...plugins, ...themes];
  const at = (file) => join(root, file);
  const sandboxedIntern = plugins.filter((file) => ML_PLUGINS.some((prefix) => file.startsWith(prefix)));
  const internElsewhere = packages.filter((file) => /intern/i.test(relative("packages", file)));
  const services = packages.filter((file) => SERVICES.some((pattern) => pattern.test(file)));
  const cli = packages.filter((file) => file.startsWith("packages/cli/"));
  const lines = (files) => sum(files.map(at));
  const intern = {
    sandboxed: lines(sandboxedIntern),
    elsewhere: lines(internElsewhere),
    elsewhereFiles: internElsewhere,
  };
  const serviceLines = lines(services);
  const productLines = lines(product);
  const cliLines = lines(cli);
  return {
    intern: { ...intern, sandboxedShare: intern.sandboxed / (intern.sandboxed + intern.elsewhere) },
    services: { lines: serviceLines, shareOfMl: serviceLines / (intern.sandboxed + intern.elsewhere + serviceLines) },
    cli: { lines: cliLines, product: productLines, share: cliLines / productLines },
  };
}

export function sandboxedRows(figures) {
  const pct = (share) => `${(share * 100).toFixed(1)} %`;
  const k = (n) => `${(n / 1000).toFixed(1)}k`;
  const { intern, services, cli } = figures;
  return [
    `| ML-intern code that runs sandboxed (plugins/ml-intern + plugins/huggingface vs files named *intern* elsewhere) | ${pct(intern.sandboxedShare)} (${k(intern.sandboxed)} of ${k(intern.sandboxed + intern.elsewhere)} lines) | 100 % |`,
    `| ML services in the host by design (local Hub, job store, Hub job launcher), share of all ML lines | ${pct(services.shareOfMl)} (${k(services.lines)} lines) | — |`,
    `| the CLI's share of the product's source lines | ${pct(cli.share)} (${k(cli.lines)} of ${k(cli.product)}) | ≤ 20 % |`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = measure();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  process.stderr.write(`${sandboxedRows(figures).join("\n")}\n`);
}
