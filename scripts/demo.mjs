// `pnpm demo`: the README's main demo. It makes sure the system packages are there
// (system-deps.mjs: bubblewrap and Debian's Python stack, installed when it can), then runs
// `pincer intern demo`: a recorded model drives the real tools from a paper to a trained,
// evaluated, published model on a local Hub. It never runs a different demo silently, nor one
// bound to fail: without the Python stack, or without a working OS sandbox (Pincer runs the
// demo's training commands only inside one, unless told `--dangerously-run-unconfined`), it
// explains what is missing and how to get it, and exits 3.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEBIAN_PACKAGES, ensureSystemDeps } from "./system-deps.mjs";

export const NOT_RUN_EXIT = 3;
export const UNCONFINED_FLAG = "--dangerously-run-unconfined";

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

/** What `pnpm demo` says when commands could not run confined here. */
export function noSandboxMessage(reason) {
  return [
    "",
    `✗ pnpm demo did not run: the ML intern demo trains by running Python as commands, which Pincer`,
    `  runs only inside its OS sandbox unless you say otherwise, and here ${reason}.`,
    "  Install bubblewrap (sudo apt-get install -y bubblewrap; in a container, allow unprivileged user",
    "  namespaces), then run pnpm demo again; or run the demo's commands unconfined, on purpose:",
    `  pnpm demo ${UNCONFINED_FLAG}`,
    "",
  ].join("\n");
}

/** Whether bubblewrap can confine commands here, as the CLI checks it (the built host's probe). */
async function probeSandbox() {
  const host = await import(new URL("../packages/host/dist/index.js", import.meta.url).href);
  return host.probeBwrap();
}

/**
 * Sets the machine up, then runs the ML intern demo; returns the exit code. Without the Python
 * stack or a working OS sandbox it runs nothing and says why (never a different demo in its place).
 */
export async function runDemo({
  probe = probeSandbox,
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
    return NOT_RUN_EXIT;
  }
  if (!args.includes(UNCONFINED_FLAG)) {
    const sandbox = await probe();
    if (!sandbox.ok) {
      stderr.write(noSandboxMessage(sandbox.reason));
      return NOT_RUN_EXIT;
    }
  }
  return launch(["intern", "demo", ...args]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await runDemo({ args: process.argv.slice(2) }));
}
