import type { QueuedPrompt } from "@pincer/kernel";
import { Box, Text } from "ink";
import { useEffect, useLayoutEffect, useReducer, useRef } from "react";
import { Lines } from "./item-view.js";
import { renderMarkdown } from "./markdown.js";
import type { Palette } from "./palette.js";
import { sanitize } from "./styled.js";
import { LIVE_TAIL_LINES, tail, toolTitle } from "./tool-view.js";
import type { LiveState } from "./transcript.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const SPINNER_MS = 100;

/**
 * What is still happening: the unfinished end of the answer, thinking, running tools with the
 * tail of their output, and a spinner with the elapsed time. Kept short (finished blocks move
 * up into the transcript), so redrawing it while tokens stream stays cheap.
 */
export function LiveView({
  live,
  palette,
  width,
  rows,
}: {
  live: LiveState;
  palette: Palette;
  width: number;
  rows: number;
}) {
  const { color, symbol } = palette;
  // The streamed text may not exceed the screen, or the terminal would scroll on every frame.
  const room = Math.max(3, rows - 10);
  const textLines = live.text ? renderMarkdown(live.text, palette, width) : [];
  const thinking = live.thinking ? tail(live.thinking, 3) : [];
  return (
    <Box flexDirection="column">
      {thinking.length > 0 ? (
        <Box marginTop={1}>
          <Text color={color.muted} italic>{`✻ ${thinking.join("\n  ")}`}</Text>
        </Box>
      ) : null}
      {textLines.length > 0 ? (
        <Box marginTop={1}>
          <Lines lines={textLines.slice(-room)} />
        </Box>
      ) : null}
      {live.tools.map((tool) => (
        <Box key={tool.id} marginTop={1} flexDirection="column">
          <Text>
            <Text color={color.warning}>{`${symbol.bullet} `}</Text>
            <Text bold>{toolTitle(tool.name, tool.args, width - 4)}</Text>
          </Text>
          {tool.output
            ? tail(tool.output, LIVE_TAIL_LINES).map((line, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a tail is redrawn whole.
                <Text key={index} color={color.muted}>{`  ⎿ ${line}`}</Text>
              ))
            : null}
        </Box>
      ))}
      {live.busy ? (
        <Busy
          palette={palette}
          since={live.turnStartedAt ?? Date.now()}
          retry={live.retry}
          label={live.activity ?? "Working…"}
        />
      ) : null}
    </Box>
  );
}

/** Progress for a turn: a spinner, seconds so far, and how to stop it. */
function Busy({
  palette,
  since,
  retry,
  label,
}: {
  palette: Palette;
  since: number;
  retry: string | undefined;
  label: string;
}) {
  // The spinner turns every SPINNER_MS by the clock. While text streams the screen is redrawn
  // more often than that anyway, each redraw showing the current frame; the timer only asks for a
  // redraw (a whole frame of Ink's) when none has shown the current step yet.
  const [, tick] = useReducer((count: number) => count + 1, 0);
  const now = Date.now();
  const shown = useRef(-1);
  useLayoutEffect(() => {
    shown.current = Math.floor(now / SPINNER_MS);
  });
  useEffect(() => {
    const timer = setInterval(() => {
      if (Math.floor(Date.now() / SPINNER_MS) !== shown.current) tick();
    }, SPINNER_MS);
    return () => clearInterval(timer);
  }, []);
  const frame = SPINNER[Math.floor(now / SPINNER_MS) % SPINNER.length];
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <Box marginTop={1} flexDirection="column">
      <Text color={palette.color.accent}>
        {`${frame} ${label} ${seconds}s`}
        <Text color={palette.color.muted}> · esc to interrupt</Text>
      </Text>
      {retry ? <Text color={palette.color.warning}>{`  ${retry}`}</Text> : null}
    </Box>
  );
}

/**
 * Messages sent while the turn runs, dimmed and marked as queued until the model takes them:
 * steering ones at its next step, follow-ups after the turn. esc gives them back to the box.
 */
export function QueuedView({ queued, palette, width }: { queued: QueuedPrompt[]; palette: Palette; width: number }) {
  if (queued.length === 0) return null;
  const room = Math.max(10, width - 24);
  return (
    <Box marginTop={1} flexDirection="column">
      {queued.map((item) => {
        const line = sanitize(item.text).replace(/\s+/g, " ").trim();
        return (
          <Text key={item.id} color={palette.color.muted}>
            {`${palette.symbol.prompt} ${line.length > room ? `${line.slice(0, room - 1)}…` : line}`}
            <Text italic>{item.mode === "steer" ? "  (queued: next step)" : "  (queued: after this turn)"}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
