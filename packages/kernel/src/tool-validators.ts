import type { Ajv, ValidateFunction } from "ajv";
import validateToolSchema from "./generated/tool-schema-validator.js";
import type { AnyTool } from "./tool.js";

/** A tool's argument validator: Ajv's, or one Ajv generated ahead of time with the same options. */
export type ToolValidator = ValidateFunction;

/** Validators compiled ahead of time, by the JSON text of the schema each was compiled from. */
export type PrecompiledToolValidators = ReadonlyMap<string, (data: unknown) => boolean>;

/**
 * Ajv is loaded on the first tool call, not at start: a turn that calls no tool never pays for
 * it. Compiled validators are shared by every runner for the life of the process.
 */
let ajv: Promise<Ajv> | undefined;
const validators = new WeakMap<AnyTool, ToolValidator>();
let loadPrecompiled: (() => Promise<PrecompiledToolValidators>) | undefined;
let precompiled: Promise<PrecompiledToolValidators> | undefined;

/**
 * Validators an embedder compiled ahead of time (the runtime's, for the built-in tools' schemas),
 * loaded at the first tool call. Each must be Ajv's standalone code for its schema with the
 * options below (`allErrors`, not strict): a tool whose schema has exactly that JSON text is
 * validated by it, and loading and constructing Ajv and compiling the schema (~20 ms of CPU in a
 * process that calls a tool) are skipped. Any other schema is compiled as before. A table that
 * fails to load is as good as an empty one.
 */
export function useToolValidators(load: () => Promise<PrecompiledToolValidators>): void {
  loadPrecompiled = load;
  precompiled = undefined;
}

export async function validatorFor(tool: AnyTool): Promise<ToolValidator> {
  let validator = validators.get(tool);
  if (!validator) {
    validator = (await ahead(tool.parameters)) ?? (await compile(tool.parameters));
    validators.set(tool, validator);
  }
  return validator;
}

async function ahead(schema: unknown): Promise<ToolValidator | undefined> {
  if (!loadPrecompiled) return undefined;
  precompiled ??= loadPrecompiled().catch(() => new Map());
  return (await precompiled).get(JSON.stringify(schema)) as ToolValidator | undefined;
}

async function compile(schema: AnyTool["parameters"]): Promise<ToolValidator> {
  // Ajv is CommonJS: where its named export lands depends on who loads it (Node, a bundle's chunk).
  ajv ??= import("ajv").then((module) => {
    const loaded = module as unknown as { Ajv?: typeof Ajv; default?: { Ajv?: typeof Ajv } & typeof Ajv };
    const AjvClass = loaded.Ajv ?? loaded.default?.Ajv ?? (loaded.default as typeof Ajv);
    // The schema is checked against the meta-schema below, by a validator generated at build
    // time: Ajv's own check compiles the meta-schema first, ~25 ms of every tool-calling process.
    return new AjvClass({ allErrors: true, strict: false, validateSchema: false });
  });
  const compiler = await ajv;
  checkSchema(compiler, schema);
  return compiler.compile(schema);
}

/**
 * What Ajv's `validateSchema` did: a schema that is not valid draft-07 is refused, naming why.
 * One that names another meta-schema (`$schema`) is checked by Ajv, which knows only its own.
 */
function checkSchema(compiler: Ajv, schema: unknown): void {
  const named = typeof schema === "object" && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (named !== undefined && !DRAFT_07.has(named as string)) {
    compiler.validateSchema(schema as object, true);
    return;
  }
  if (!validateToolSchema(schema)) {
    throw new Error(`schema is invalid: ${compiler.errorsText(validateToolSchema.errors)}`);
  }
}

const DRAFT_07 = new Set(["http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema"]);
