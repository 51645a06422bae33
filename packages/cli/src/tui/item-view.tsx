import { Box, Text } from "ink";
import { renderMarkdown } from "./markdown.js";
import type { Palette } from "./palette.js";
import type { StyledLine } from "./styled.js";
import { COLLAPSED_LINES, collapse, diffLines, resultDiff, resultSummary, resultText, toolTitle } from "./tool-view.js";
import type { Item } from "./transcript.js";

/** Styled lines as Ink text, one `<Text>` per line so wrapping stays inside each line. */
export function Lines({ lines, prefix }: { lines: StyledLine[]; prefix?: string }) {
  return (
    <Box flexDirection="column">
      {lines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of a finished block never reorder.
        <Text key={index}>
          {prefix}
          {line.map((span, at) => (
            <Text
              // biome-ignore lint/suspicious/noArrayIndexKey: spans of a line never reorder.
              key={at}
              {...(span.color ? { color: span.color } : {})}
              bold={!!span.bold}
              italic={!!span.italic}
              dimColor={!!span.dim}
              underline={!!span.underline}
              strikethrough={!!span.strikethrough}
              inverse={!!span.inverse}
            >
              {span.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}

export function ItemView({ item, palette, width }: { item: Item; palette: Palette; width: number }) {
  const { color, symbol } = palette;
  switch (item.kind) {
    case "user":
      return (
        <Box marginTop={1}>
          <Text color={color.user} bold>
            {`${symbol.prompt} `}
          </Text>
          <Text color={color.text}>{clip(item.text, 40)}</Text>
        </Box>
      );
    case "markdown":
      return (
        <Box marginTop={1} flexDirection="column">
          <Lines lines={renderMarkdown(item.text, palette)} />
        </Box>
      );
    case "thinking":
      return (
        <Box marginTop={1}>
          <Text color={color.muted} italic>
            {`✻ ${clip(item.text, 6)}`}
          </Text>
        </Box>
      );
    case "notice": {
      const tone = item.level === "error" ? color.error : item.level === "warning" ? color.warning : color.muted;
      const mark = item.level === "error" ? symbol.failure : item.level === "warning" ? "!" : "·";
      return (
        <Box marginTop={1}>
          <Text color={tone}>{`${mark} ${item.text}`}</Text>
        </Box>
      );
    }
    case "block":
      return (
        <Box marginTop={1} flexDirection="column" borderStyle="round" borderColor={color.border} paddingX={1}>
          <Text bold color={color.heading}>
            {item.title}
          </Text>
          {item.lines.map((line, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a finished block never reorders.
            <Text key={index}>{line}</Text>
          ))}
        </Box>
      );
    case "tool":
      return <ToolView item={item} palette={palette} width={width} />;
  }
}

function ToolView({
  item,
  palette,
  width,
}: {
  item: Extract<Item, { kind: "tool" }>;
  palette: Palette;
  width: number;
}) {
  const { color, symbol } = palette;
  const failed = item.result.isError;
  const text = resultText(item.result);
  const diff = resultDiff(item.result);
  const summary = resultSummary(item.name, text, failed);
  const body: StyledLine[] = diff
    ? diffLines(diff, palette)
    : summary !== undefined
      ? [[{ text: summary, color: color.muted }]]
      : text
        ? text.split("\n").map((line) => [{ text: line, color: failed ? color.error : color.text }])
        : [[{ text: "(no output)", color: color.muted }]];
  const { shown, hidden } = item.expanded ? { shown: body, hidden: 0 } : collapse(body, COLLAPSED_LINES);
  const seconds =
    item.durationMs !== undefined && item.durationMs >= 1000 ? ` · ${(item.durationMs / 1000).toFixed(1)}s` : "";
  return (
    <Box marginTop={1} flexDirection="column">
      <Text>
        <Text color={failed ? color.error : color.success}>{`${failed ? symbol.failure : symbol.bullet} `}</Text>
        <Text bold>{toolTitle(item.name, item.args, width - 4)}</Text>
        <Text color={color.muted}>{seconds}</Text>
      </Text>
      <Lines lines={shown} prefix="  ⎿ " />
      {hidden > 0 ? (
        <Text color={color.muted}>{`    ${symbol.collapsed} +${hidden} lines (ctrl+o to expand)`}</Text>
      ) : null}
    </Box>
  );
}

/** At most `limit` lines of a long text, with a count of the rest. */
function clip(text: string, limit: number): string {
  const lines = text.split("\n");
  if (lines.length <= limit) return text;
  return `${lines.slice(0, limit).join("\n")}\n… +${lines.length - limit} lines`;
}
