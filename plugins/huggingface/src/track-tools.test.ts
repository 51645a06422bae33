import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, type LocalHub, loadPlugin, startLocalHub } from "@pincer/testing";
import { parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text } from "./local-hub.fixture.js";

const token = "hf_track_test_token";
let hubDir: string;
let workspace: string;
let hub: LocalHub;
let plugin: LoadedPlugin;

beforeAll(async () => {
  hubDir = mkdtempSync(join(tmpdir(), "pincer-hf-track-hub-"));
  workspace = mkdtempSync(join(tmpdir(), "pincer-hf-track-ws-"));
  hub = await startLocalHub({ dir: hubDir, token, user: "ada" });
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: hub.url, HF_TOKEN: token },
    shipsWithPincer: true,
  });
});

afterAll(async () => {
  plugin?.dispose();
  await hub?.close();
  rmSync(hubDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

const auth = { Authorization: `Bearer ${token}` };
async function hubFile(dataset: string, path: string): Promise<Response> {
  return fetch(`${hub.url}/datasets/${dataset}/resolve/main/${path}`, { headers: auth });
}
async function parquetRows(dataset: string, path: string): Promise<Record<string, unknown>[]> {
  const res = await hubFile(dataset, path);
  expect(res.status, path).toBe(200);
  return (await parquetReadObjects({ file: await res.arrayBuffer() })) as Record<string, unknown>[];
}

describe("experiment tracking in a Hub dataset (trackio's layout)", () => {
  it("logs params, curves and artifacts as runs go, with a comparison table and a plot a person opens", async () => {
    // Run a: params first, then metrics step by step, as a training loop would.
    const started = await plugin.runTool("hf_track_log", {
      dataset: "ada/experiments",
      project: "sst2",
      run: "lr-3e-4",
      params: { learning_rate: 3e-4, epochs: 3, model: "distilbert" },
    });
    expect(started.isError, text(started)).toBeFalsy();
    expect(text(started)).toMatch(/^Logged lr-3e-4 \(new run\) to ada\/experiments, project sst2: 0 new steps/);
    for (const [step, loss, acc] of [
      [0, 0.69, 0.71],
      [1, 0.41, 0.84],
      [2, 0.3, 0.88],
    ] as const) {
      const logged = await plugin.runTool("hf_track_log", {
        dataset: "ada/experiments",
        project: "sst2",
        run: "lr-3e-4",
        metrics: [{ step, train_loss: loss, val_accuracy: acc }],
      });
      expect(logged.isError, text(logged)).toBeFalsy();
    }
    // Run b: from the JSON Lines its script printed (a traceback line among them), with an artifact.
    mkdirSync(join(workspace, "runs", "b"), { recursive: true });
    writeFileSync(
      join(workspace, "runs", "b", "metrics.jsonl"),
      [
        '{"step": 0, "train_loss": 0.7, "val_accuracy": 0.6}',
        '{"step": 1, "train_loss": 0.5, "val_accuracy": 0.9}',
        "Traceback (most recent call last): lr=0.1",
        '{"step": 2, "train_loss": 0.45, "val_accuracy": 0.91, "note": "text is not a metric"}',
      ].join("\n"),
    );
    writeFileSync(join(workspace, "runs", "b", "predictions.csv"), "id,label\n1,pos\n");
    const b = await plugin.runTool("hf_track_log", {
      dataset: "ada/experiments",
      project: "sst2",
      run: "lr-1e-3",
      params: { learning_rate: 1e-3, epochs: 3, model: "distilbert" },
      metricsFile: "runs/b/metrics.jsonl",
      artifacts: ["runs/b/predictions.csv"],
    });
    expect(b.isError, text(b)).toBeFalsy();
    expect(text(b)).toContain("3 new steps, 0 updated, 3 params, 1 artifact.");
    expect(text(b)).toContain("1 line of runs/b/metrics.jsonl were not JSON objects and were skipped.");
    // The table: params, last values, the best in bold (lower loss, higher accuracy).
    expect(text(b)).toContain(
      "| run | steps | learning\\_rate | epochs | model | train\\_loss (↓) | val\\_accuracy (↑) |",
    );
    expect(text(b)).toContain("| lr-3e-4 | 3 | 3.000e-4 | 3 | distilbert | **0.3** | 0.88 |");
    expect(text(b)).toContain("| lr-1e-3 | 3 | 0.001 | 3 | distilbert | 0.45 | **0.91** |");
    // Logging the same file again adds nothing.
    const again = await plugin.runTool("hf_track_log", {
      dataset: "ada/experiments",
      project: "sst2",
      run: "lr-1e-3",
      metricsFile: "runs/b/metrics.jsonl",
    });
    expect(text(again)).toContain("0 new steps, 3 updated");

    // The Parquet files are trackio's: structural columns, then one column per metric / param.
    const metrics = await parquetRows("ada/experiments", "sst2.parquet");
    expect(Object.keys(metrics[0] ?? {})).toEqual([
      "id",
      "timestamp",
      "run_name",
      "step",
      "train_loss",
      "val_accuracy",
    ]);
    expect(metrics).toHaveLength(6);
    expect(metrics.filter((row) => row.run_name === "lr-1e-3").map((row) => row.val_accuracy)).toEqual([
      0.6, 0.9, 0.91,
    ]);
    const configs = await parquetRows("ada/experiments", "sst2_configs.parquet");
    expect(configs.map((row) => [row.run_name, row.learning_rate, row.model])).toEqual([
      ["lr-3e-4", 3e-4, "distilbert"],
      ["lr-1e-3", 1e-3, "distilbert"],
    ]);
    expect(JSON.parse(String(configs[1]?._artifacts))).toEqual(["artifacts/sst2/lr-1e-3/runs/b/predictions.csv"]);
    expect(await (await hubFile("ada/experiments", "artifacts/sst2/lr-1e-3/runs/b/predictions.csv")).text()).toBe(
      "id,label\n1,pos\n",
    );
    // The curves: one panel per metric, one line per run.
    const svg = await (await hubFile("ada/experiments", "sst2_curves.svg")).text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    // The card names the files as viewer configs; the dataset's page shows the table and the plot.
    const info = (await (
      await fetch(`${hub.url}/api/datasets/ada/experiments?full=true`, { headers: auth })
    ).json()) as {
      cardData: { configs: unknown[]; tags: string[] };
      private: boolean;
    };
    expect(info.private).toBe(true);
    expect(info.cardData.tags).toContain("trackio");
    expect(info.cardData.configs).toEqual([
      { config_name: "sst2", data_files: "sst2.parquet" },
      { config_name: "sst2_configs", data_files: "sst2_configs.parquet" },
    ]);
    const page = await (
      await fetch(`${hub.url}/datasets/ada/experiments`, { headers: { ...auth, Accept: "text/html" } })
    ).text();
    expect(page).toContain("<strong>0.91</strong>");
    // The viewer reads the configs the card names: the page previews the metrics rows.
    expect(page).toContain("<h2>Dataset preview</h2>");
    expect(page).toContain("<th>run_name</th>");
    expect(page).toMatch(
      /<img src="[^"]*\/datasets\/ada\/experiments\/resolve\/main\/sst2_curves\.svg" alt="sst2 curves">/,
    );
    // And the read tool agrees.
    const compared = await plugin.runTool("hf_track_compare", {
      dataset: "ada/experiments",
      project: "sst2",
      metric: "val_accuracy",
    });
    expect(text(compared)).toMatch(/^sst2 in ada\/experiments: 2 runs\./);
    expect(text(compared)).toContain("Best by val_accuracy (higher is better): lr-1e-3.");
  });

  it("keeps every run when runs log at the same time (a moved branch is read again, not overwritten)", async () => {
    const runs = ["seed-1", "seed-2", "seed-3"];
    const results = await Promise.all(
      runs.map((run, i) =>
        plugin.runTool("hf_track_log", {
          dataset: "ada/parallel",
          project: "p",
          run,
          metrics: [{ step: 0, loss: 1 - i / 10 }],
        }),
      ),
    );
    for (const result of results) expect(result.isError, text(result)).toBeFalsy();
    const rows = await parquetRows("ada/parallel", "p.parquet");
    expect(rows.map((row) => row.run_name).sort()).toEqual(runs);
  });

  it("reads a project trackio wrote (its run_id and log_id columns are not metrics)", async () => {
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "id", type: "INT64", data: [0n, 1n] },
          { name: "run_id", type: "STRING", data: ["abc", "abc"] },
          { name: "timestamp", type: "STRING", data: ["2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00"] },
          { name: "run_name", type: "STRING", data: ["trackio-run", "trackio-run"] },
          { name: "step", type: "INT64", data: [0n, 1n] },
          { name: "log_id", type: "STRING", data: ["x", "y"] },
          { name: "loss", type: "DOUBLE", data: [2, 1.5] },
        ],
      }),
    );
    await fetch(`${hub.url}/api/repos/create`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "from-trackio", type: "dataset" }),
    });
    writeFileSync(join(workspace, "t.parquet"), bytes);
    const up = await plugin.runTool("hf_upload_file", {
      repo: "ada/from-trackio",
      type: "dataset",
      path: "proj.parquet",
      localPath: "t.parquet",
    });
    expect(up.isError, text(up)).toBeFalsy();
    const compared = await plugin.runTool("hf_track_compare", { dataset: "ada/from-trackio", project: "proj" });
    expect(text(compared)).toContain("| trackio-run | 2 | **1.5** |");
    const logged = await plugin.runTool("hf_track_log", {
      dataset: "ada/from-trackio",
      project: "proj",
      run: "trackio-run",
      metrics: [{ loss: 1.2 }],
    });
    expect(text(logged)).toContain("1 new step");
    const rows = await parquetRows("ada/from-trackio", "proj.parquet");
    expect(rows.map((row) => [row.step, row.loss])).toEqual([
      [0n, 2],
      [1n, 1.5],
      [2n, 1.2],
    ]);
  });

  it("refuses hostile names and paths, and escapes what it shows", async () => {
    const refused = async (args: Record<string, unknown>, message: RegExp) => {
      const result = await plugin.runTool("hf_track_log", { dataset: "ada/hostile", project: "h", run: "r", ...args });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(message);
    };
    await refused({ project: "../x" }, /is not a project name/);
    await refused({ run: "a\nb" }, /is not a run name/);
    await refused({ metrics: [{ step: 0, run_name: 1 }] }, /"run_name" is a column of trackio's layout, not a metric/);
    await refused({ params: { created_at: "x" } }, /"created_at" is a column of trackio's layout, not a param/);
    await refused({ metrics: [{ step: -1, loss: 1 }] }, /step -1 is not a whole number/);
    await refused({ artifacts: ["../../etc/passwd"] }, /artifact|workspace|outside/);
    await refused({}, /Give params, metrics/);
    // Nothing above created the dataset.
    expect((await fetch(`${hub.url}/api/datasets/ada/hostile`, { headers: auth })).status).toBe(404);

    const run = "<script>alert(1)</script>|**x**";
    const ok = await plugin.runTool("hf_track_log", {
      dataset: "ada/hostile",
      project: "h",
      run,
      params: { note: "<img src=x onerror=alert(1)>" },
      metrics: [{ step: 0, "<b>loss</b>": 1 }],
    });
    expect(ok.isError, text(ok)).toBeFalsy();
    const svg = await (await hubFile("ada/hostile", "h_curves.svg")).text();
    expect(svg).not.toContain("<script");
    expect(svg).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const page = await (
      await fetch(`${hub.url}/datasets/ada/hostile`, { headers: { ...auth, Accept: "text/html" } })
    ).text();
    expect(page).not.toMatch(/<script>alert|<img src=x|<b>loss/);
  });
});
