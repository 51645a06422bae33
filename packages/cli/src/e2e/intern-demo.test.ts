import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalHub } from "@pincer/hub";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { sandbox } from "./run-cli.js";

interface CardMetric {
  type: string;
  value: number;
}

describe("pincer intern demo", () => {
  it("trains, evaluates and publishes a real model to the local Hub, and uploads the session", async () => {
    using box = sandbox();
    const started = Date.now();
    const result = await box.run(["intern", "demo"]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, `${result.stderr}\n${result.stdout.slice(-4000)}`).toBe(0);
    // It showed its progress: the tools as they ran, the training log, the final summary.
    expect(result.stdout).toContain("● hf_papers_read");
    // The data came from the Hub through the engineer's own hf_download, not a checkout by the demo.
    expect(result.stdout).toMatch(
      /✓ hf_download · [\d.]+s · Downloaded 2 files \([\d.]+ KB\) of the dataset local\/tiny-reviews at main \([0-9a-f]{12}\) into \.\/data/,
    );
    expect(result.stdout).not.toContain("checked out");
    expect(result.stdout).toContain('{"epoch": 1, "loss"');
    expect(result.stdout).toMatch(/time: +[\d.]+s in all · 16 model calls \(replayed\)/);
    expect(seconds).toBeLessThan(180);

    const workdir = /workdir: +(\S+)/.exec(result.stdout)?.[1];
    const sessionId = /session: +(\d{8}-\d{6}-\w+)/.exec(result.stdout)?.[1];
    expect(workdir).toBeTruthy();
    expect(sessionId).toBeTruthy();
    const produced = JSON.parse(readFileSync(join(workdir!, "model", "metrics.json"), "utf8")) as { accuracy: number };
    const assets = join(import.meta.dirname, "..", "..", "..", "..", "examples", "ml-intern", "demo", "dataset");
    for (const split of ["train.csv", "test.csv"]) {
      expect(readFileSync(join(workdir!, "data", split), "utf8")).toBe(readFileSync(join(assets, split), "utf8"));
    }
    expect(result.stdout).toContain(`accuracy: ${produced.accuracy} on the held-out test split`);

    // The Hub the demo started stopped with it; what it stored stays under PINCER_HOME/hub.
    const hub = await startLocalHub({ dir: join(box.env.PINCER_HOME!, "hub") });
    const scratch = mkdtempSync(join(tmpdir(), "pincer-intern-demo-test-"));
    try {
      const get = async (path: string) => {
        const res = await fetch(`${hub.url}/${path}`);
        expect(res.status, path).toBe(200);
        return res;
      };
      const readme = await (await get("local/tiny-reviews-mlp/resolve/main/README.md")).text();
      const card = YAML.parse(/^---\n([\s\S]*?)\n---/.exec(readme)?.[1] ?? "") as {
        "model-index": Array<{ results: Array<{ metrics: CardMetric[] }> }>;
      };
      const metrics = card["model-index"][0]!.results[0]!.metrics;
      expect(metrics.find((metric) => metric.type === "accuracy")?.value).toBe(produced.accuracy);
      // A real model, not a lucky guess: the paper's 0.83 within a few points.
      expect(produced.accuracy).toBeGreaterThan(0.78);
      const published = (await (await get("local/tiny-reviews-mlp/resolve/main/metrics.json")).json()) as unknown;
      expect(published).toEqual(produced);

      const weights = join(scratch, "model.pt");
      writeFileSync(
        weights,
        Buffer.from(await (await get("local/tiny-reviews-mlp/resolve/main/model.pt")).arrayBuffer()),
      );
      const load = spawnSync(
        "/usr/bin/python3",
        ["-c", "import sys, torch; state = torch.load(sys.argv[1]); print(sorted(state))", weights],
        { encoding: "utf8" },
      );
      expect(load.status, load.stderr).toBe(0);
      expect(load.stdout).toContain("0.weight");

      const tree = (await (
        await get("api/datasets/local/pincer-intern-sessions/tree/main/sessions?recursive=true")
      ).json()) as Array<{ type: string; path: string }>;
      const files = tree.filter((entry) => entry.type === "file").map((entry) => entry.path);
      expect(files).toContainEqual(
        expect.stringMatching(new RegExp(`^sessions/\\d{4}-\\d{2}-\\d{2}/${sessionId}\\.jsonl$`)),
      );
      expect(result.stdout).toMatch(
        new RegExp(
          `session: +${hub.url.replace(/:\d+$/, ":\\d+")}/datasets/local/pincer-intern-sessions/blob/main/sessions/`,
        ),
      );
    } finally {
      await hub.close();
      rmSync(scratch, { recursive: true, force: true });
      if (workdir) rmSync(workdir, { recursive: true, force: true });
    }
  }, 240_000);
});
