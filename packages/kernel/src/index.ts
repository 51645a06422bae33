export { MessageAssembler } from "./assemble.js";
export * from "./catalog.js";
export { type CompactionSettings, DEFAULT_COMPACTION } from "./compact.js";
export * from "./compaction.js";
export * from "./events.js";
export { checkVerdict, HookDispatcher, type ToolCallGate } from "./hook-dispatch.js";
export * from "./hooks.js";
export { jsonChunks } from "./json-chunks.js";
export { createKernel, Kernel, type KernelOptions } from "./kernel.js";
export { attachPieces, piecesOf, textPieces } from "./long-text.js";
export * from "./loop-guard.js";
export * from "./messages.js";
export { callModel, DEFAULT_RETRY, type ModelCallResult, type RetryPolicy } from "./model-call.js";
export * from "./permissions/budget.js";
export * from "./permissions/engine.js";
export * from "./permissions/rules.js";
export * from "./permissions/types.js";
export { MAX_QUEUED_PROMPTS, type QueueDropReason, type QueuedPrompt, type QueueMode } from "./prompt-queue.js";
export * from "./provider.js";
export { randomBytes, randomUUID } from "./random.js";
export * from "./redact.js";
export {
  acquireSessionLock,
  describeHolder,
  type HeldLock,
  SessionBusyError,
  type SessionLockHolder,
} from "./session/lock.js";
export * from "./session/session.js";
export { tornPathFor } from "./session/session-file.js";
export * from "./session/store.js";
export * from "./session/types.js";
export { sha256Hex } from "./sha256.js";
export * from "./stop-codes.js";
export * from "./thinking.js";
export * from "./tool.js";
export { type PrecompiledToolValidators, useToolValidators } from "./tool-validators.js";
export { UsageLedger } from "./usage-ledger.js";
