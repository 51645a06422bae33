// `pnpm demo`: the README's main demo. It makes sure the system packages are there
// (system-deps.mjs: bubblewrap and Debian's Python stack, installed when it can), then runs
// `pincer intern demo`: a recorded model drives the real tools from a paper to a trained,
// evaluated, published model on a local Hub. It never runs a different demo silently: without
// the Python stack it explains what is missing, how to install it and what runs without it, and
// exits 3.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEBIAN_PACKAGES, ensureSystemDeps } from "./system-deps.mjs";

export const NO_PYTHON_EXIT = 3;

/** What `pnpm demo` says when the ML intern can't train here. */
export function noPythonMessage() {
  return [
    "",
    "✗ pnpm demo did not run: the ML intern demo trains a PyTorch model with /usr/bin/python3, and",
    "  its Python packages are missing here (see above for why they were not installed).",
    `  Install them, then run pnpm demo again:  sudo apt-get install -y ${DEBIAN_PACKAGES.join(" ")}`,
    "  Meanwhile, the coding demo needs no Python:  pnpm pincer demo",
    "",
  ].join("\n");
}

/**
 * Sets the machine up, then runs the ML intern demo; returns the exit code. Without the Python
 * stack it runs nothing and says why (never a different demo in its place).
 */
export async function runDemo({
  ensure = ensureSystemDeps,
  launch = (args) => {
    const bin = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
    return spawnSync(process.execPath, [bin, ...args], { stdio: "inherit" }).status ?? 1;
  },
  args = [],
  stderr = process.stderr,
} = {}) {
  const { ready } = await ensure({ only: ["sandbox", "python"] });
  if (!ready.python) {
    stderr.write(noPythonMessage());
    return NO_PYTHON_EXIT;
  }
  return launch(["intern", "demo", ...args]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await runDemo({ args: process.argv.slice(2) }));
}
