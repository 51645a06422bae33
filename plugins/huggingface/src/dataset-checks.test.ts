import { describe, expect, it } from "vitest";
import { type ColumnInfo, checkDataset, roleOf } from "./dataset-checks.js";

const value = (dtype: string) => ({ _type: "Value", dtype });
const column = (
  name: string,
  type: Record<string, unknown>,
  sample: unknown[],
  stats?: ColumnInfo["stats"],
): ColumnInfo => ({
  name,
  type,
  sample,
  ...(stats ? { stats } : {}),
});

/** An adult-income-like table, with the viewer's statistics. */
const adult: ColumnInfo[] = [
  column("age", value("int64"), [39, 50, 38], { column_type: "int", column_statistics: { min: 17, max: 90 } }),
  column("workclass", value("string"), ["State-gov", "Private", "Private"], {
    column_type: "string_label",
    column_statistics: { n_unique: 8, frequencies: { Private: 22696, "State-gov": 1298 } },
  }),
  column("hours_per_week", value("float64"), [40, 13, 40]),
  column("income", value("string"), ["<=50K", "<=50K", ">50K"], {
    column_type: "string_label",
    column_statistics: { n_unique: 2, frequencies: { "<=50K": 24720, ">50K": 7841 } },
  }),
];

describe("dataset checks", () => {
  it("sees tabular data as fitting tabular classification, with its class balance", () => {
    const tabular = checkDataset("tabular", adult, "income");
    expect(tabular).toMatchObject({
      fits: true,
      target: "income",
      columns: ["income", "age", "workclass", "hours_per_week"],
    });
    expect(tabular.verdict).toBe(
      "fits (tabular classification: target income, 2 classes: <=50K (24720), >50K (7841); inputs age, workclass, hours_per_week).",
    );
    expect(checkDataset("classification", adult, "income").fits).toBe(true);
    // Without a target named and no label-like column, it says which columns could be the label.
    const unnamed = checkDataset("classification", adult);
    expect(unnamed.fits).toBe(false);
    expect(unnamed.verdict).toBe(
      "does not fit; missing label (classification needs a label column: label, labels, target, class, y, or name yours with target). Columns that could be the label: age, workclass, income.",
    );
  });

  it("tells regression from classification by the target", () => {
    const houses = [
      column("rooms", value("int64"), [3, 4]),
      column("area", value("float64"), [70.5, 102]),
      column("price", value("float64"), [250000.5, 410000]),
    ];
    expect(checkDataset("regression", houses, "price")).toMatchObject({
      fits: true,
      verdict: "fits (regression: target price; inputs rooms, area).",
    });
    expect(checkDataset("tabular", houses, "price").verdict).toBe(
      "fits (tabular regression: target price; inputs rooms, area).",
    );
    expect(checkDataset("classification", houses, "price").verdict).toBe(
      "does not fit; the target price holds real numbers: that is regression",
    );
    expect(checkDataset("regression", adult, "income").verdict).toBe(
      "does not fit; the target income is categorical, not a number (regression needs a numeric target)",
    );
    expect(checkDataset("regression", houses, "cost").verdict).toBe(
      "does not fit; no column cost (the columns: rooms, area, price)",
    );
  });

  it("finds text and image columns, and refuses tabular inputs that are only text", () => {
    const reviews = [
      column("text", value("string"), [
        "A long and winding review of a film I liked.",
        "Terrible, would not watch again at all.",
      ]),
      column("label", { _type: "ClassLabel", names: ["neg", "pos"] }, [1, 0]),
    ];
    expect(checkDataset("text", reviews).verdict).toBe(
      "fits (text column text, target label (2 classes: pos (1), neg (1))).",
    );
    expect(checkDataset("classification", reviews).fits).toBe(true);
    expect(checkDataset("tabular", reviews).verdict).toBe(
      "does not fit; no tabular input columns (numbers or categories); the inputs are text (text)",
    );
    expect(checkDataset("image", reviews).fits).toBe(false);
    const pets = [
      column("image", { _type: "Image" }, [{ src: "x", width: 4, height: 3 }]),
      column("label", value("int64"), [0, 1]),
    ];
    expect(checkDataset("image", pets).verdict).toBe(
      "fits (image column image, target label (2 classes: 0 (1), 1 (1))).",
    );
    const paths = [
      column("file", value("string"), ["train/cat/1.png", "train/dog/2.jpg"]),
      column("label", value("string"), ["cat", "dog"]),
    ];
    expect(roleOf(paths[0] as ColumnInfo)).toBe("image");
    expect(checkDataset("image", paths).fits).toBe(true);
    expect(checkDataset("text", adult).verdict).toMatch(/^does not fit; missing a text column/);
  });

  it("refuses a target with one class over the whole split", () => {
    const single = [
      column("x", value("float64"), [1, 2]),
      column("label", value("string"), ["a", "a"], {
        column_type: "string_label",
        column_statistics: { n_unique: 1, frequencies: { a: 500 } },
      }),
    ];
    expect(checkDataset("classification", single).verdict).toBe("does not fit; the target label has 1 class");
  });

  it("checks the chat training formats by their columns", () => {
    const names = (...list: string[]) => list.map((name) => column(name, value("string"), ["x"]));
    expect(checkDataset("sft", names("messages")).fits).toBe(true);
    expect(checkDataset("sft", names("prompt", "completion")).fits).toBe(true);
    expect(checkDataset("sft", names("prompt"))).toMatchObject({ fits: false, missing: ["completion"] });
    expect(checkDataset("dpo", names("prompt", "chosen", "rejected", "id")).fits).toBe(true);
    expect(checkDataset("dpo", names("text")).verdict).toBe(
      "does not fit; missing prompt, chosen, rejected (dpo needs prompt+chosen+rejected). Rename or map the columns before training.",
    );
  });
});
