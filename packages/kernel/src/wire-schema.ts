/**
 * The form of a tool's argument schema that is sent to the model. Every byte of it is paid on
 * every request, so keywords that only the kernel's validator needs are left out:
 * `additionalProperties: false` and `minLength` change nothing the model should write, and a call
 * that breaks them is still refused by the full schema (tool-runner.ts) with the reason, which the
 * model reads. Types, enums, bounds the model must respect (`minimum`, `maximum`), `required` and
 * descriptions stay. Computed once per schema object.
 */
const VALIDATION_ONLY = new Set(["additionalProperties", "minLength"]);
/** Keywords whose values are data, not schemas: sent as they are. */
const DATA = new Set(["enum", "const", "default", "examples"]);
const cache = new WeakMap<object, Record<string, unknown>>();

export function wireSchema(schema: Record<string, unknown>): Record<string, unknown> {
  let wire = cache.get(schema);
  if (!wire) {
    wire = strip(schema) as Record<string, unknown>;
    cache.set(schema, wire);
  }
  return wire;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // `additionalProperties` holding a schema (a map's values) tells the model something: kept.
    if (VALIDATION_ONLY.has(key) && typeof child !== "object") continue;
    if (DATA.has(key)) {
      out[key] = child;
      continue;
    }
    // Inside `properties`, keys are argument names, not keywords: an argument may be called `minLength`.
    out[key] = key === "properties" && child && typeof child === "object" ? stripEach(child) : strip(child);
  }
  return out;
}

function stripEach(properties: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) out[name] = strip(schema);
  return out;
}
