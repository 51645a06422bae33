// Where isolated-vm's prebuilt binary for this Node is, in the plain case, as node-gyp-build would
// find it (isolated-vm-loader.cjs uses it; isolated-vm-binary.test.ts compares the two). Anything
// else is undefined, for node-gyp-build to decide: one of the variables it reads is set, the package
// has a local build (`build/`, which it prefers), or no binary has the expected name.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const NODE_GYP_BUILD_VARIABLES = [
  "ISOLATED_VM_PREBUILD",
  "PREBUILDS_ONLY",
  "npm_config_arch",
  "npm_config_platform",
  "LIBC",
  "ARM_VERSION",
];

function prebuiltBinary(packageDir, env = process.env) {
  if (NODE_GYP_BUILD_VARIABLES.some((name) => env[name] !== undefined) || process.versions.electron) return undefined;
  if (existsSync(join(packageDir, "build"))) return undefined;
  // node-gyp-build's libc tag: musl where /etc/alpine-release exists, glibc on any other Linux.
  const libc = process.platform === "linux" ? (existsSync("/etc/alpine-release") ? ".musl" : ".glibc") : "";
  const file = join(
    packageDir,
    "prebuilds",
    `${process.platform}-${process.arch}`,
    `isolated-vm.abi${process.versions.modules}${libc}.node`,
  );
  return existsSync(file) ? file : undefined;
}

module.exports = { prebuiltBinary };
