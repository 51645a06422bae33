import { Box, Text, useApp, useStdout, useWindowSize } from "ink";
import { useCallback, useEffect, useInsertionEffect, useRef, useState, useSyncExternalStore } from "react";
import { allCommands } from "./commands.js";
import type { Controller } from "./controller.js";
import type { History } from "./editor.js";
import { FormView } from "./form-view.js";
import { InputBox } from "./input-box.js";
import { LiveView, QueuedView } from "./live-view.js";
import { PermissionView, PickerView, StatusLine } from "./panels.js";
import { PlanView } from "./plan-view.js";
import type { ItemPrinter } from "./printed-items.js";

/** How long after a first ctrl+c a second one quits. */
const QUIT_WINDOW_MS = 2_000;

/**
 * The whole screen: finished items printed once (they scroll up with the terminal; `printer`
 * prints them after Ink draws the frame of this commit), then the live area, then the question,
 * picker or input box, then the status line.
 */
export function App({
  controller,
  history,
  configFile,
  printer,
}: {
  controller: Controller;
  history: History;
  configFile: string;
  printer: ItemPrinter;
}) {
  useSyncExternalStore(
    useCallback((listener) => controller.subscribe(listener), [controller]),
    () => controller.revision,
  );
  const { exit } = useApp();
  const { columns, rows } = useWindowSize();
  const [quitHint, setQuitHint] = useState(false);
  const quitTimer = useRef<NodeJS.Timeout | undefined>(undefined);

  useEffect(() => {
    if (controller.exitRequested) exit();
  });
  useEffect(() => () => clearTimeout(quitTimer.current), []);

  const onCtrlC = () => {
    if (quitHint) {
      controller.exit();
      return;
    }
    controller.interrupt();
    setQuitHint(true);
    clearTimeout(quitTimer.current);
    quitTimer.current = setTimeout(() => setQuitHint(false), QUIT_WINDOW_MS);
  };

  const { palette, transcript, permission, picker, form } = controller;
  const width = Math.max(10, columns);
  const { write } = useStdout();
  const { items, expanded } = transcript;
  const { epoch } = controller;
  // Insertion effects run as React commits, before Ink draws the frame of that commit.
  useInsertionEffect(() => printer.commit({ items, epoch, palette, width, expanded, write }));
  const placeholder =
    controller.phase === "starting"
      ? "Starting… (you can type already)"
      : controller.busy && controller.prepared?.kernel.running
        ? "Steer: enter sends at the next step · alt+enter after this turn"
        : 'Ask anything, or type "/" for commands';
  return (
    <Box flexDirection="column">
      <LiveView live={transcript.live} palette={palette} width={width} rows={rows} />
      {/* While the turn runs, the plan as the model last left it (once it has steps to go). */}
      {transcript.live.busy && transcript.plan.some((item) => item.status !== "completed") ? (
        <PlanView plan={transcript.plan} palette={palette} width={width} />
      ) : null}
      <QueuedView queued={transcript.queued} palette={palette} width={width} />
      <Box marginTop={1} flexDirection="column">
        {permission ? (
          <PermissionView
            request={permission}
            palette={palette}
            configFile={configFile}
            onEscape={() => controller.interrupt()}
          />
        ) : null}
        {form && !permission ? <FormView form={form} palette={palette} /> : null}
        {picker && !permission && !form ? (
          <PickerView
            picker={picker}
            palette={palette}
            onDone={() => controller.changed()}
            onEscape={() => controller.interrupt()}
          />
        ) : null}
        {/* Hidden, not unmounted, while a question or picker has the keyboard: what was typed stays. */}
        <Box display={permission || picker || form ? "none" : "flex"}>
          <InputBox
            palette={palette}
            width={width}
            active={!permission && !picker && !form}
            history={history}
            placeholder={placeholder}
            commands={allCommands(controller)}
            busy={!!controller.prepared?.kernel.running}
            restored={controller.restored}
            onSubmit={(text, mode) => controller.submit(text, mode)}
            onCtrlC={onCtrlC}
            onEscape={() => controller.interrupt()}
            onShiftTab={() => controller.cycleMode()}
            onTab={() => controller.cycleThinking()}
            onExpand={() => controller.toggleExpanded()}
          />
        </Box>
        <Box paddingX={1}>
          {quitHint ? (
            <Text color={palette.color.warning}>Press ctrl+c again to exit</Text>
          ) : (
            <StatusLine info={controller.statusInfo()} theme={controller.theme} palette={palette} />
          )}
        </Box>
      </Box>
    </Box>
  );
}
