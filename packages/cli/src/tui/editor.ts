/** The input box's text and cursor (an offset into the text). Every edit returns a new state. */
export interface EditorState {
  text: string;
  cursor: number;
}

export const EMPTY: EditorState = { text: "", cursor: 0 };

export function insert(state: EditorState, text: string): EditorState {
  return {
    text: state.text.slice(0, state.cursor) + text + state.text.slice(state.cursor),
    cursor: state.cursor + text.length,
  };
}

export function backspace(state: EditorState): EditorState {
  if (state.cursor === 0) return state;
  const before = [...state.text.slice(0, state.cursor)];
  const removed = before.pop() ?? "";
  return { text: before.join("") + state.text.slice(state.cursor), cursor: state.cursor - removed.length };
}

export function deleteForward(state: EditorState): EditorState {
  if (state.cursor >= state.text.length) return state;
  const after = [...state.text.slice(state.cursor)];
  after.shift();
  return { text: state.text.slice(0, state.cursor) + after.join(""), cursor: state.cursor };
}

export function moveLeft(state: EditorState): EditorState {
  if (state.cursor === 0) return state;
  const before = [...state.text.slice(0, state.cursor)];
  return { ...state, cursor: state.cursor - (before.pop()?.length ?? 0) };
}

export function moveRight(state: EditorState): EditorState {
  if (state.cursor >= state.text.length) return state;
  const next = [...state.text.slice(state.cursor)][0] ?? "";
  return { ...state, cursor: state.cursor + next.length };
}

export function lineStart(state: EditorState): EditorState {
  return { ...state, cursor: state.text.lastIndexOf("\n", state.cursor - 1) + 1 };
}

export function lineEnd(state: EditorState): EditorState {
  const end = state.text.indexOf("\n", state.cursor);
  return { ...state, cursor: end === -1 ? state.text.length : end };
}

/** Deletes from the cursor back to the start of the line (ctrl+u). */
export function killLineBefore(state: EditorState): EditorState {
  const start = lineStart(state).cursor;
  return { text: state.text.slice(0, start) + state.text.slice(state.cursor), cursor: start };
}

/** Deletes the word before the cursor (ctrl+w, alt+backspace). */
export function killWordBefore(state: EditorState): EditorState {
  const before = state.text.slice(0, state.cursor);
  const start = before.replace(/\S+\s*$|\s+$/, "").length;
  return { text: state.text.slice(0, start) + state.text.slice(state.cursor), cursor: start };
}

/**
 * Moves the cursor one line up or down, keeping its column where the line is long enough.
 * Returns undefined on the first (up) or last (down) line: there the arrows walk the history.
 */
export function moveVertical(state: EditorState, direction: -1 | 1): EditorState | undefined {
  const start = state.text.lastIndexOf("\n", state.cursor - 1) + 1;
  const column = state.cursor - start;
  if (direction === -1) {
    if (start === 0) return undefined;
    const previousStart = state.text.lastIndexOf("\n", start - 2) + 1;
    const previousLength = start - 1 - previousStart;
    return { ...state, cursor: previousStart + Math.min(column, previousLength) };
  }
  const end = state.text.indexOf("\n", state.cursor);
  if (end === -1) return undefined;
  const nextEnd = state.text.indexOf("\n", end + 1);
  const nextLength = (nextEnd === -1 ? state.text.length : nextEnd) - (end + 1);
  return { ...state, cursor: end + 1 + Math.min(column, nextLength) };
}

/**
 * Prompts sent before, newest last; ↑ and ↓ walk them. What was being typed is kept as a
 * draft and comes back after the newest entry.
 */
export class History {
  private readonly entries: string[] = [];
  private position = 0;
  private draft = "";

  constructor(
    entries: string[] = [],
    private readonly limit = 500,
  ) {
    this.entries.push(...entries.slice(-limit));
    this.position = this.entries.length;
  }

  push(text: string): void {
    if (text.trim() && this.entries[this.entries.length - 1] !== text) this.entries.push(text);
    if (this.entries.length > this.limit) this.entries.shift();
    this.position = this.entries.length;
    this.draft = "";
  }

  previous(current: string): string | undefined {
    if (this.position === 0) return undefined;
    if (this.position === this.entries.length) this.draft = current;
    this.position--;
    return this.entries[this.position];
  }

  next(): string | undefined {
    if (this.position >= this.entries.length) return undefined;
    this.position++;
    return this.position === this.entries.length ? this.draft : this.entries[this.position];
  }

  all(): readonly string[] {
    return this.entries;
  }
}

/** Pastes over this many characters or lines show as a placeholder in the box and are sent whole. */
export const LARGE_PASTE_CHARS = 2_000;
export const LARGE_PASTE_LINES = 20;

/** Holds large pastes behind short placeholders, so megabytes never pass through the editor. */
export class Pastes {
  private readonly stored = new Map<string, string>();
  private count = 0;

  /** The text to insert into the box: the paste itself, or its placeholder. */
  accept(text: string): string {
    const normalized = text.replace(/\r\n?/g, "\n");
    const lines = normalized.split("\n").length;
    if (normalized.length <= LARGE_PASTE_CHARS && lines <= LARGE_PASTE_LINES) return normalized;
    const placeholder = `[Pasted text #${++this.count} +${lines} lines, ${normalized.length.toLocaleString("en-US")} chars]`;
    this.stored.set(placeholder, normalized);
    return placeholder;
  }

  /** The prompt as sent: placeholders replaced by what was pasted. */
  expand(text: string): string {
    let out = text;
    for (const [placeholder, content] of this.stored) out = out.split(placeholder).join(content);
    return out;
  }

  clear(): void {
    this.stored.clear();
  }
}
