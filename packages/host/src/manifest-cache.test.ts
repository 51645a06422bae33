import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import validate from "./generated/manifest-validator.js";
import { ManifestError, readManifest } from "./manifest.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function plugin(manifest: unknown): { dir: string; validatedIn: string } {
  const root = mkdtempSync(join(tmpdir(), "pincer-manifest-cache-"));
  dirs.push(root);
  const dir = join(root, "plugin");
  mkdirSync(dir);
  writeFileSync(join(dir, "pincer.plugin.json"), JSON.stringify(manifest));
  return { dir, validatedIn: join(root, "cache", "manifests") };
}

const valid = {
  name: "@someone/pincer-plugin-x",
  version: "1.0.0",
  engines: { pincer: "^0.1.0" },
  main: "dist/plugin.js",
  contributes: { tools: ["x"] },
};
const markers = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe("manifests validated once per text", () => {
  it("remembers a manifest that passed, and reads the same text back without a second check", () => {
    const { dir, validatedIn } = plugin(valid);
    expect(readManifest(dir, { validatedIn })).toEqual(valid);
    expect(markers(validatedIn)).toHaveLength(1);
    expect(readManifest(dir, { validatedIn })).toEqual(valid);
    expect(markers(validatedIn)).toHaveLength(1);
  });

  it("never remembers a failure, and a validated manifest changed by a byte is checked again and refused", () => {
    const { dir, validatedIn } = plugin(valid);
    readManifest(dir, { validatedIn });
    // The same plugin, its manifest now asking for a field the schema refuses.
    writeFileSync(join(dir, "pincer.plugin.json"), JSON.stringify({ ...valid, main: 42 }));
    expect(() => readManifest(dir, { validatedIn })).toThrow(ManifestError);
    expect(() => readManifest(dir, { validatedIn })).toThrow(ManifestError);
    expect(markers(validatedIn)).toHaveLength(1);
  });

  it("validates every time without a cache folder, and a folder it cannot write only costs time", () => {
    const { dir, validatedIn } = plugin(valid);
    expect(readManifest(dir)).toEqual(valid);
    writeFileSync(join(validatedIn, "..", "..", "cache"), "a file where the folder would go");
    expect(readManifest(dir, { validatedIn })).toEqual(valid);
    expect(markers(validatedIn)).toEqual([]);
  });

  it("takes only a plain file as a marker: a folder or a link by a refused text's marker name does not skip the checks", () => {
    const { dir, validatedIn } = plugin({ ...valid, main: 42 });
    const text = JSON.stringify({ ...valid, main: 42 });
    const validatorId = createHash("sha256").update(validate.toString()).digest("hex");
    const marker = join(validatedIn, createHash("sha256").update(`${validatorId}\0${text}`).digest("hex").slice(0, 40));
    mkdirSync(marker, { recursive: true });
    expect(() => readManifest(dir, { validatedIn })).toThrow(ManifestError);
    rmSync(marker, { recursive: true });
    const elsewhere = join(validatedIn, "..", "elsewhere");
    writeFileSync(elsewhere, "");
    symlinkSync(elsewhere, marker);
    expect(() => readManifest(dir, { validatedIn })).toThrow(ManifestError);
  });
});
