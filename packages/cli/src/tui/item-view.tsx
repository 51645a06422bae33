import { Box, renderToString, Static, Text } from "ink";
import { planFromResult, planSummary } from "../output/plan.js";
import { linesToAnsi } from "./ansi.js";
import { renderMarkdown } from "./markdown.js";
import type { Palette } from "./palette.js";
import { type StyledLine, sanitize } from "./styled.js";
import { COLLAPSED_LINES, collapse, diffLines, resultDiff, resultSummary, resultText, toolTitle } from "./tool-view.js";
import type { Item } from "./transcript.js";

/**
 * Styled lines as one Ink `<Text>`, styled up front (ansi.ts): a finished block of 500 lines is one
 * node to lay out and draw, not 1,000. Each line still wraps on its own at the terminal's width.
 */
export function Lines({ lines, prefix }: { lines: StyledLine[]; prefix?: string }) {
  const text = linesToAnsi(lines, prefix);
  return text ? <Text>{text}</Text> : null;
}

/**
 * An item as the terminal shows it above the live area (printed-items.ts): drawn by Ink in a
 * `<Static>` of its own, as it always was (a bordered block as wide as its content, not the
 * screen), ending with the newline Ink puts after static output.
 */
export function itemText(item: Item, palette: Palette, width: number, expanded: boolean): string {
  const view = (shown: Item) => (
    <ItemView key={shown.id} item={shown} palette={palette} width={width} expanded={expanded} />
  );
  return `${renderToString(<Static items={[item]}>{view}</Static>, { columns: width })}\n`;
}

/** How many lines of thinking and of a prompt stay on screen while folded. */
const THINKING_LINES = 6;
const PROMPT_LINES = 40;

export function ItemView({
  item,
  palette,
  width,
  expanded,
}: {
  item: Item;
  palette: Palette;
  width: number;
  /** ctrl+o: folded blocks shown whole. */
  expanded: boolean;
}) {
  const { color, symbol } = palette;
  switch (item.kind) {
    case "user":
      return (
        <Box marginTop={1}>
          <Text color={color.user} bold>
            {`${symbol.prompt} `}
          </Text>
          <Text color={color.text}>{expanded ? item.text : clip(item.text, PROMPT_LINES)}</Text>
        </Box>
      );
    case "markdown":
      return (
        <Box marginTop={1} flexDirection="column">
          <Lines lines={renderMarkdown(item.text, palette, width)} />
        </Box>
      );
    case "thinking":
      return (
        <Box marginTop={1}>
          <Text color={color.muted} italic>
            {`✻ ${expanded ? item.text : clip(item.text, THINKING_LINES)}`}
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
      return <ToolView item={item} palette={palette} width={width} expanded={expanded} />;
  }
}

function ToolView({
  item,
  palette,
  width,
  expanded,
}: {
  item: Extract<Item, { kind: "tool" }>;
  palette: Palette;
  width: number;
  expanded: boolean;
}) {
  const { color, symbol } = palette;
  const failed = item.result.isError;
  const text = resultText(item.result);
  const diff = resultDiff(item.result);
  // The plan is drawn whole while the turn runs; in the transcript, where it stood.
  const plan = planFromResult(item.name, item.result);
  const summary = plan ? `Plan: ${sanitize(planSummary(plan))}` : resultSummary(item.name, text, failed);
  const body: StyledLine[] = diff
    ? diffLines(diff, palette)
    : summary !== undefined
      ? [[{ text: summary, color: color.muted }]]
      : text
        ? text.split("\n").map((line) => [{ text: line, color: failed ? color.error : color.text }])
        : [[{ text: "(no output)", color: color.muted }]];
  const folds = body.length > COLLAPSED_LINES;
  const { shown, hidden } = expanded ? { shown: body, hidden: 0 } : collapse(body, COLLAPSED_LINES);
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
      ) : folds ? (
        <Text color={color.muted}>{`    ${symbol.expanded} ${body.length} lines (ctrl+o to fold)`}</Text>
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
