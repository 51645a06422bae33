import { crc32, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_datasets_test_token";

/** A grayscale PNG of the given size. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  const rows = Buffer.alloc((width + 1) * height, 0);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

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
      const lines = [
        { key: "header", value: { summary: "data" } },
        ...Object.entries(files).map(([path, content]) => ({
          key: "file",
          value: { path, content: Buffer.from(content).toString("base64"), encoding: "base64" },
        })),
      ];
      const res = await fetch(`${hub.url}/api/datasets/ada/${name}/commit/main`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/x-ndjson" },
        body: lines.map((line) => JSON.stringify(line)).join("\n"),
      });
      if (!res.ok) throw new Error(await res.text());
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
