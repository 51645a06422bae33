import { Box, Text, useInput, usePaste } from "ink";
import { useEffect, useRef, useState } from "react";
import { type CommandSummary, matchCommands } from "./commands.js";
import * as edit from "./editor.js";
import type { Palette } from "./palette.js";

export interface InputBoxProps {
  palette: Palette;
  width: number;
  /** False while a permission question or a picker has the keyboard. */
  active: boolean;
  history: edit.History;
  placeholder: string;
  /** Everything `/` completes: built-ins and plugins' commands. */
  commands: CommandSummary[];
  /** A turn is running: alt+enter queues a follow-up instead of adding a line. */
  busy: boolean;
  /** Text given back (queued messages that were not sent), put before what is in the box. */
  restored?: { text: string; seq: number } | undefined;
  /** `followUp`: alt+enter while a turn runs; everything else steers (or starts a turn). */
  onSubmit(text: string, mode?: "steer" | "followUp"): void;
  /** ctrl+c on an empty box; the app decides whether that quits. */
  onCtrlC(): void;
  onEscape(): void;
  onShiftTab(): void;
  /** tab with nothing to complete. */
  onTab(): void;
  onExpand(): void;
}

/**
 * The prompt box: several lines (alt+enter, ctrl+j, or a trailing `\` then enter), history on
 * ↑/↓ from the first or last line, emacs-style keys, and bracketed paste, where a large paste
 * stays a one-line placeholder until it is sent.
 */
export function InputBox(props: InputBoxProps) {
  const { palette, width } = props;
  const [state, setState] = useState<edit.EditorState>(edit.EMPTY);
  const pastes = useRef(new edit.Pastes());
  const current = useRef(state);
  current.current = state;
  const update = (next: edit.EditorState) => {
    current.current = next;
    setState(next);
  };

  const restoredSeq = props.restored?.seq;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new `seq` is a new give-back; the text comes with it.
  useEffect(() => {
    const text = props.restored?.text;
    if (!text) return;
    const now = current.current;
    const merged = now.text ? `${text}\n${now.text}` : text;
    update({ text: merged, cursor: now.text ? text.length + 1 + now.cursor : merged.length });
  }, [restoredSeq]);

  usePaste(
    (text) => {
      update(edit.insert(current.current, pastes.current.accept(text)));
    },
    { isActive: props.active },
  );

  useInput(
    (input, key) => {
      const now = current.current;
      if (key.ctrl && input === "c") {
        if (now.text) {
          pastes.current.clear();
          update(edit.EMPTY);
        } else props.onCtrlC();
        return;
      }
      if (key.escape) return props.onEscape();
      if (key.tab && key.shift) return props.onShiftTab();
      const submit = (state: edit.EditorState, mode: "steer" | "followUp" = "steer") => {
        if (state.text.slice(0, state.cursor).endsWith("\\")) {
          update(edit.insert(edit.backspace(state), "\n"));
          return;
        }
        const text = pastes.current.expand(state.text);
        props.history.push(state.text);
        pastes.current.clear();
        update(edit.EMPTY);
        props.onSubmit(text, mode);
      };
      if (key.return && !key.meta) return submit(now);
      // While a turn runs, alt+enter queues the message for after it (as in pi); ctrl+j still adds a line.
      if (key.return && key.meta && props.busy && now.text.trim()) return submit(now, "followUp");
      if ((key.return && key.meta) || input === "\n") return update(edit.insert(now, "\n"));
      if (key.tab) {
        const [first] =
          now.text.startsWith("/") && !now.text.includes(" ") ? matchCommands(now.text, props.commands) : [];
        if (first) update({ text: `/${first.name} `, cursor: first.name.length + 2 });
        // Nothing to complete: tab steps the thinking level, as it toggles thinking in Claude Code.
        else if (!now.text.startsWith("/")) props.onTab();
        return;
      }
      if (key.backspace || (key.ctrl && input === "h")) {
        return update(key.meta ? edit.killWordBefore(now) : edit.backspace(now));
      }
      if (key.delete || (key.ctrl && input === "d")) return update(edit.deleteForward(now));
      if (key.leftArrow || (key.ctrl && input === "b")) return update(edit.moveLeft(now));
      if (key.rightArrow || (key.ctrl && input === "f")) return update(edit.moveRight(now));
      if (key.home || (key.ctrl && input === "a")) return update(edit.lineStart(now));
      if (key.end || (key.ctrl && input === "e")) return update(edit.lineEnd(now));
      if (key.ctrl && input === "u") return update(edit.killLineBefore(now));
      if (key.ctrl && input === "w") return update(edit.killWordBefore(now));
      if (key.ctrl && input === "o") return props.onExpand();
      if (key.upArrow || key.downArrow) {
        const direction = key.upArrow ? -1 : 1;
        const moved = edit.moveVertical(now, direction);
        if (moved) return update(moved);
        const recalled = direction === -1 ? props.history.previous(now.text) : props.history.next();
        if (recalled !== undefined) update({ text: recalled, cursor: recalled.length });
        return;
      }
      if (key.ctrl || key.meta || !input) return;
      // Keys typed faster than they are read arrive together: a carriage return among them is enter.
      const [first = "", ...rest] = input.replace(/\r\n/g, "\r").split("\r");
      let next = edit.insert(now, first);
      for (const part of rest) {
        submit(next);
        next = edit.insert(current.current, part);
      }
      update(next);
    },
    { isActive: props.active },
  );

  const lines = renderWithCursor(state, props.active);
  const suggestions =
    state.text.startsWith("/") && !state.text.includes(" ") ? matchCommands(state.text, props.commands) : [];
  return (
    <Box flexDirection="column">
      <Box
        borderStyle="round"
        borderColor={props.active ? palette.color.border : palette.color.muted}
        paddingX={1}
        width={Math.max(10, width)}
        flexDirection="column"
      >
        {state.text === "" ? (
          <Text>
            <Text color={palette.color.user} bold>{`${palette.symbol.prompt} `}</Text>
            {props.active ? <Text inverse> </Text> : null}
            <Text color={palette.color.muted}>{props.placeholder}</Text>
          </Text>
        ) : (
          lines.map((line, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines of the box are redrawn whole.
            <Text key={index}>
              <Text color={palette.color.user} bold>
                {index === 0 ? `${palette.symbol.prompt} ` : "  "}
              </Text>
              {line.before}
              {line.cursor !== undefined ? <Text inverse>{line.cursor}</Text> : null}
              {line.after}
            </Text>
          ))
        )}
      </Box>
      {suggestions.slice(0, 8).map((command) => (
        <Text key={command.name}>
          <Text color={palette.color.accent}>{`  /${command.name}`}</Text>
          <Text color={palette.color.muted}>{` ${command.args ?? ""}  ${command.description}`}</Text>
        </Text>
      ))}
    </Box>
  );
}

/** Splits the text into lines and marks the character under the cursor. */
function renderWithCursor(
  state: edit.EditorState,
  showCursor: boolean,
): Array<{ before: string; cursor?: string; after: string }> {
  const out: Array<{ before: string; cursor?: string; after: string }> = [];
  let offset = 0;
  for (const line of state.text.split("\n")) {
    const start = offset;
    const end = offset + line.length;
    if (showCursor && state.cursor >= start && state.cursor <= end) {
      const at = state.cursor - start;
      const char = [...line.slice(at)][0];
      out.push({ before: line.slice(0, at), cursor: char ?? " ", after: line.slice(at + (char?.length ?? 0)) });
    } else out.push({ before: line, after: "" });
    offset = end + 1;
  }
  return out;
}
