/** The built-in tools' schemas (JSON text) and their Ajv standalone validators (generated; see scripts/). */
export declare const toolValidators: ReadonlyMap<string, (data: unknown) => boolean>;
