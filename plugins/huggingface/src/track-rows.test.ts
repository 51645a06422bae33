import { describe, expect, it } from "vitest";
import { repoPathOf, rowsFromText } from "./track-rows.js";

describe("metric rows from a training script's output", () => {
  it("reads JSON Lines, keeps numbers, reads Python's bare NaN and Infinity, skips what is not a row", () => {
    const { rows, skipped } = rowsFromText(
      [
        '{"step": 0, "loss": 0.9, "lr": 0.001, "phase": "train"}',
        '{"step": 1, "loss": NaN, "grad_norm": Infinity}',
        '{"step": 2, "loss": -Infinity, "note": "NaN: not a number"}',
        "Traceback (most recent call last): loss=0.1",
        "{not json",
        "[1, 2]",
      ].join("\n"),
      "log.jsonl",
    );
    expect(rows).toEqual([
      { step: 0, metrics: { loss: 0.9, lr: 0.001 } },
      { step: 1, metrics: { loss: Number.NaN, grad_norm: Number.POSITIVE_INFINITY } },
      { step: 2, metrics: { loss: Number.NEGATIVE_INFINITY } },
    ]);
    expect(skipped).toBe(3);
  });

  it("reads a JSON array, and refuses a broken one", () => {
    expect(rowsFromText('[{"_step": 4, "acc": 0.5}]', "m.json").rows).toEqual([{ step: 4, metrics: { acc: 0.5 } }]);
    expect(() => rowsFromText('[{"acc": ', "m.json")).toThrow(/m\.json is not JSON/);
  });

  it("puts artifacts at clean paths in the repo, never above it", () => {
    expect(repoPathOf("./runs//b/./model.bin")).toBe("runs/b/model.bin");
    expect(() => repoPathOf("../secrets.txt")).toThrow(/is not a workspace file path/);
    expect(() => repoPathOf("runs/../../x")).toThrow(/is not a workspace file path/);
  });
});
