import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManifestError, readManifest, validateManifest } from "./manifest.js";

const valid = {
  name: "@someone/pincer-plugin-x",
  version: "1.2.3",
  engines: { pincer: "^0.1.0" },
  main: "dist/index.js",
  contributes: { tools: ["x"] },
  capabilities: {
    fs: { read: ["${workspace}"] },
    net: ["api.example.com", "*.hf.co:443"],
    spawn: ["git"],
    env: ["X_TOKEN"],
  },
};

function problems(json: unknown): string[] {
  try {
    validateManifest(json, "pincer.plugin.json");
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).problems;
  }
  return [];
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("manifest validation", () => {
  it("accepts a complete manifest", () => {
    expect(validateManifest(valid)).toEqual(valid);
  });

  it("names missing fields with their path", () => {
    const { engines: _engines, ...rest } = valid;
    expect(problems(rest)).toEqual(['/: missing required field "engines"']);
    expect(problems({ ...valid, engines: {} })).toEqual(['/engines: missing required field "pincer"']);
  });

  it("names wrong types", () => {
    expect(problems({ ...valid, contributes: { tools: "x" } })).toEqual(['/contributes/tools: must be array, got "x"']);
    expect(problems({ ...valid, capabilities: { net: [42] } })).toEqual([
      "/capabilities/net/0: must be string, got 42",
    ]);
  });

  it("rejects unknown fields and unknown capabilities", () => {
    expect(problems({ ...valid, author: "me" })).toEqual([
      '/: unknown field "author"; remove it or check its spelling against the manifest schema',
    ]);
    expect(problems({ ...valid, capabilities: { camera: true } })).toEqual([
      '/capabilities: unknown field "camera"; remove it or check its spelling against the manifest schema',
    ]);
  });

  it("rejects bad semver, bad names and escaping entry points", () => {
    expect(problems({ ...valid, version: "1.2" })[0]).toBe(
      '/version: "1.2" is not valid (expected a semver version such as 1.2.3)',
    );
    expect(problems({ ...valid, name: "Bad Name" })[0]).toContain("/name");
    expect(problems({ ...valid, main: "../../etc/passwd" })[0]).toContain("/main");
    expect(problems({ ...valid, capabilities: { net: ["http://evil.com/path"] } })[0]).toContain("/capabilities/net/0");
  });

  it("reports every problem at once", () => {
    expect(
      problems({ name: 1, version: "x", engines: { pincer: "" }, main: "", contributes: {} }).length,
    ).toBeGreaterThanOrEqual(5);
  });

  it("reads from a directory and names the file on errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-manifest-"));
    dirs.push(dir);
    expect(() => readManifest(dir)).toThrow(`Invalid plugin manifest ${join(dir, "pincer.plugin.json")}`);
    mkdirSync(join(dir, "x"));
    writeFileSync(join(dir, "pincer.plugin.json"), "{ nope");
    expect(() => readManifest(dir)).toThrow("not valid JSON");
    writeFileSync(join(dir, "pincer.plugin.json"), JSON.stringify(valid));
    expect(readManifest(dir).name).toBe("@someone/pincer-plugin-x");
  });
});
