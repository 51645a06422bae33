import { displayLine } from "@pincer/host";
import { Box, Text, useInput } from "ink";
import { useRef, useState } from "react";
import { fieldHint, type PendingForm, readForm } from "./form.js";
import type { Palette } from "./palette.js";

/**
 * An MCP server's form: the server's name and message, one line per field (what it takes beside
 * it). Type into the marked field; tab or ↑/↓ moves, enter sends, ctrl+n declines, esc dismisses.
 * What the server wrote is shown as text, never as escape sequences.
 */
export function FormView({ form, palette }: { form: PendingForm; palette: Palette }) {
  // Keys can arrive several in one read (a busy machine, a fast typist): each is applied in turn,
  // so the state lives in a ref and the view is redrawn once per read.
  const state = useRef({ texts: form.initial, active: 0, problem: undefined as string | undefined });
  const [, redraw] = useState(0);
  const count = Math.max(1, form.fields.length);
  const move = (by: number) => {
    state.current.active = (state.current.active + by + count) % count;
  };
  const edit = (change: (text: string) => string) => {
    const { texts, active } = state.current;
    state.current.texts = texts.map((text, at) => (at === active ? change(text) : text));
  };
  const submit = () => {
    const read = readForm(form, state.current.texts);
    if (typeof read === "string") state.current.problem = read;
    else form.answer(read);
  };
  useInput((input, key) => {
    if (key.escape) return form.answer({ action: "cancel" });
    if (key.ctrl && input === "n") return form.answer({ action: "decline" });
    if (key.upArrow || (key.shift && key.tab)) move(-1);
    else if (key.downArrow || key.tab) move(1);
    else if (key.return) submit();
    else if (key.backspace || key.delete) edit((text) => text.slice(0, -1));
    else if (input && !key.ctrl && !key.meta) {
      for (const char of input) {
        if (char === "\t") move(1);
        else if (char === "\r" || char === "\n") submit();
        else if (char === "\x7f" || char === "\b") edit((text) => text.slice(0, -1));
        else edit((text) => text + char);
      }
    }
    redraw((n) => n + 1);
  });
  const { texts, active, problem } = state.current;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={palette.color.warning} paddingX={1}>
      <Text bold color={palette.color.warning}>{`The MCP server "${displayLine(form.server, 80)}" asks:`}</Text>
      <Text>{displayLine(form.message, 1_000)}</Text>
      {form.fields.map((field, at) => (
        <Text key={field.name} {...(at === active ? { color: palette.color.selection } : {})} bold={at === active}>
          {`${at === active ? palette.symbol.prompt : " "} ${displayLine(field.title, 80)}${field.required ? "*" : ""}: ${texts[at] ?? ""}${at === active ? "▏" : ""}`}
          <Text
            color={palette.color.muted}
          >{`  (${displayLine(fieldHint(field), 200)}${field.description ? ` — ${displayLine(field.description, 200)}` : ""})`}</Text>
        </Text>
      ))}
      {problem ? <Text color={palette.color.error}>{displayLine(problem, 300)}</Text> : null}
      <Text color={palette.color.muted}>enter sends · tab next field · ctrl+n declines · esc dismisses</Text>
    </Box>
  );
}
