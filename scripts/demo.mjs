// `pnpm demo`: the README's main demo. It makes sure Debian's Python stack is there for local
// training (system-deps.mjs), then runs `pincer intern demo`: a recorded model drives the real
// tools from a paper to a trained, evaluated, published model on a local Hub. Where the stack
// can't be had (not Debian, no root), it says how to get it and runs the coding demo instead,
// so the command always ends in a real agent session.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensurePythonStack } from "./system-deps.mjs";

const bin = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const demo = ensurePythonStack() ? ["intern", "demo"] : ["demo"];
if (demo.length === 1) process.stderr.write("Running the coding demo instead (it needs no Python).\n\n");
const run = spawnSync(process.execPath, [bin, ...demo, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
