export * from "./config.js";
export { McpManager, type McpManagerOptions, type McpStartReport } from "./manager.js";
export { type McpPromptInfo, promptUsage } from "./prompts.js";
