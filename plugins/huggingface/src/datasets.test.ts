import { commitFiles, grayPng as png } from "@pincer/testing/hub-files";
import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_datasets_test_token";

/** An adult-income-like CSV: numbers, categories, a string label. */
function adultCsv(rows: number): string {
  const lines = ["age,workclass,education_num,hours_per_week,income"];
  for (let i = 0; i < rows; i++) {
    const workclass = ["Private", "Self-emp", "State-gov"][i % 3];
    lines.push(`${20 + (i % 50)},${workclass},${8 + (i % 9)},${30 + (i % 30)}.5,${i % 4 === 0 ? ">50K" : "<=50K"}`);
  }
  return `${lines.join("\n")}\n`;
}

const fx = localHubPlugin({
  token,
  name: "datasets",
  ready: async (plugin) => {
    const hub = fx.hub;
    for (const [name, files] of [
      ["adult", { "data/train.csv": adultCsv(300), "data/test.csv": adultCsv(40) }],
      ["houses", { "train.csv": "rooms,area,price\n3,70.5,250000.5\n4,102.0,410000.25\n2,45.0,150000.0\n" }],
      ["pets", { "train/cat/1.png": png(4, 4), "train/dog/2.png": png(6, 4), "test/cat/3.png": png(4, 4) }],
    ] as const) {
      await plugin.runTool("hf_create_repo", { name, type: "dataset" });
      await commitFiles({ url: hub.url, token, repo: `ada/${name}`, files });
    }
  },
});

describe("hf_dataset_inspect's checks against a local Hub", () => {
  it("inspects a tabular dataset: row counts, column statistics, and a tabular classification that fits", async () => {
    const result = await fx.plugin.runTool("hf_dataset_inspect", {
      dataset: "ada/adult",
      check: "tabular",
      target: "income",
    });
    expect(result.isError, text(result)).toBeFalsy();
    const out = text(result);
    expect(out).toContain("Rows: train 300, test 40");
    expect(out).toContain(
      "Columns (train): age: int64, workclass: string, education_num: int64, hours_per_week: float64, income: string",
    );
    expect(out).toContain("Statistics (train, 300 rows):");
    expect(out).toContain("  income (string_label): 2 values: <=50K 225, >50K 75");
    expect(out).toMatch(/ {2}age \(int\): 20–69, mean [\d.]+, std [\d.]+/);
    expect(out).toContain(
      "Check tabular: fits (tabular classification: target income, 2 classes: <=50K (225), >50K (75); inputs age, workclass, education_num, hours_per_week).",
    );
    expect(result.details).toMatchObject({
      check: { fits: true, target: "income", classes: { "<=50K": 225, ">50K": 75 } },
    });
    // The same data as a text task does not fit, and says why.
    const asText = await fx.plugin.runTool("hf_dataset_inspect", { dataset: "ada/adult", check: "text" });
    expect(text(asText)).toMatch(/Check text: does not fit; missing a text column/);
  });

  it("checks regression and image data", async () => {
    const houses = await fx.plugin.runTool("hf_dataset_inspect", {
      dataset: "ada/houses",
      check: "regression",
      target: "price",
    });
    expect(text(houses)).toContain("Check regression: fits (regression: target price; inputs rooms, area).");
    const wrong = await fx.plugin.runTool("hf_dataset_inspect", {
      dataset: "ada/houses",
      check: "classification",
      target: "price",
    });
    expect(text(wrong)).toContain(
      "Check classification: does not fit; the target price holds real numbers: that is regression",
    );
    expect(wrong.details).toMatchObject({ check: { fits: false } });
    const pets = await fx.plugin.runTool("hf_dataset_inspect", { dataset: "ada/pets", check: "image" });
    expect(text(pets)).toContain("Columns (train): image: Image, label: class_label(cat, dog)");
    expect(text(pets)).toContain("Check image: fits (image column image, target label (2 classes: cat (1), dog (1))).");
  });
});
