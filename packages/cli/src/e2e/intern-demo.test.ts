import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { RUN_COMMANDS, sandbox } from "./run-cli.js";
import { serveHubIn, stopHub } from "./served-hub.js";

const execFileAsync = promisify(execFile);

interface CardMetric {
  type: string;
  value: number;
}

describe("pincer intern demo", () => {
  it("trains, evaluates and publishes a real model to the local Hub, and uploads the session", async () => {
    using box = sandbox();
    const started = Date.now();
    const result = await box.run(["intern", "demo", ...RUN_COMMANDS]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, `${result.stderr}\n${result.stdout.slice(-4000)}`).toBe(0);
    // It showed its progress on stderr: the tools as they ran, the training log; the summary on stdout.
    expect(result.stderr).toContain("● hf_papers_read");
    // The data came from the Hub through the engineer's own hf_download, not a checkout by the demo.
    expect(result.stderr).toMatch(
      /✓ hf_download · [\d.]+s · Downloaded 2 files \([\d.]+ KB\) of the dataset local\/tiny-reviews at main \([0-9a-f]{40}\) into \.\/data/,
    );
    expect(result.stderr).not.toContain("checked out");
    expect(result.stderr).toContain('{"epoch": 1, "loss"');
    expect(result.stdout).toMatch(/time: +[\d.]+s in all · 16 model calls \(replayed\)/);
    expect(seconds).toBeLessThan(180);

    const workdir = /workdir: +(\S+)/.exec(result.stdout)?.[1];
    const sessionId = /session: +(\d{8}-\d{6}-\w+)/.exec(result.stdout)?.[1];
    expect(workdir).toBeTruthy();
    expect(sessionId).toBeTruthy();
    const produced = JSON.parse(readFileSync(join(workdir!, "model", "metrics.json"), "utf8")) as { accuracy: number };
    const assets = join(import.meta.dirname, "..", "..", "..", "..", "plugins", "ml-intern", "demo", "dataset");
    for (const split of ["train.csv", "test.csv"]) {
      expect(readFileSync(join(workdir!, "data", split), "utf8")).toBe(readFileSync(join(assets, split), "utf8"));
    }
    expect(result.stdout).toContain(`accuracy: ${produced.accuracy} on the held-out test split`);

    // The Hub the demo started stopped with it; the command it printed serves the same data at the
    // same URLs, with the token in PINCER_HOME/hub/token.
    const browse = /browse: +(pincer hub serve[^\n]*)/.exec(result.stdout)?.[1]?.trim();
    expect(browse, result.stdout.slice(-2000)).toBeTruthy();
    const modelUrl = /model: +(http\S+)/.exec(result.stdout)?.[1];
    const sessionUrl = /session: +(http\S+\/blob\/main\/\S+\.jsonl)/.exec(result.stdout)?.[1];
    expect(modelUrl).toMatch(/\/local\/tiny-reviews-mlp$/);
    expect(sessionUrl).toMatch(/\/datasets\/local\/pincer-intern-sessions\/blob\/main\/sessions\//);
    const served = await serveHubIn(box, browse!.split(/\s+/).slice(3));
    const hubUrl = served.url;
    expect(modelUrl!.startsWith(`${hubUrl}/`)).toBe(true);
    const token = readFileSync(join(box.env.PINCER_HOME!, "hub", "token"), "utf8").trim();
    const scratch = mkdtempSync(join(tmpdir(), "pincer-intern-demo-test-"));
    try {
      const get = async (path: string, accept?: string) => {
        const url = path.startsWith("http") ? path : `${hubUrl}/${path}`;
        const res = await fetch(url, {
          headers: { Authorization: `Bearer ${token}`, ...(accept ? { Accept: accept } : {}) },
        }).catch((error: Error) => {
          throw new Error(`GET ${url}: ${error.message} (${String((error.cause as Error | undefined)?.message)})`);
        });
        expect(res.status, url).toBe(200);
        return res;
      };
      // The printed URLs, as a browser asks for them: pages a person can read.
      const modelPage = await (await get(modelUrl!, "text/html")).text();
      expect(modelPage).toContain("<h1>");
      expect(modelPage).toContain("local/tiny-reviews-mlp");
      expect(modelPage).toContain("Evaluation results");
      expect(modelPage).toMatch(/model\.pt/);
      const sessionPage = await (await get(sessionUrl!, "text/html")).text();
      expect(sessionPage).toContain(`${sessionId}.jsonl`);
      expect(sessionPage).toContain("&quot;type&quot;");
      // Every Hub URL the demo printed (tool results on stderr, the report, commit links) still answers.
      const printed = new Set(
        [...`${result.stdout}\n${result.stderr}`.matchAll(/https?:\/\/127\.0\.0\.1:\d+\/[^\s)"'`]*/g)]
          .map((match) => match[0].replace(/[.,:;]+$/, ""))
          .filter((url) => !url.endsWith("…")),
      );
      expect(printed.size).toBeGreaterThanOrEqual(3);
      for (const url of printed) {
        expect(url.startsWith(`${hubUrl}/`), url).toBe(true);
        await get(url, "text/html");
      }
      // And as an API client asks for them: JSON.
      expect(((await (await get(modelUrl!)).json()) as { id: string }).id).toBe("local/tiny-reviews-mlp");
      expect(((await (await get(sessionUrl!)).json()) as { type: string }).type).toBe("file");

      const readme = await (await get("local/tiny-reviews-mlp/resolve/main/README.md")).text();
      const card = YAML.parse(/^---\n([\s\S]*?)\n---/.exec(readme)?.[1] ?? "") as {
        "model-index": Array<{ results: Array<{ metrics: CardMetric[] }> }>;
      };
      const metrics = card["model-index"][0]!.results[0]!.metrics;
      expect(metrics.find((metric) => metric.type === "accuracy")?.value).toBe(produced.accuracy);
      expect(modelPage).toContain(String(produced.accuracy));
      // A real model, not a lucky guess: the paper's 0.83 within a few points.
      expect(produced.accuracy).toBeGreaterThan(0.78);
      const published = (await (await get("local/tiny-reviews-mlp/resolve/main/metrics.json")).json()) as unknown;
      expect(published).toEqual(produced);

      const weights = join(scratch, "model.pt");
      writeFileSync(
        weights,
        Buffer.from(await (await get("local/tiny-reviews-mlp/resolve/main/model.pt")).arrayBuffer()),
      );
      // Not spawnSync: a blocked event loop would let the Hub close the idle keep-alive connection
      // unnoticed, and the next request would go out on a dead socket.
      const load = await execFileAsync("/usr/bin/python3", [
        "-c",
        "import sys, torch; state = torch.load(sys.argv[1]); print(sorted(state))",
        weights,
      ]);
      expect(load.stdout).toContain("0.weight");

      const tree = (await (
        await get("api/datasets/local/pincer-intern-sessions/tree/main/sessions?recursive=true")
      ).json()) as Array<{ type: string; path: string }>;
      const files = tree.filter((entry) => entry.type === "file").map((entry) => entry.path);
      expect(files).toContainEqual(
        expect.stringMatching(new RegExp(`^sessions/\\d{4}-\\d{2}-\\d{2}/${sessionId}\\.jsonl$`)),
      );
    } finally {
      await stopHub(served, "SIGTERM");
      rmSync(scratch, { recursive: true, force: true });
      if (workdir) rmSync(workdir, { recursive: true, force: true });
    }
  }, 240_000);
});
