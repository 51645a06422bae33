import { Box, Text } from "ink";
import { type PlanItem, planWindow } from "../output/plan.js";
import type { Palette } from "./palette.js";
import { sanitize } from "./styled.js";

/** Steps of the plan on screen at once; the rest are counted. */
const PLAN_ROWS = 6;

/**
 * The plan the model keeps (the `todo` tool), redrawn each time it changes while the turn runs:
 * a line with the count done, then the steps around the current one.
 */
export function PlanView({ plan, palette, width }: { plan: readonly PlanItem[]; palette: Palette; width: number }) {
  const { color, symbol } = palette;
  const { shown, before, after } = planWindow(plan, PLAN_ROWS);
  const room = Math.max(10, width - 6);
  const fit = (text: string) => {
    const line = sanitize(text).replace(/\s+/g, " ").trim();
    return line.length > room ? `${line.slice(0, room - 1)}…` : line;
  };
  return (
    <Box marginTop={1} flexDirection="column">
      <Text color={color.heading} bold>
        {`Plan · ${plan.filter((item) => item.status === "completed").length}/${plan.length} done`}
      </Text>
      {before > 0 ? <Text color={color.muted}>{`  ${symbol.success} ${before} more done`}</Text> : null}
      {shown.map((item, index) =>
        item.status === "completed" ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: a plan is redrawn whole.
          <Text key={index} color={color.muted} strikethrough>
            {`  ${symbol.success} ${fit(item.content)}`}
          </Text>
        ) : item.status === "in_progress" ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: a plan is redrawn whole.
          <Text key={index} color={color.accent} bold>
            {`  ${symbol.prompt} ${fit(item.content)}`}
          </Text>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: a plan is redrawn whole.
          <Text key={index} color={color.text}>
            {`  ${symbol.pending} ${fit(item.content)}`}
          </Text>
        ),
      )}
      {after > 0 ? <Text color={color.muted}>{`  … ${after} more`}</Text> : null}
    </Box>
  );
}
