import type { ErrorObject } from "ajv";

/** Ajv standalone validator for Pincer's settings files (generated; see scripts/). */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
