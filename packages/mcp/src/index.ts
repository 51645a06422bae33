export * from "./client-features.js";
export * from "./config.js";
export * from "./elicitation.js";
export { instructionsSection, MAX_INSTRUCTIONS_CHARS } from "./instructions.js";
export { loginToServer, logoutFromServer } from "./login.js";
export { McpManager, type McpManagerOptions, type McpStartReport, progressLine } from "./manager.js";
export { LoginNeeded, oauthDir, oauthFile, StoredOAuthProvider } from "./oauth.js";
export { type McpPromptInfo, promptUsage } from "./prompts.js";
export type { McpProcessGuard } from "./server.js";
