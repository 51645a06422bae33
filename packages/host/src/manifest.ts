import { createHash } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import type { ErrorObject } from "ajv";
import { hasCacheMarker } from "./cache/cache-entry.js";
import { noteColdWork } from "./cold-work.js";
import { displayLine } from "./display-text.js";
// Generated at build time from the SDK's schema: validating needs neither Ajv nor a compile.
import validate, { VALIDATOR_ID } from "./generated/manifest-validator.js";
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

/**
 * Manifests known to have passed this validator, by their file's identity (device, inode, size,
 * modification and change times: a write changes the change time, which nobody can set back). The
 * runtime keeps the built-ins' in an index in PINCER_HOME/cache (builtin-index.ts). The text is
 * still read from the file every time; only its validation is skipped, and only for the exact
 * file that passed.
 */
export interface KnownManifests {
  /** Whether the file with this identity passed `validator` (VALIDATOR_ID). */
  validated(file: string, identity: string): boolean;
  /** Told about a file that passed. */
  passed(file: string, identity: string): void;
}

/** The validator's name (a hash of its code, made when it was generated): an index made by another validator does not count. */
export const MANIFEST_VALIDATOR_ID = VALIDATOR_ID;

/** A file's identity as KnownManifests and the caches compare it. */
export function fileIdentity(stat: {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/**
 * Read and validate `<dir>/pincer.plugin.json`; every problem names its JSON path and the fix.
 *
 * With `validatedIn` (PINCER_HOME/cache/manifests), a manifest that passed is remembered there by
 * the SHA-256 of its exact text and of the validator, and the same text is not validated again:
 * every start reads a dozen manifests, and the validator's first run (its regular expressions
 * compiled, its code cold) was a few percent of a one-shot turn. A marker is only written after
 * a pass, and a text that differs by a byte has another name, so a plugin cannot skip the checks.
 */
export function readManifest(
  dir: string,
  options: { validatedIn?: string; known?: KnownManifests } = {},
): PluginManifest {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  let identity: string;
  try {
    ({ text, identity } = readBounded(file));
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
  const { known } = options;
  // The identity is the open file's, taken before its text was read: the text is the one that passed.
  if (known?.validated(file, identity)) return json as PluginManifest;
  if (!options.validatedIn) {
    const manifest = validateManifest(json, file);
    known?.passed(file, identity);
    return manifest;
  }
  const marker = join(
    options.validatedIn,
    createHash("sha256").update(`${VALIDATOR_ID}\0${text}`).digest("hex").slice(0, 40),
  );
  // A plain file only: a link or a folder by that name is not a marker this cache wrote.
  if (hasCacheMarker(marker)) {
    known?.passed(file, identity);
    return json as PluginManifest;
  }
  const manifest = validateManifest(json, file);
  known?.passed(file, identity);
  try {
    mkdirSync(options.validatedIn, { recursive: true });
    writeFileSync(marker, "");
  } catch {
    // Without the marker the next start validates again: slower, not wrong.
  }
  return manifest;
}

/**
 * The file's text and identity, refused past MAX_MANIFEST_BYTES without reading the rest: the size
 * is taken from the open file, and no more than the limit is ever read. A text of another length
 * than fstat said (written meanwhile) is read again, as the file it now is.
 */
function readBounded(file: string, tries = 3): { text: string; identity: string } {
  const fd = openSync(file, "r");
  try {
    // Made only when thrown: an Error captures a stack, and a start reads ~18 manifests.
    const tooBig = () =>
      new ManifestError(file, [
        `it is larger than ${MAX_MANIFEST_BYTES / 1024} KB, the most a manifest may be; it lists what a plugin contributes and needs, not data`,
      ]);
    const stat = fstatSync(fd);
    if (stat.size > MAX_MANIFEST_BYTES) throw tooBig();
    // One byte past the size fstat gave (at most one past the limit): a file that grew is noticed.
    const buffer = Buffer.allocUnsafe(stat.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length !== stat.size) {
      if (length > MAX_MANIFEST_BYTES) throw tooBig();
      if (tries <= 1) throw new ManifestError(file, ["it kept changing while it was read; try again"]);
      return readBounded(file, tries - 1);
    }
    return { text: buffer.subarray(0, length).toString("utf8"), identity: fileIdentity(stat) };
  } finally {
    closeSync(fd);
  }
}

export function validateManifest(json: unknown, file = MANIFEST_FILE): PluginManifest {
  noteColdWork();
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
