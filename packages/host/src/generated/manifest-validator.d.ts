import type { ErrorObject } from "ajv";

/** Ajv standalone validator for pincer.plugin.json (generated; see scripts/). */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
/** SHA-256 of the validator's code, computed when it was generated. */
export declare const VALIDATOR_ID: string;
