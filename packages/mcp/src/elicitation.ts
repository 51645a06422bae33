/**
 * Form elicitation (MCP `elicitation/create`, form mode): a server asks the user for a few
 * values described by a flat JSON Schema of primitives. The schema comes from a server, so it is
 * read defensively into fields a front end can show, and an answer is checked against it before
 * it goes back, whichever front end collected it.
 */

export type McpElicitationValue = string | number | boolean | string[];

export interface McpElicitationField {
  name: string;
  /** What to show as the label: the schema's title, else the name. */
  title: string;
  description?: string;
  type: "string" | "number" | "integer" | "boolean" | "array";
  required: boolean;
  /** For a choice (and each item of a multiple choice): the values with what to show for each. */
  options?: Array<{ value: string; title: string }>;
  default?: McpElicitationValue;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

export interface McpElicitationRequest {
  /** The server that asks (the user must be able to tell who wants the answer). */
  server: string;
  message: string;
  fields: McpElicitationField[];
  /** The server's requested schema as it came (for front ends that forward it, like ACP). */
  schema: Record<string, unknown>;
}

export type McpElicitationAnswer =
  | { action: "accept"; content: Record<string, McpElicitationValue> }
  | { action: "decline" }
  | { action: "cancel" };

/** Fields a form shows; more are refused rather than shown in part. */
export const MAX_FIELDS = 50;
const MAX_TEXT = 2_000;

/** The fields of a requested schema; throws (naming the field) when it is not a flat object of primitives. */
export function elicitationFields(schema: unknown): McpElicitationField[] {
  const object = record(schema);
  const properties = record(object?.properties);
  if (!object || !properties) throw new Error("the requested schema is not an object with properties");
  const required = Array.isArray(object.required) ? object.required.filter((name) => typeof name === "string") : [];
  const entries = Object.entries(properties);
  if (entries.length > MAX_FIELDS) throw new Error(`the form has ${entries.length} fields (at most ${MAX_FIELDS})`);
  return entries.map(([name, raw]) => field(name, raw, required.includes(name)));
}

function field(name: string, raw: unknown, required: boolean): McpElicitationField {
  const spec = record(raw);
  const type = spec?.type;
  if (
    !spec ||
    (type !== "string" && type !== "number" && type !== "integer" && type !== "boolean" && type !== "array")
  ) {
    throw new Error(`field "${short(name)}" is not a string, number, integer, boolean or list of choices`);
  }
  const out: McpElicitationField = {
    name,
    title: text(spec.title) ?? name,
    type,
    required,
    ...(text(spec.description) ? { description: text(spec.description)! } : {}),
  };
  const options = type === "array" ? choices(record(spec.items)) : choices(spec);
  if (type === "array" && !options) throw new Error(`field "${short(name)}" is a list without choices`);
  if (options) out.options = options;
  for (const key of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"] as const) {
    if (typeof spec[key] === "number" && Number.isFinite(spec[key])) out[key] = spec[key];
  }
  if (typeof spec.format === "string") out.format = spec.format;
  const fallback = spec.default;
  if (fallback !== undefined && checkValue(out, fallback) === undefined) out.default = fallback as McpElicitationValue;
  return out;
}

/** `enum` (with the legacy `enumNames`), `oneOf`/`anyOf` of `{ const, title }`. */
function choices(spec: Record<string, unknown> | undefined): McpElicitationField["options"] {
  if (!spec) return undefined;
  if (Array.isArray(spec.enum)) {
    const names = Array.isArray(spec.enumNames) ? spec.enumNames : [];
    return spec.enum
      .filter((value) => typeof value === "string")
      .map((value, index) => ({ value, title: text(names[index]) ?? value }));
  }
  const list = Array.isArray(spec.oneOf) ? spec.oneOf : Array.isArray(spec.anyOf) ? spec.anyOf : undefined;
  if (!list) return undefined;
  return list
    .map(record)
    .filter((option) => typeof option?.const === "string")
    .map((option) => ({ value: option!.const as string, title: text(option!.title) ?? (option!.const as string) }));
}

/** Why a value does not fit its field, or undefined when it does. */
export function checkValue(field: McpElicitationField, value: unknown): string | undefined {
  const allowed = field.options?.map((option) => option.value);
  switch (field.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "number":
    case "integer": {
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
      if (field.type === "integer" && !Number.isInteger(value)) return "must be a whole number";
      if (field.minimum !== undefined && value < field.minimum) return `must be at least ${field.minimum}`;
      if (field.maximum !== undefined && value > field.maximum) return `must be at most ${field.maximum}`;
      return undefined;
    }
    case "array": {
      if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) return "must be a list of choices";
      const unknown = value.find((item) => !allowed?.includes(item));
      if (unknown !== undefined) return `has "${short(unknown)}", which is not one of the choices`;
      if (field.minItems !== undefined && value.length < field.minItems) return `needs at least ${field.minItems}`;
      if (field.maxItems !== undefined && value.length > field.maxItems) return `takes at most ${field.maxItems}`;
      return undefined;
    }
    case "string": {
      if (typeof value !== "string") return "must be text";
      if (allowed && !allowed.includes(value)) return `must be one of ${allowed.join(", ")}`;
      if (field.minLength !== undefined && value.length < field.minLength)
        return `needs at least ${field.minLength} characters`;
      if (field.maxLength !== undefined && value.length > field.maxLength)
        return `takes at most ${field.maxLength} characters`;
      if (value.length > MAX_TEXT) return `takes at most ${MAX_TEXT} characters`;
      return formatProblem(field.format, value);
    }
  }
}

function formatProblem(format: string | undefined, value: string): string | undefined {
  if (value === "") return undefined;
  if (format === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return "must be an email address";
  if (format === "uri" && !URL.canParse(value)) return "must be a URL";
  if (format === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return "must be a date (YYYY-MM-DD)";
  if (format === "date-time" && Number.isNaN(Date.parse(value))) return "must be a date and time";
  return undefined;
}

/** Checks a whole answer: every required field present, every value fitting, nothing extra. */
export function checkAnswer(fields: McpElicitationField[], content: Record<string, unknown>): string | undefined {
  for (const name of Object.keys(content)) {
    if (!fields.some((candidate) => candidate.name === name)) return `"${short(name)}" is not a field of the form`;
  }
  for (const item of fields) {
    const value = content[item.name];
    if (value === undefined) {
      if (item.required) return `${item.title} is required`;
      continue;
    }
    const problem = checkValue(item, value);
    if (problem) return `${item.title} ${problem}`;
  }
  return undefined;
}

/**
 * A typed answer for a field from what a person typed (terminal, HTTP form): `yes`/`no` for a
 * boolean, a number, a choice by value or title (comma-separated for a list). Empty text is no
 * answer (the default, if any, is the front end's to offer). Throws saying what is expected.
 */
export function parseTypedValue(field: McpElicitationField, typed: string): McpElicitationValue | undefined {
  const input = typed.trim();
  if (input === "") return undefined;
  const choice = (word: string) => {
    const found = field.options?.find(
      (option) => option.value === word || option.title.toLowerCase() === word.toLowerCase(),
    );
    if (!found) throw new Error(`${field.title}: choose one of ${field.options?.map((o) => o.title).join(", ")}`);
    return found.value;
  };
  let value: McpElicitationValue;
  if (field.type === "boolean") {
    if (/^(y|yes|true|1)$/i.test(input)) value = true;
    else if (/^(n|no|false|0)$/i.test(input)) value = false;
    else throw new Error(`${field.title}: answer yes or no`);
  } else if (field.type === "number" || field.type === "integer") {
    value = Number(input);
  } else if (field.type === "array") {
    value = input
      .split(",")
      .map((word) => word.trim())
      .filter(Boolean)
      .map(choice);
  } else value = field.options ? choice(input) : input;
  const problem = checkValue(field, value);
  if (problem) throw new Error(`${field.title} ${problem}`);
  return value;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.slice(0, 500) : undefined;
}

function short(value: string): string {
  return value.slice(0, 60);
}
