import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { createRedactor, secretsFromEnv } from "@pincer/kernel";
import { render } from "ink";
import { VERSION } from "../version.js";
import { App } from "./app.js";
import { Controller, type InteractiveOptions, MAX_FPS } from "./controller.js";
import { History } from "./editor.js";
import { eraseFirstFrame } from "./first-frame.js";
import { itemText } from "./item-view.js";
import { ItemPrinter } from "./printed-items.js";

/** How long the window must keep its size before the transcript is printed again. */
const RESIZE_SETTLE_MS = 150;

/**
 * `pincer` in a terminal: the prompt is drawn at once and the session (plugins, provider,
 * history) opens behind it; what is typed meanwhile is sent when it is ready.
 */
export async function runInteractive(
  options: InteractiveOptions & {
    stdin: NodeJS.ReadStream;
    stdout: NodeJS.WriteStream;
  },
): Promise<number> {
  const controller = new Controller(options);
  const historyFile = join(options.home, "history.json");
  const history = new History(readHistory(historyFile));
  controller.transcript.notice("info", `Pincer ${VERSION} · ${options.cwd} · /help for commands, esc interrupts`);
  eraseFirstFrame(options.stdout);
  const printer = new ItemPrinter(itemText);
  const app = (
    <App controller={controller} history={history} configFile=".pincer/settings.local.json" printer={printer} />
  );
  const instance = render(app, {
    stdin: options.stdin,
    stdout: options.stdout,
    exitOnCtrlC: false,
    // Ink turns itself into a print-at-exit renderer when `CI` is set; this is only reached with a
    // terminal on both ends, so a person is there, whatever the environment says.
    interactive: true,
    // Output from plugins' hosts or libraries must not tear the frame.
    patchConsole: true,
    maxFps: MAX_FPS,
    // Finished items are printed above each frame once Ink has drawn it (printed-items.ts).
    onRender: () => printer.flush(),
  });
  controller.clearScreen = () => {
    instance.clear();
    options.stdout.write("\x1b[2J\x1b[3J\x1b[H");
  };
  // Ink redraws its live area after a resize, but the terminal has reflowed what was printed above
  // it, so Ink's idea of how many rows to erase is wrong and the transcript gets cut or doubled.
  // Once the resizing stops, the screen is wiped and everything is printed again at the new width.
  let resizeTimer: NodeJS.Timeout | undefined;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => controller.redraw(), RESIZE_SETTLE_MS);
  };
  options.stdout.on("resize", onResize);
  void controller.start(startOptions(options));
  // Node writes its compile cache at exit, and only for the code compiled by then. Writing it once
  // the screen is up keeps the rendering code (compiled lazily, on first use) for the next start,
  // even if this process is then killed rather than quit.
  setTimeout(() => nodeModule.flushCompileCache?.(), 2_000).unref();
  await instance.waitUntilExit();
  printer.finish((text) => options.stdout.write(text));
  options.stdout.off("resize", onResize);
  clearTimeout(resizeTimer);
  controller.dispose();
  writeHistory(historyFile, history.all(), options.env);
  const id = controller.prepared?.session.id;
  if (id) options.stdout.write(`Resume this session with: pincer --resume ${id}\n`);
  return 0;
}

function startOptions(options: InteractiveOptions) {
  return {
    ...(options.continue ? { continue: true } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
  };
}

function readHistory(file: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === "string") : [];
  } catch {
    return [];
  }
}

/** Prompt history is kept like sessions are: with the values of secret variables redacted. */
function writeHistory(file: string, entries: readonly string[], env: NodeJS.ProcessEnv): void {
  const redact = createRedactor({ secrets: secretsFromEnv(env) });
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(entries.slice(-500).map((entry) => redact(entry))), { mode: 0o600 });
  } catch {
    // History is a convenience; failing to save it must not fail the session.
  }
}
