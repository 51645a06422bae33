import stringWidth from "string-width";
import wrapAnsi from "wrap-ansi";
import { lineToAnsi } from "./ansi.js";
import { renderMarkdown } from "./markdown.js";
import type { Palette } from "./palette.js";
import { sanitize } from "./styled.js";
import type { Item } from "./transcript.js";

/** What the screen's last commit showed: the items above the live area, and how to draw them. */
export interface PrintedView {
  items: readonly Item[];
  /** Bumped when the screen is wiped (/clear, /resume, a resize, ctrl+o): everything is printed again. */
  epoch: number;
  palette: Palette;
  width: number;
  expanded: boolean;
  /** Ink's write above its frame (useStdout().write): erases the frame, writes, draws the frame again. */
  write(text: string): void;
}

/** Draws an item other than streamed text (a prompt, a tool call, a notice) as Ink would: item-view.tsx's itemText. */
export type DrawItem = (item: Item, palette: Palette, width: number, expanded: boolean) => string;

/**
 * Finished items, printed once above Ink's live area as plain terminal text, where they scroll up
 * with the terminal. Ink's `<Static>` did this through its whole pipeline: a layout node per line,
 * its cell grid and tokenizer over every character, and two unthrottled redraws of the whole tree
 * per batch; 5,000 streamed tokens spent most of their CPU there. Streamed answers (markdown) are
 * drawn here directly; rarer items through Ink's renderer (`drawItem`), one at a time.
 *
 * Ordering: `flush` runs after Ink has drawn a frame, from the tree of the last commit. The items
 * that commit held had already left the live area (transcript.ts moves text from one to the other
 * at once), so printing them then shows every line once: above the frame, never in both.
 */
export class ItemPrinter {
  private view: PrintedView | undefined;
  private printed = 0;
  private epoch = Number.NaN;

  constructor(private readonly drawItem: DrawItem) {}

  /** Called as the App commits (before Ink draws the frame of that commit). */
  commit(view: PrintedView): void {
    this.view = view;
  }

  /**
   * Called after Ink draws a frame: prints what the commit it drew holds and was not printed yet.
   * Ink calls this inside React's commit, where drawing an item with Ink again (renderToString)
   * would re-enter the reconciler; so it prints in a microtask, still before the terminal hears
   * anything else from this process.
   */
  flush(): void {
    const view = this.view;
    if (view) queueMicrotask(() => this.print(view));
  }

  /**
   * At exit, once Ink has let go of the terminal: what the last commit held and no drawn frame
   * printed yet (an item finished in the very frame the app quit on), written with `write`, since
   * Ink's own write is gone with it. Printed items are counted, so nothing comes out twice.
   */
  finish(write: (text: string) => void): void {
    const view = this.view;
    if (view) this.print({ ...view, write });
  }

  /** One item; should drawing it fail, a line saying so, and the session goes on. */
  private draw(item: Item, view: PrintedView): string {
    try {
      return item.kind === "markdown"
        ? markdownText(item.text, view.palette, view.width)
        : this.drawItem(item, view.palette, view.width, view.expanded);
    } catch (error) {
      return `\n${view.palette.symbol.failure} Could not draw this ${item.kind}: ${sanitize((error as Error).message)}\n`;
    }
  }

  private print(view: PrintedView): void {
    if (view.epoch !== this.epoch) {
      this.epoch = view.epoch;
      this.printed = 0;
    }
    if (this.printed >= view.items.length) return;
    let text = "";
    for (let index = this.printed; index < view.items.length; index++) {
      const item = view.items[index]!;
      text += this.draw(item, view);
    }
    this.printed = view.items.length;
    view.write(text);
  }
}

/**
 * A finished block of the answer as `<Box marginTop={1}><Lines …/></Box>` printed it: a blank row,
 * then each styled line wrapped at the terminal's width as Ink wraps text (wrap-ansi, hard, spaces
 * kept, none left at a row's end); a line that comes out empty takes no row. Ends with a newline,
 * as Ink's static output does.
 */
const TRAILING_SPACES = / +$/gm;

export function markdownText(text: string, palette: Palette, width: number): string {
  let out = "\n";
  for (const line of renderMarkdown(text, palette, width)) {
    const rendered = lineToAnsi(line);
    if (rendered === "") continue;
    const rows = stringWidth(rendered) > width ? wrapAnsi(rendered, width, { trim: false, hard: true }) : rendered;
    // Ink ends every row at its last character: no spaces left where a line was broken.
    out += `${rows.replace(TRAILING_SPACES, "")}\n`;
  }
  return out;
}
