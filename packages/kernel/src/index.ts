export * from "./catalog.js";
export * from "./messages.js";
export * from "./permissions/types.js";
export * from "./provider.js";
export * from "./session/types.js";
export * from "./tool.js";
