import type { ErrorObject } from "ajv";

/** Ajv standalone validator for JSON Schema draft-07 schemas (generated; see scripts/). */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
