import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalHub } from "@pincer/hub";
import { describe, expect, it } from "vitest";
import { checkDemoPython, DEMO_DATASET, DEMO_PAPER_ID, demoAssetsDir, seedDemoHub } from "./demo-seed.js";

describe("the ML intern demo's setup", () => {
  it("says how to install PyTorch when the interpreter can't train", () => {
    const missing = checkDemoPython("/nonexistent/python3");
    expect(missing).toContain("/nonexistent/python3 is not there (ENOENT)");
    expect(missing).toContain("sudo apt-get install -y python3-torch python3-pandas");
    // A Python without torch: the shim on PATH here, or any interpreter that fails the import.
    expect(checkDemoPython("/bin/false")).toContain("/bin/false cannot import torch");
  });

  it("seeds the paper and the dataset into a local Hub, twice without harm", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-demo-seed-"));
    const hub = await startLocalHub({ dir });
    const auth = { headers: { Authorization: `Bearer ${hub.token}` } };
    try {
      const assets = demoAssetsDir();
      for (let run = 0; run < 2; run++) await seedDemoHub({ endpoint: hub.url, token: hub.token, hubDir: dir, assets });
      expect(existsSync(join(dir, "papers", `${DEMO_PAPER_ID}.md`))).toBe(true);
      const found = (await (await fetch(`${hub.url}/api/papers/search?q=tiny%20reviews`, auth)).json()) as Array<{
        paper: { id: string };
      }>;
      expect(found.map((hit) => hit.paper.id)).toContain(DEMO_PAPER_ID);
      const splits = (await (
        await fetch(`${hub.url}/datasets-server/splits?dataset=${encodeURIComponent(DEMO_DATASET)}`, auth)
      ).json()) as { splits: Array<{ split: string }> };
      expect(splits.splits.map((s) => s.split).sort()).toEqual(["test", "train"]);
      const tree = (await (await fetch(`${hub.url}/api/datasets/${DEMO_DATASET}/tree/main`, auth)).json()) as Array<{
        path: string;
      }>;
      expect(tree.map((entry) => entry.path).sort()).toEqual(["README.md", "test.csv", "train.csv"]);
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
