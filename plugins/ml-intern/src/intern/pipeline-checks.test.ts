import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFs } from "./node-fs.fixture.js";
import { checkMetrics, checkOutputs, parseLenientJson } from "./pipeline-checks.js";

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "pincer-pipeline-checks-"));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function put(path: string, content: string): void {
  mkdirSync(dirname(join(cwd, path)), { recursive: true });
  writeFileSync(join(cwd, path), content);
}
const accuracy = { name: "accuracy", goal: "maximize" } as const;
/** The workspace as the runner reads it (through an fs capability). */
const ws = () => ({ cwd, fs: nodeFs(cwd) });

describe("stage output checks", () => {
  it("reads the bare NaN and Infinity Python's json writes, and leaves strings alone", () => {
    expect(parseLenientJson('{"loss": NaN, "grad": -Infinity, "note": "NaN stays"}').value).toEqual({
      loss: "__nonfinite__NaN",
      grad: "__nonfinite__-Infinity",
      note: "NaN stays",
    });
    expect(parseLenientJson("{oops").error).toBeDefined();
  });

  it("accepts a metrics file with the metric, keeping its numeric values", async () => {
    put("m.json", '{"accuracy": 0.91, "loss": 0.3, "model": "runs/x"}');
    expect(await checkMetrics(ws(), "m.json", accuracy)).toEqual({
      problems: [],
      metrics: { accuracy: 0.91, loss: 0.3 },
    });
    put("nested.json", '{"eval": {"f1": 0.7}}');
    const nested = await checkMetrics(ws(), "nested.json", { name: "eval.f1", goal: "maximize" });
    expect(nested.metrics).toEqual({ "eval.f1": 0.7 });
  });

  it("marks NaN or Infinity as diverged, not as a problem to repair", async () => {
    put("a.json", '{"accuracy": NaN}');
    expect(await checkMetrics(ws(), "a.json", accuracy)).toMatchObject({ problems: [], diverged: "accuracy is NaN" });
    put("b.json", '{"accuracy": 0.5, "loss": "nan"}');
    expect(await checkMetrics(ws(), "b.json", accuracy)).toMatchObject({ diverged: "loss is NaN" });
    put("c.json", '{"accuracy": Infinity}');
    expect((await checkMetrics(ws(), "c.json", undefined)).diverged).toBe("accuracy is Infinity");
  });

  it("names what is wrong with a metrics file", async () => {
    expect((await checkMetrics(ws(), "none.json", accuracy)).problems[0]).toBe(
      "none.json does not exist: write the metrics there as a JSON object",
    );
    put("bad.json", "accuracy=0.9");
    expect((await checkMetrics(ws(), "bad.json", accuracy)).problems[0]).toMatch(/^bad\.json is not valid JSON \(/);
    put("list.json", "[0.9]");
    expect((await checkMetrics(ws(), "list.json", accuracy)).problems[0]).toContain(
      'must hold a JSON object like {"accuracy": 0.91}',
    );
    put("other.json", '{"acc": 0.9, "loss": 0.1}');
    expect((await checkMetrics(ws(), "other.json", accuracy)).problems[0]).toBe(
      'other.json has no "accuracy" (it has: acc, loss)',
    );
    put("text.json", '{"accuracy": "high"}');
    expect((await checkMetrics(ws(), "text.json", accuracy)).problems[0]).toBe(
      'text.json: "accuracy" must be a number, not "high"',
    );
    put("empty.json", '{"note": "x"}');
    expect((await checkMetrics(ws(), "empty.json", undefined)).problems[0]).toBe("empty.json holds no numeric metric");
  });

  it("checks that outputs exist, are not empty and parse", async () => {
    put("data/train.csv", "text,label\n");
    put("data/empty.csv", "");
    put("broken.json", "{");
    put("rows.jsonl", '{"a": 1}\nnot json\n');
    put("model/weights.bin", "x");
    put("file-not-dir", "x");
    expect(
      await checkOutputs(ws(), [
        "data/train.csv",
        "data/empty.csv",
        "missing.csv",
        "broken.json",
        "rows.jsonl",
        "model/",
        "model",
        "file-not-dir/",
      ]),
    ).toEqual([
      "data/empty.csv is empty",
      "missing.csv does not exist",
      expect.stringMatching(/^broken\.json is not valid JSON/),
      "rows.jsonl line 2 is not valid JSON",
      "file-not-dir/ should be a directory but is a file",
    ]);
  });
});
