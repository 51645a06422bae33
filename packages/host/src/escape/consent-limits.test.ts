import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PluginInstaller } from "../install/installer.js";
import { readLockfile } from "../install/lockfile.js";
import { makeTarball } from "../install/tarball.fixture.js";
import { ManifestError, readManifest, validateManifest } from "../manifest.js";
import { MAX_MANIFEST_BYTES } from "../manifest-shape.js";

// A hostile manifest too deep for the validator's recursion (a stack overflow, not an error
// naming the problem), too large to print, or wrong in 100,000 places at once.

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

const VALID = {
  name: "@evil/limits",
  version: "1.0.0",
  engines: { pincer: "^0.1.0" },
  main: "dist/index.js",
  contributes: { tools: ["peek"] },
};

/** `[[[…]]]` nested `depth` deep, as JSON text (JSON.parse takes any depth; the validator did not). */
function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

function manifestText(capabilitiesJson: string): string {
  return JSON.stringify({ ...VALID, capabilities: "@@" }).replace('"@@"', capabilitiesJson);
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected it to throw");
}

describe("manifests past the validator's bounds are refused with a pointed error", () => {
  it.each([1_000, 100_000])(
    "capabilities nested %i deep: a ManifestError naming where, not a stack overflow",
    (depth) => {
      const json = JSON.parse(manifestText(`{ "net": [${nested(depth)}, ${nested(depth)}] }`));
      const error = errorOf(() => validateManifest(json));
      expect(error).toBeInstanceOf(ManifestError);
      expect(error.message).toContain("/capabilities/net/0/0/0/0/…: nested deeper than 16 levels");
    },
  );

  it("a manifest too wide to be one (100,000 values) is refused before the validator", () => {
    const json = JSON.parse(manifestText(`{ "net": [${Array.from({ length: 100_000 }, () => "1").join(",")}] }`));
    expect(errorOf(() => validateManifest(json)).message).toMatch(/more than 20000 values/);
  });

  it("a manifest wrong in 10,000 places lists the first 20 problems, each value quoted short", () => {
    const hosts = Array.from({ length: 10_000 }, (_, index) => `http://evil-${index}.example/${"x".repeat(500)}`);
    const error = errorOf(() => validateManifest({ ...VALID, capabilities: { net: hosts } })) as ManifestError;
    expect(error.problems).toHaveLength(21);
    expect(error.problems.at(-1)).toBe("… and 9980 more problems");
    expect(error.message.length).toBeLessThan(20 * 400);
  });

  it("a manifest file over 256 KB is refused without being read whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-big-manifest-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, "pincer.plugin.json"),
      JSON.stringify({ ...VALID, description: "A".repeat(10 * 1024 * 1024) }),
    );
    expect(errorOf(() => readManifest(dir)).message).toMatch(/larger than 256 KB, the most a manifest may be/);
    writeFileSync(join(dir, "pincer.plugin.json"), JSON.stringify({ ...VALID, description: "A".repeat(1000) }));
    expect(readManifest(dir).description).toHaveLength(1000);
  });

  it("pincer plugin install refuses the deep and the huge, and installs nothing", async () => {
    const home = mkdtempSync(join(tmpdir(), "pincer-limits-home-"));
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    const asked: string[] = [];
    const installer = new PluginInstaller({
      home,
      cwd: home,
      env: {},
      pincerVersion: "0.1.0",
      builtins: [],
      consent: async (request) => {
        asked.push(request.name);
        return true;
      },
    });
    const install = (name: string, manifest: string) => {
      const file = join(home, name);
      writeFileSync(
        file,
        makeTarball([
          { path: "package/package.json", content: JSON.stringify({ name: VALID.name, version: VALID.version }) },
          { path: "package/pincer.plugin.json", content: manifest },
          { path: "package/dist/index.js", content: "export default { tools: [] };\n" },
        ]),
      );
      return installer.install(file);
    };
    await expect(install("deep.tgz", manifestText(`{ "spawn": [${nested(100_000)}] }`))).rejects.toThrow(
      /\/capabilities\/spawn\/0\/0\/0\/0\/…: nested deeper than 16 levels/,
    );
    const huge = JSON.stringify({ ...VALID, description: "x".repeat(MAX_MANIFEST_BYTES) });
    await expect(install("huge.tgz", huge)).rejects.toThrow(/larger than 256 KB/);
    expect(asked).toEqual([]);
    expect(readLockfile(home).plugins).toEqual({});
  });
});
