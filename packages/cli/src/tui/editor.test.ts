import { describe, expect, it } from "vitest";
import * as edit from "./editor.js";

const at = (text: string, cursor = text.length): edit.EditorState => ({ text, cursor });

describe("editor", () => {
  it("inserts, deletes and moves by whole characters (emoji included)", () => {
    let state = edit.insert(edit.EMPTY, "héllo 👋");
    expect(state).toEqual({ text: "héllo 👋", cursor: 8 });
    state = edit.backspace(state);
    expect(state).toEqual({ text: "héllo ", cursor: 6 });
    state = edit.moveLeft(edit.moveLeft(state));
    expect(state.cursor).toBe(4);
    expect(edit.deleteForward(state).text).toBe("héll ");
    expect(edit.moveRight(at("a👋b", 1)).cursor).toBe(3);
  });

  it("moves between lines keeping the column, and hands the first/last line to history", () => {
    const state = at("first line\nab\nthird line", 4);
    expect(edit.moveVertical(state, -1)).toBeUndefined();
    const down = edit.moveVertical(state, 1)!;
    expect(down.cursor).toBe(13); // end of "ab": the column is clamped
    expect(edit.moveVertical(edit.moveVertical(down, 1)!, 1)).toBeUndefined();
    expect(edit.lineStart(at("one\ntwo", 6)).cursor).toBe(4);
    expect(edit.lineEnd(at("one\ntwo", 1)).cursor).toBe(3);
  });

  it("kills words and line starts like a shell", () => {
    expect(edit.killWordBefore(at("git commit -m"))).toEqual({ text: "git commit ", cursor: 11 });
    expect(edit.killLineBefore(at("one\ntwo three", 10))).toEqual({ text: "one\nree", cursor: 4 });
  });

  it("walks history and brings back the draft", () => {
    const history = new edit.History(["first", "second"]);
    expect(history.previous("draft")).toBe("second");
    expect(history.previous("second")).toBe("first");
    expect(history.previous("first")).toBeUndefined();
    expect(history.next()).toBe("second");
    expect(history.next()).toBe("draft");
    expect(history.next()).toBeUndefined();
    history.push("third");
    history.push("third");
    expect(history.all()).toEqual(["first", "second", "third"]);
  });

  it("keeps large pastes behind a placeholder and expands them when sent", () => {
    const pastes = new edit.Pastes();
    expect(pastes.accept("short\r\ntext")).toBe("short\ntext");
    const big = "line\n".repeat(5_000);
    const placeholder = pastes.accept(big);
    expect(placeholder).toBe("[Pasted text #1 +5001 lines, 25,000 chars]");
    expect(pastes.expand(`see ${placeholder} please`)).toBe(`see ${big} please`);
  });
});
