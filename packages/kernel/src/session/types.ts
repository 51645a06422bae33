import type { Message, Usage } from "../messages.js";
import type { PermissionMode } from "../permissions/types.js";
import type { ThinkingLevel } from "../thinking.js";

export const SESSION_FORMAT_VERSION = 1;

/** First line of every session file. */
export interface SessionHeader {
  type: "session";
  version: number;
  id: string;
  cwd: string;
  createdAt: string;
  /** Set when this session was forked from another one. */
  forkedFrom?: { sessionId: string; entryId: string };
}

interface EntryBase {
  /** Unique within the session file. */
  id: string;
  /** The entry this one follows; null for the first. Entries form a tree. */
  parentId: string | null;
  /** ISO 8601. */
  timestamp: string;
}

export interface MessageEntry extends EntryBase {
  type: "message";
  message: Message;
}

/** Older turns replaced by a summary. Context = summary + entries from firstKeptEntryId on. */
export interface CompactionEntry extends EntryBase {
  type: "compaction";
  summary: string;
  firstKeptEntryId: string;
  tokensBefore: number;
  /** What the summary's model call cost (absent in sessions written before it was recorded). */
  usage?: Usage;
}

export interface ModelChangeEntry extends EntryBase {
  type: "model_change";
  model: string;
}

/** The thinking level from here on (`kernel.setThinking`, `--thinking`, `/thinking`). */
export interface ThinkingChangeEntry extends EntryBase {
  type: "thinking_change";
  level: ThinkingLevel;
}

/**
 * The permission mode from here on (`kernel.setPermissionMode`: the terminal's shift+tab, an
 * editor's mode picker). A record of what the session ran under; a resumed run takes its mode from
 * its own flags and settings, never from a session file.
 */
export interface PermissionModeChangeEntry extends EntryBase {
  type: "permission_mode_change";
  mode: PermissionMode;
}

/** Extensions' own state, never sent to the model. */
export interface CustomEntry extends EntryBase {
  type: "custom";
  customType: string;
  data: unknown;
}

export type SessionEntry =
  | MessageEntry
  | CompactionEntry
  | ModelChangeEntry
  | ThinkingChangeEntry
  | PermissionModeChangeEntry
  | CustomEntry;

/** An entry as callers hand it to `append` (the session assigns id, parentId, timestamp). */
export type NewSessionEntry =
  | Omit<MessageEntry, "id" | "parentId" | "timestamp">
  | Omit<CompactionEntry, "id" | "parentId" | "timestamp">
  | Omit<ModelChangeEntry, "id" | "parentId" | "timestamp">
  | Omit<ThinkingChangeEntry, "id" | "parentId" | "timestamp">
  | Omit<PermissionModeChangeEntry, "id" | "parentId" | "timestamp">
  | Omit<CustomEntry, "id" | "parentId" | "timestamp">;

export interface SessionInfo {
  id: string;
  path: string;
  cwd: string;
  createdAt: string;
  updatedAt: string;
  entryCount: number;
  /** First user prompt, shortened; for lists. */
  title: string;
}

/** What the loop sends the model, rebuilt from the path root → leaf. */
export interface SessionContext {
  messages: Message[];
  /** Last model recorded on the path, if any. */
  model?: string;
  /** Last thinking level recorded on the path, if any. */
  thinking?: ThinkingLevel;
}
