import { describe, expect, it } from "vitest";
import { installHint, moduleFor, pipName } from "./dependencies.js";
import { parseMetricLine } from "./metrics.js";

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
