export {
  type AnthropicScript,
  type AnthropicStep,
  type LoopbackAnthropicServer,
  type MessagesRequestBody,
  startAnthropicServer,
} from "./anthropic-server.js";
export { type Cassette, type CassetteCall, type CassetteHeader, parseCassette, recordProvider } from "./cassette.js";
export { type FaultStep, hugeText, PROXY_PAGE } from "./faults.js";
export { type LocalRegistry, startLocalRegistry } from "./local-registry.js";
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
  DEFAULT_WAIT_MS,
  type EventSource,
  type EventWaitOptions,
  scaledTimeout,
  testTimeoutScale,
  until,
  type WaitOptions,
  waitForEvent,
} from "./until.js";
