import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_search_test_token";

const card = (meta: string) => `---\n${meta}\n---\n# Card\n`;

const fx = localHubPlugin({
  token,
  name: "search",
  ready: async (plugin) => {
    for (const [name, meta] of [
      ["bert-sst2", "pipeline_tag: text-classification\nlibrary_name: transformers\nlicense: apache-2.0"],
      ["iris-forest", "pipeline_tag: tabular-classification\nlibrary_name: sklearn\nlicense: mit"],
      ["house-prices", "pipeline_tag: tabular-regression\nlibrary_name: sklearn\nlicense: apache-2.0"],
    ] as const) {
      await plugin.runTool("hf_create_repo", { name });
      const up = await plugin.runTool("hf_upload_file", {
        repo: `ada/${name}`,
        path: "README.md",
        content: card(meta),
      });
      if (up.isError) throw new Error(text(up));
    }
  },
});

describe("hf_hub_search with the Hub's filters", () => {
  it("finds models by task, library, author and tags, and shows task and library", async () => {
    const byTask = await fx.plugin.runTool("hf_hub_search", { task: "tabular-classification" });
    expect(text(byTask)).toMatch(
      /^1 model:\nada\/iris-forest \(tabular-classification, sklearn, 0 downloads, 0 likes, updated \d{4}-\d\d-\d\d\)$/,
    );
    const sklearn = await fx.plugin.runTool("hf_hub_search", { library: "sklearn", tags: ["license:apache-2.0"] });
    expect(sklearn.details).toEqual({ results: ["ada/house-prices"] });
    const all = await fx.plugin.runTool("hf_hub_search", { author: "ada", sort: "lastModified" });
    expect(all.details).toEqual({ results: ["ada/house-prices", "ada/iris-forest", "ada/bert-sst2"] });
    const none = await fx.plugin.runTool("hf_hub_search", { task: "image-classification", library: "timm" });
    expect(text(none)).toBe("No models match task image-classification, library timm.");
  });
});
