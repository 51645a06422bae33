#!/usr/bin/env node
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `pincer needs Node.js 24 or newer; this is Node ${process.version}. Install Node 24 LTS, or run it through npx: npx -y -p node@24 -c "pincer …"\n`,
  );
  process.exit(2);
}
// Built-ins by getBuiltinModule, not import: an ESM import of node:fs reads every export, whose
// lazy getters load the fs streams, promises, readline and the REPL history for nothing
// (and Node before 22.3 has no getBuiltinModule: the check above comes first).
const { readFileSync } = process.getBuiltinModule("node:fs");
const nodeModule = process.getBuiltinModule("node:module");
// `--version` is answered before anything else loads: no yargs, no kernel, no plugin.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  // A one-shot starts with V8's optimizing compilers (Maglev, TurboFan) and its baseline compiler
  // (Sparkplug) off, for its first half second of CPU time. Their code is ~9 MiB of the node binary (Sparkplug's ~1),
  // paged in the first time one compiles anything: a turn (~0.2 s) paid that to compile a few
  // functions (path normalisation, the SDK's SSE line splitter) that it then barely ran. A longer run gets them back after that,
  // for whatever is hot by then. V8 reads these flags at each tier-up. While they differ from
  // Node's own, Node's code cache of its built-ins does not fit, so the built-ins a turn loads
  // anyway (http for the model call, os, and util's parseArgs, which the fast path parses with)
  // load first; the compile cache below comes after, since its directory is keyed by the flags.
  // node:crypto is not among them: a turn draws random bytes from /dev/urandom and hashes its
  // short cache keys in JavaScript (the kernel's random.ts and sha256.ts).
  if (args.some((arg) => arg === "-p" || arg === "--print" || arg.startsWith("--print="))) {
    for (const name of ["node:http", "node:os"]) process.getBuiltinModule(name);
    void process.getBuiltinModule("node:util").parseArgs;
    const { setOptimizers } = await import("./optimizers.js");
    setOptimizers(false);
    // By CPU time, not wall time: a loaded machine stretches a short turn past any wall clock.
    const tiers = setInterval(() => {
      const { user, system } = process.cpuUsage();
      if (user + system < 500_000) return;
      clearInterval(tiers);
      setOptimizers(true);
    }, 100).unref();
  }
  // V8's code cache on disk (Node's own mechanism, under the OS temp dir): later runs skip
  // recompiling the CLI, the kernel and the SDKs, which is most of a cold start.
  nodeModule.enableCompileCache();
  // Plain `pincer` in a terminal: the prompt box is on screen before any bundle loads.
  if (args.length === 0 && process.stdin.isTTY && process.stdout.isTTY) {
    const { drawFirstFrame } = await import("./tui/first-frame.js");
    drawFirstFrame(process.stdout, process.stdin, process.env);
  }
  let code: number | undefined;
  // A subcommand (`serve`, `plugin …`) or `--help` goes to yargs at once. Plain flags first try a
  // road that never loads yargs; whatever it is not sure of, the full CLI parses. `-p "…"` runs
  // the headless road as one script with V8's code cache (print-bundle.ts); the interactive
  // terminal, the fast path's bundle (scripts/bundle.mjs builds it and the full CLI, sharing chunks).
  const plain = args.length === 0 || (args[0]!.startsWith("-") && !args.includes("--help") && !args.includes("-h"));
  if (plain && args.some((arg) => arg === "-p" || arg === "--print" || arg.startsWith("--print="))) {
    const { runPrintBundle } = await import("./print-bundle.js");
    code = await runPrintBundle(args, process.env);
  } else if (plain) {
    const fast: string = "./bundle/fast-path.bundle.js";
    const { tryFastHeadless } = (await import(fast)) as typeof import("./fast-path.js");
    code = await tryFastHeadless(args, process.env);
  }
  if (code === undefined) {
    const bundle: string = "./bundle/main.bundle.js";
    const { main } = (await import(bundle)) as typeof import("./main.js");
    code = await main();
  }
  process.exitCode = code;
  // Once the event loop has drained and the "exit" listeners added before this one have run (the
  // session lock's, the private tmp folders'), the process ends without Node's teardown of its main
  // isolate. That teardown's last collection runs isolated-vm's weak callbacks after isolated-vm has
  // let go of its state for this thread, which aborts the process (SIGABRT,
  // "IsolateEnvironment::GetCurrent(): Assertion `environment != nullptr'") now and then after a run
  // that had done all its work: `pincer plugin dev` did, on Ctrl-C. Nothing is left to do by then
  // (stdout and stderr are synchronous for files, pipes and terminals here).
  process.once("exit", (exitCode) => process.exit(exitCode));
}
