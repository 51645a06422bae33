import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import type { ErrorObject } from "ajv";
// Generated at build time from the SDK's schema: validating needs neither Ajv nor a compile.
import validate from "./generated/manifest-validator.js";

export const MANIFEST_FILE = "pincer.plugin.json";

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid plugin manifest ${file}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ManifestError";
  }
}

/** Read and validate `<dir>/pincer.plugin.json`; every problem names its JSON path and the fix. */
export function readManifest(dir: string): PluginManifest {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ManifestError(file, [
      `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); a plugin needs a ${MANIFEST_FILE} at its root`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return validateManifest(json, file);
}

export function validateManifest(json: unknown, file = MANIFEST_FILE): PluginManifest {
  if (validate(json)) return json as PluginManifest;
  throw new ManifestError(file, (validate.errors ?? []).map(describe));
}

function describe(error: ErrorObject): string {
  const path = error.instancePath || "/";
  switch (error.keyword) {
    case "additionalProperties": {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      return `${path}: unknown field "${name}"; remove it or check its spelling against the manifest schema`;
    }
    case "required": {
      const name = (error.params as { missingProperty: string }).missingProperty;
      return `${path}: missing required field "${name}"`;
    }
    case "pattern": {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return `${path}: ${JSON.stringify(error.data)} is not valid${description ? ` (expected ${description})` : ""}`;
    }
    case "type":
      return `${path}: must be ${(error.params as { type: string }).type}, got ${JSON.stringify(error.data)}`;
    default:
      return `${path}: ${error.message}`;
  }
}
