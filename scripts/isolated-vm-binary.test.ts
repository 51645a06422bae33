import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const { prebuiltBinary } = require("./isolated-vm-binary.cjs") as {
  prebuiltBinary: (packageDir: string, env?: NodeJS.ProcessEnv) => string | undefined;
};
// isolated-vm as the host package resolves it, and node-gyp-build as isolated-vm resolves it.
const packageDir = dirname(
  createRequire(require.resolve("../packages/host/package.json")).resolve("isolated-vm/package.json"),
);
const nodeGypBuild = createRequire(join(packageDir, "package.json"))("node-gyp-build") as {
  path: (dir: string) => string;
};

describe("isolated-vm's binary, found without node-gyp-build", () => {
  it("is the file node-gyp-build picks for this Node", () => {
    expect(prebuiltBinary(packageDir, {})).toBe(nodeGypBuild.path(packageDir));
  });

  it("leaves every case that is not plain to node-gyp-build", () => {
    for (const name of ["ISOLATED_VM_PREBUILD", "PREBUILDS_ONLY", "npm_config_arch", "npm_config_platform", "LIBC"]) {
      expect(prebuiltBinary(packageDir, { [name]: "x" }), name).toBeUndefined();
    }
    const copy = mkdtempSync(join(tmpdir(), "pincer-ivm-"));
    try {
      cpSync(join(packageDir, "prebuilds"), join(copy, "prebuilds"), { recursive: true });
      expect(prebuiltBinary(copy, {})).toBe(join(copy, nodeGypBuild.path(packageDir).slice(packageDir.length)));
      // A local build, which node-gyp-build prefers to the prebuilds.
      mkdirSync(join(copy, "build", "Release"), { recursive: true });
      expect(prebuiltBinary(copy, {})).toBeUndefined();
      rmSync(join(copy, "build"), { recursive: true });
      // No binary for this Node's ABI.
      rmSync(join(copy, "prebuilds"), { recursive: true });
      expect(prebuiltBinary(copy, {})).toBeUndefined();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
