import { displayExact, displayLine } from "@pincer/host";
import type { StatusLineInfo } from "@pincer/sdk";
import { Box, Text, useInput } from "ink";
import { useEffect, useState } from "react";
import type { HostTheme, PendingPermission, Picker } from "./controller.js";
import type { Palette } from "./palette.js";
import type { PermissionPreview } from "./permission-preview.js";
import { sanitize } from "./styled.js";

/**
 * A tool wants to run: allow once, allow always (showing the exact rule and the file it goes
 * to), or deny. The question shows what the call will do (the command, the content, the lines an
 * edit replaces; see permission-preview.ts). Keys 1–3, or ↑/↓ and enter; esc denies and stops the turn.
 */
export function PermissionView({
  request,
  palette,
  configFile,
  onEscape,
}: {
  request: PendingPermission;
  palette: Palette;
  /** Where "don't ask again" writes the rule: the project's local settings (`.pincer/settings.local.json`). */
  configFile: string;
  onEscape(): void;
}) {
  const options = [
    { label: "Yes, once", choice: "once" as const },
    ...(request.suggestedRule
      ? [
          {
            label: `Yes, and don't ask again for ${displayExact(request.suggestedRule, 400)} in this project`,
            detail: `saves the rule ${displayExact(request.suggestedRule, 400)} to ${configFile}`,
            choice: "always" as const,
          },
        ]
      : []),
    { label: "No, tell Pincer what to do instead", choice: "deny" as const },
  ];
  const [index, setIndex] = useState(0);
  useInput((input, key) => {
    if (key.escape || (key.ctrl && input === "c")) onEscape();
    else if (key.upArrow) setIndex((at) => (at + options.length - 1) % options.length);
    else if (key.downArrow || key.tab) setIndex((at) => (at + 1) % options.length);
    else if (key.return) request.answer(options[index]!.choice);
    else if (/^[1-9]$/.test(input) && Number(input) <= options.length)
      request.answer(options[Number(input) - 1]!.choice);
    else if (input === "y") request.answer("once");
    else if (input === "n") request.answer("deny");
  });
  const preview = request.preview;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={palette.color.warning} paddingX={1}>
      <Text bold color={palette.color.warning}>
        {/* What will run, exactly: a hidden character (a bidi override, ESC) shows as ⟨U+XXXX⟩. */}
        {`Allow ${displayExact(request.title.replace(/\r\n?/g, "\n"), 400, { keepNewlines: true })}?`}
      </Text>
      {preview ? <PreviewLines preview={preview} palette={palette} /> : null}
      {request.cost ? <Text color={palette.color.warning}>{displayLine(request.cost, 400)}</Text> : null}
      <Text color={palette.color.muted}>{sanitize(request.reason)}</Text>
      {options.map((option, at) => (
        <Box key={option.choice} flexDirection="column">
          <Text {...(at === index ? { color: palette.color.selection } : {})} bold={at === index}>
            {`${at === index ? palette.symbol.prompt : " "} ${at + 1}. ${option.label}`}
          </Text>
          {"detail" in option ? <Text color={palette.color.muted}>{`     ${option.detail}`}</Text> : null}
        </Box>
      ))}
    </Box>
  );
}

/** The command, the new content or the replaced lines, indented under the question, diffs in colour. */
function PreviewLines({ preview, palette }: { preview: PermissionPreview; palette: Palette }) {
  const colorOf = (line: string) =>
    preview.diff && line.startsWith("+")
      ? palette.color.diffAdded
      : preview.diff && line.startsWith("-")
        ? palette.color.diffRemoved
        : palette.color.text;
  return (
    <Box flexDirection="column" marginY={0}>
      <Text color={palette.color.muted}>{`${preview.label}:`}</Text>
      {preview.lines.map((line, at) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are static for the life of the question.
        <Text key={at} color={colorOf(line)}>{`  ${line}`}</Text>
      ))}
      {preview.hidden > 0 ? (
        <Text color={palette.color.muted}>{`  … ${preview.hidden} more line${preview.hidden === 1 ? "" : "s"}`}</Text>
      ) : null}
    </Box>
  );
}

/** Options a picker shows at once. */
const PICKER_ROWS = 12;

/** A list to choose from; moving the selection previews it when the picker can. */
export function PickerView({
  picker,
  palette,
  onDone,
  onEscape,
}: {
  picker: Picker;
  palette: Palette;
  onDone(): void;
  onEscape(): void;
}) {
  const [index, setIndex] = useState(picker.index);
  useInput((input, key) => {
    if (key.escape || (key.ctrl && input === "c")) onEscape();
    else if (key.upArrow || key.downArrow) {
      const next = (index + (key.upArrow ? -1 : 1) + picker.options.length) % picker.options.length;
      setIndex(next);
      picker.preview?.(picker.options[next]!.value);
    } else if (key.return) {
      void Promise.resolve(picker.pick(picker.options[index]!.value)).finally(onDone);
    }
  });
  // A long list scrolls: the selection stays in view.
  const first = Math.min(Math.max(0, index - PICKER_ROWS + 1), Math.max(0, picker.options.length - PICKER_ROWS));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={palette.color.accent} paddingX={1}>
      <Text bold color={palette.color.heading}>
        {picker.title}
      </Text>
      {first > 0 ? <Text color={palette.color.muted}>{`  ↑ ${first} more`}</Text> : null}
      {picker.options.slice(first, first + PICKER_ROWS).map((option, offset) => {
        const at = first + offset;
        return (
          <Text key={option.value} {...(at === index ? { color: palette.color.selection } : {})} bold={at === index}>
            {`${at === index ? palette.symbol.prompt : " "} ${option.label}`}
            {option.hint ? <Text color={palette.color.muted}>{`  ${option.hint}`}</Text> : null}
          </Text>
        );
      })}
      {first + PICKER_ROWS < picker.options.length ? (
        <Text color={palette.color.muted}>{`  ↓ ${picker.options.length - first - PICKER_ROWS} more`}</Text>
      ) : null}
    </Box>
  );
}

/** model · context used · tokens · cost · mode; a theme may draw it with its own code. */
export function StatusLine({ info, theme, palette }: { info: StatusLineInfo; theme: HostTheme; palette: Palette }) {
  const [custom, setCustom] = useState<string | undefined>(undefined);
  const key = JSON.stringify(info);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `info`'s contents.
  useEffect(() => {
    let live = true;
    if (!theme.formatStatusLine) {
      setCustom(undefined);
      return;
    }
    theme
      .formatStatusLine(info)
      .then((text) => live && setCustom(text ? sanitize(text).split("\n")[0]!.slice(0, 300) : undefined))
      .catch(() => live && setCustom(undefined));
    return () => {
      live = false;
    };
  }, [key, theme]);
  if (custom) return <Text color={palette.color.muted}>{custom}</Text>;
  return <Text color={palette.color.muted}>{defaultStatusLine(info)}</Text>;
}

export function defaultStatusLine(info: StatusLineInfo): string {
  const context = info.contextWindow
    ? `${Math.round((info.contextTokens / info.contextWindow) * 100)}% of ${compact(info.contextWindow)} context`
    : `${compact(info.contextTokens)} context`;
  const mode = info.permissionMode === "default" ? "" : ` · ${info.permissionMode} (shift+tab)`;
  return `${info.model} · ${context} · ↑${compact(info.inputTokens)} ↓${compact(info.outputTokens)} · $${info.costUsd.toFixed(4)}${mode}`;
}

function compact(count: number): string {
  if (count >= 1_000_000) return `${(count / 1_000_000).toFixed(1)}M`;
  if (count >= 1_000) return `${(count / 1_000).toFixed(1)}k`;
  return String(count);
}
