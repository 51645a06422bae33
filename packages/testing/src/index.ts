export {
  type AnthropicScript,
  type AnthropicStep,
  type LoopbackAnthropicServer,
  type MessagesRequestBody,
  startAnthropicServer,
} from "./anthropic-server.js";
export { everythingServer } from "./everything.js";
export { type FaultStep, hugeText, PROXY_PAGE } from "./faults.js";
export { type GitRepo, gitRepo } from "./git-repo.js";
export {
  type GitHubRepo,
  type GitHubRequestRecord,
  type GitHubServer,
  startGitHubServer,
} from "./github-server.js";
export { type LocalRegistry, startLocalRegistry } from "./local-registry.js";
export { MCP_TEST_SERVER, serveMcpHttp } from "./mcp-server.js";
export { type OAuthMcpServer, serveMcpHttpWithOAuth } from "./oauth-server.js";
export type { ResponsesRequestBody } from "./openai-responses-wire.js";
export {
  type ChatRequestBody,
  type LoopbackOpenAIServer,
  type OpenAIScript,
  type OpenAIStep,
  type RecordedRequest,
  startOpenAIServer,
} from "./openai-server.js";
export { type LoadedPlugin, type LoadPluginOptions, loadPlugin } from "./plugin-harness.js";
export {
  type HookedTestSession,
  hookedTestSession,
  type ScriptedSessions,
  type ScriptStep,
  scriptedModel,
  scriptedSessions,
} from "./plugin-sessions.js";
export {
  createEnvCapability,
  createExecCapability,
  createFsCapability,
  type LoadedTheme,
  type LocalHub,
  type LocalHubOptions,
  priceUsage,
  startLocalHub,
  unconfinedLauncher,
} from "./real-parts.js";
export {
  type SearchDocument,
  type SearchRequestRecord,
  type SearchServer,
  startSearchServer,
} from "./search-server.js";
export { readServerSentEvents, type ServerSentEvent } from "./server-sent-events.js";
export {
  DEFAULT_WAIT_MS,
  type EventSource,
  type EventWaitOptions,
  scaledTimeout,
  testTimeoutScale,
  until,
  type WaitOptions,
  waitForEvent,
} from "./until.js";
export { ARTICLE_HTML, startWebSite, type WebSite } from "./web-site.js";
