import { describe, expect, it } from "vitest";
import { installHint, moduleFor, pipName } from "./dependencies.js";
import { MetricLineReader, parseMetricLine } from "./metrics.js";

describe("parseMetricLine", () => {
  it("reads the numeric fields of a JSON line", () => {
    expect(parseMetricLine('{"step": 10, "loss": 0.5, "phase": "train", "ok": true}')).toEqual({ step: 10, loss: 0.5 });
    expect(parseMetricLine('  {"loss": 1e-3}  ')).toEqual({ loss: 0.001 });
    expect(parseMetricLine('{"phase": "train"}')).toBeUndefined();
  });

  it("reads key=value and key: value pairs", () => {
    expect(parseMetricLine("loss=0.5 step=10")).toEqual({ loss: 0.5, step: 10 });
    expect(parseMetricLine("Epoch 1/10 - loss: 0.31 - Accuracy: 0.9")).toEqual({ epoch: 1, loss: 0.31, accuracy: 0.9 });
    expect(parseMetricLine("epoch 3 ... accuracy: 0.95")).toEqual({ epoch: 3, accuracy: 0.95 });
    expect(parseMetricLine("step 7, lr=-1.5e-4, val/loss=nan")).toEqual({
      step: 7,
      lr: -1.5e-4,
      "val/loss": Number.NaN,
    });
    expect(parseMetricLine("{loss=0.25}")).toEqual({ loss: 0.25 });
  });

  it("ignores ordinary lines, tracebacks and timestamps", () => {
    expect(parseMetricLine("Loading the dataset")).toBeUndefined();
    expect(parseMetricLine('  File "script.py", line 5, in <module>')).toBeUndefined();
    expect(parseMetricLine("ValueError: expected 3 got: 4")).toBeUndefined();
    expect(parseMetricLine("started at 12:30:01")).toBeUndefined();
    expect(parseMetricLine("url=http://x:80/path")).toBeUndefined();
  });
});

describe("MetricLineReader", () => {
  it("reads no metrics out of a traceback's code lines or a warning's quoted source", () => {
    const reader = new MetricLineReader();
    const output = [
      '{"step": 1, "loss": 0.9}',
      "/usr/lib/python3/dist-packages/sklearn/base.py:12: UserWarning: max_iter=100 reached, lr=0.5",
      '  warnings.warn(f"max_iter={max_iter} reached, lr={lr}")',
      "step=2 loss=0.7",
      "Traceback (most recent call last):",
      '  File "train.py", line 40, in <module>',
      "    model.fit(x, y, lr=0.1, epochs=3)",
      '  File "train.py", line 12, in fit',
      "    loss = step(batch_size=64)",
      "",
      "ValueError: expected lr=0.01 got: 0.1",
      "During handling of the above exception, another exception occurred:",
      "Traceback (most recent call last):",
      "    accuracy = evaluate(threshold=0.5)",
      "RuntimeError: accuracy=0.3 is too low",
      "epoch 3 accuracy=0.91",
    ];
    expect(output.map((line) => reader.read(line)).filter(Boolean)).toEqual([
      { step: 1, loss: 0.9 },
      { step: 2, loss: 0.7 },
      { epoch: 3, accuracy: 0.91 },
    ]);
  });
});

describe("pip names", () => {
  it("maps pip names to modules and Debian packages", () => {
    expect(pipName("Scikit_Learn[alldeps]>=1.2")).toBe("scikit-learn");
    expect(moduleFor("scikit-learn")).toBe("sklearn");
    expect(moduleFor("pillow")).toBe("PIL");
    expect(moduleFor("torch==2.1")).toBe("torch");
    expect(moduleFor("huggingface_hub")).toBe("huggingface_hub");
    expect(installHint("scikit-learn")).toBe("apt-get install python3-sklearn (Debian) or pip install scikit-learn");
    expect(installHint("pandas")).toBe("apt-get install python3-pandas (Debian) or pip install pandas");
  });
});
