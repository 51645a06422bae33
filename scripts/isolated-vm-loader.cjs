// isolated-vm as the CLI's bundles load it (scripts/bundle.mjs puts this module in its place): its
// prebuilt binary for this Node, required directly. isolated-vm's own entry finds the binary with
// node-gyp-build, whose module, failing reads of build/Release and build/Debug and listings of
// prebuilds/ cost ~3 ms of CPU on every start. Where the case is not plain (prebuiltBinary), the
// package's own entry loads it as before.
"use strict";
const { dirname } = require("node:path");
const { prebuiltBinary } = require("./isolated-vm-binary.cjs");

function loadIsolatedVm() {
  let binary;
  try {
    binary = prebuiltBinary(dirname(require.resolve("isolated-vm/package.json")));
  } catch {}
  return binary ? require(binary).ivm : require("isolated-vm");
}

module.exports = loadIsolatedVm();
