import type { ErrorObject } from "ajv";
import validate from "../generated/settings-validator.js";

/**
 * Checks a settings object against settings.schema.json (one schema for config.json and every
 * project settings file, at every depth). Returns one line per problem, each naming the JSON
 * path and, for a misspelt key, the nearest valid one: `unknown setting permissions.dney — did
 * you mean permissions.deny?`. Empty when the settings are valid.
 */
export function settingsProblems(json: unknown): string[] {
  if (validate(json)) return [];
  const lines = (validate.errors ?? []).map(describe).filter((line): line is string => line !== undefined);
  return [...new Set(lines)];
}

type Schema = { properties?: Record<string, unknown>; "x-hint"?: string; description?: string };

/** `/permissions/allow/0` → `permissions.allow[0]`. */
export function jsonPath(pointer: string, key?: string): string {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (key !== undefined) parts.push(key);
  return parts.reduce((path, part) => {
    if (/^\d+$/.test(part)) return `${path}[${part}]`;
    const name = /^[A-Za-z_$][\w$-]*$/.test(part) ? part : JSON.stringify(part);
    return path ? `${path}.${name}` : name;
  }, "");
}

function describe(error: ErrorObject): string | undefined {
  const path = jsonPath(error.instancePath);
  const where = path ? `"${path}"` : "the settings";
  const parent = (error.parentSchema ?? {}) as Schema;
  const hint = parent["x-hint"];
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(parent.properties ?? {}).filter((name) => name !== "$schema");
      const nearest = nearestKey(key, known);
      const unknown = jsonPath(error.instancePath, key);
      if (nearest) return `unknown setting ${unknown} — did you mean ${jsonPath(error.instancePath, nearest)}?`;
      return `unknown setting ${unknown}${known.length ? ` (known here: ${known.join(", ")})` : ""}`;
    }
    case "required":
      return `${where} needs "${String(error.params.missingProperty)}"`;
    case "enum": {
      const values = (error.params.allowedValues as unknown[]).map((value) =>
        typeof value === "string" ? value : JSON.stringify(value),
      );
      return `${where} must be one of ${values.join(", ")}${parent.description ? ` (${parent.description})` : ""}`;
    }
    case "const":
      return `${where} must be ${JSON.stringify(error.params.allowedValue)}`;
    case "type":
      return `${where} must be ${hint ?? article(String(error.params.type))}`;
    case "propertyNames": {
      const names = (error.schema ?? {}) as Schema;
      const rule = names["x-hint"] ? `; use ${names["x-hint"]}` : "";
      return `${where}: the name "${String(error.params.propertyName)}" is not allowed${rule}`;
    }
    case "if":
      return undefined; // the branch's own errors say what is wrong
    default:
      // A property name's own pattern failure is reported once, by propertyNames.
      if ("propertyName" in error) return undefined;
      return `${where} must be ${hint ?? error.message ?? "valid"}`;
  }
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: "an object",
    array: "a list",
    string: "a string",
    integer: "a whole number",
    number: "a number",
    boolean: "true or false",
  };
  return type
    .split(",")
    .map((name) => words[name] ?? name)
    .join(" or ");
}

/** The known key closest to a misspelt one, when it is close enough to be what was meant. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/** Levenshtein distance with transpositions counted as one edit (`dney` → `deny`). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
