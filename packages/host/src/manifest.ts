import { createHash } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import type { ErrorObject } from "ajv";
import { hasCacheMarker } from "./cache/cache-entry.js";
import { displayLine } from "./display-text.js";
// Generated at build time from the SDK's schema: validating needs neither Ajv nor a compile.
import validate from "./generated/manifest-validator.js";
import { MAX_MANIFEST_BYTES, manifestShapeProblem } from "./manifest-shape.js";

export const MANIFEST_FILE = "pincer.plugin.json";

/** Problems listed in one error; a manifest wrong in 10,000 places is described by its first few. */
const MAX_PROBLEMS = 20;
/** How much of a rejected value an error quotes. */
const MAX_QUOTED = 60;

export class ManifestError extends Error {
  readonly problems: string[];

  constructor(
    readonly file: string,
    problems: string[],
  ) {
    // Problems quote the manifest, which is the plugin's text: shown as plain single lines.
    const shown = problems.slice(0, MAX_PROBLEMS).map((problem) => displayLine(problem, 400));
    if (problems.length > MAX_PROBLEMS) shown.push(`… and ${problems.length - MAX_PROBLEMS} more problems`);
    super(`Invalid plugin manifest ${file}:\n${shown.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ManifestError";
    this.problems = shown;
  }
}

/** Identifies the validator, so a manifest checked by another one (another Pincer) is checked again. */
let validatorId: string | undefined;

/**
 * Read and validate `<dir>/pincer.plugin.json`; every problem names its JSON path and the fix.
 *
 * With `validatedIn` (PINCER_HOME/cache/manifests), a manifest that passed is remembered there by
 * the SHA-256 of its exact text and of the validator, and the same text is not validated again:
 * every start reads a dozen manifests, and the validator's first run (its regular expressions
 * compiled, its code cold) was a few percent of a one-shot turn. A marker is only written after
 * a pass, and a text that differs by a byte has another name, so a plugin cannot skip the checks.
 */
export function readManifest(dir: string, options: { validatedIn?: string } = {}): PluginManifest {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readBounded(file);
  } catch (error) {
    if (error instanceof ManifestError) throw error;
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
  if (!options.validatedIn) return validateManifest(json, file);
  validatorId ??= createHash("sha256").update(validate.toString()).digest("hex");
  const marker = join(
    options.validatedIn,
    createHash("sha256").update(`${validatorId}\0${text}`).digest("hex").slice(0, 40),
  );
  // A plain file only: a link or a folder by that name is not a marker this cache wrote.
  if (hasCacheMarker(marker)) return json as PluginManifest;
  const manifest = validateManifest(json, file);
  try {
    mkdirSync(options.validatedIn, { recursive: true });
    writeFileSync(marker, "");
  } catch {
    // Without the marker the next start validates again: slower, not wrong.
  }
  return manifest;
}

/**
 * The file's text, refused past MAX_MANIFEST_BYTES without reading the rest: the size is taken
 * from the open file, and no more than the limit is ever read.
 */
function readBounded(file: string): string {
  const fd = openSync(file, "r");
  try {
    const tooBig = new ManifestError(file, [
      `it is larger than ${MAX_MANIFEST_BYTES / 1024} KB, the most a manifest may be; it lists what a plugin contributes and needs, not data`,
    ]);
    if (fstatSync(fd).size > MAX_MANIFEST_BYTES) throw tooBig;
    // Read up to one byte past the limit: a file that grew since fstat is refused all the same.
    const buffer = Buffer.allocUnsafe(MAX_MANIFEST_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_MANIFEST_BYTES) throw tooBig;
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

export function validateManifest(json: unknown, file = MANIFEST_FILE): PluginManifest {
  // Before the validator, which recurses: a manifest nested 10,000 deep would overflow its stack.
  const shape = manifestShapeProblem(json);
  if (shape) throw new ManifestError(file, [shape]);
  if (validate(json)) return json as PluginManifest;
  throw new ManifestError(file, (validate.errors ?? []).map(describe));
}

/** A rejected value as the error quotes it: JSON, cut short. */
function quote(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > MAX_QUOTED ? `${json.slice(0, MAX_QUOTED)}…` : json;
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
      return `${path}: ${quote(error.data)} is not valid${description ? ` (expected ${description})` : ""}`;
    }
    case "type":
      return `${path}: must be ${(error.params as { type: string }).type}, got ${quote(error.data)}`;
    default:
      return `${path}: ${error.message}`;
  }
}
