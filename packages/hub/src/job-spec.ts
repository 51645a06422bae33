import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { JobSpec } from "@pincer/jobs";
import { HubError } from "./http.js";

/**
 * A job request's fields, checked as the Jobs API reads them (`command`, `script`, `arguments`,
 * `environment`, `secrets`, `flavor`, `timeoutSeconds`, `dependencies`, `memoryMb`, and an image
 * the local runner cannot pull), into what the local runner runs.
 */

export interface CreateJobBody {
  command?: unknown;
  script?: unknown;
  arguments?: unknown;
  environment?: unknown;
  secrets?: unknown;
  flavor?: unknown;
  timeoutSeconds?: unknown;
  timeout?: unknown;
  dependencies?: unknown;
  memoryMb?: unknown;
  dockerImage?: unknown;
  spaceId?: unknown;
  labels?: unknown;
}

/** A job's request carries its script's source: room for a large one, not for data (upload that to a repo). */
export const JOB_BODY_LIMIT = 16 * 1024 * 1024;
const CPU_FLAVORS = ["cpu-basic", "cpu-upgrade", "cpu-performance", "cpu-xl"];
export const DEFAULT_TIMEOUT_SECONDS = 30 * 60;
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][\w.-]*$/;
const PYTHON_PATTERN = /(^|\/)python(3(\.\d+)?)?$/;

export const badRequest = (message: string): HubError => new HubError(400, message);

export function stringArray(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw badRequest(`\`${name}\` must be an array of strings`);
  }
  return value as string[];
}

export function stringRecord(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`\`${name}\` must be an object`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
    else if (typeof item === "number" || typeof item === "boolean") out[key] = String(item);
    else throw badRequest(`\`${name}.${key}\` must be a string`);
  }
  return out;
}

export function positiveNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw badRequest(`\`${name}\` must be a positive number`);
  }
  return value;
}

export function checkFlavor(value: unknown): string {
  if (value === undefined || value === null) return "cpu-basic";
  if (typeof value !== "string") throw badRequest("`flavor` must be a string");
  if (CPU_FLAVORS.includes(value)) return value;
  if (value.startsWith("cpu-")) {
    throw badRequest(`Unknown CPU flavor "${value}"; the local job runner accepts ${CPU_FLAVORS.join(", ")}.`);
  }
  throw badRequest(
    `The local job runner has no GPU, so flavor "${value}" cannot run here; it runs CPU flavors only (${CPU_FLAVORS.join(", ")}). Run GPU jobs on Hugging Face Jobs.`,
  );
}

/** The runner's script and arguments from `script` and/or a python `command`. */
export function scriptOf(
  command: string[] | undefined,
  script: string | undefined,
): { spec: Pick<JobSpec, "script" | "scriptPath">; args: string[]; command: string[] } {
  if (!command || command.length === 0) {
    if (script === undefined) throw badRequest("A job needs `script` (Python source) or `command`");
    return { spec: { script }, args: [], command: ["python", "script.py"] };
  }
  if (!PYTHON_PATTERN.test(command[0] as string)) {
    throw badRequest(
      `The local job runner runs Python only: \`command\` must start with python (got "${command[0]}"), or send the source as \`script\`.`,
    );
  }
  let index = 1;
  while (command[index] === "-u" || command[index] === "-B") index++;
  const next = command[index];
  if (next === "-c") {
    const source = command[index + 1];
    if (source === undefined) throw badRequest("`command` has -c without code");
    if (script !== undefined) throw badRequest("Send either `script` or `python -c <code>`, not both");
    return { spec: { script: source }, args: command.slice(index + 2), command };
  }
  if (next === undefined || next.startsWith("-")) {
    throw badRequest(
      "The local job runner runs a script: `command` must be python followed by a script path or `-c <code>` (modules and other options are not supported); or send the source as `script`.",
    );
  }
  const args = command.slice(index + 1);
  // `script` with `python train.py …`: the source is train.py's content.
  if (script !== undefined) return { spec: { script }, args, command };
  if (!isAbsolute(next) || !existsSync(next)) {
    throw badRequest(
      `Script "${next}" is not an absolute path to an existing file on the hub's machine; send its source as \`script\`.`,
    );
  }
  return { spec: { scriptPath: next }, args, command };
}

/**
 * The image a request names (`dockerImage`, or `spaceId` for a Space's image). This Hub pulls
 * none: a Python command runs with its own interpreter, and the job says so in `note`.
 */
export function imageOf(
  body: CreateJobBody,
  python: string,
): { field: "dockerImage" | "spaceId"; name: string; note: string } | undefined {
  for (const field of ["dockerImage", "spaceId"] as const) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || !value.trim()) throw badRequest(`\`${field}\` must be a non-empty string`);
    const name = value.trim();
    const what = field === "spaceId" ? `the Space ${name}'s image` : `the image ${name}`;
    return {
      field,
      name,
      note: `${what[0]?.toUpperCase()}${what.slice(1)} was not pulled: this Hub runs no containers, so the Python command ran with its own interpreter (${python}) and the packages installed there.`,
    };
  }
  return undefined;
}
