import { type GitHubServer, type LoadedPlugin, loadPlugin, startGitHubServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TOKEN = "ghp_test_token_for_the_stand_in";
let github: GitHubServer;
let withToken: LoadedPlugin;
let anonymous: LoadedPlugin;

const text = (result: { content: unknown }): string => String(result.content);
const TRAIN_PY = [
  "import torch",
  "from peft import LoraConfig, get_peft_model",
  "",
  "config = LoraConfig(r=8, lora_alpha=16, target_modules=['q_proj', 'v_proj'])",
  "model = get_peft_model(model, config)",
  ...Array.from({ length: 40 }, (_, i) => `# line ${i + 6}`),
].join("\n");

beforeAll(async () => {
  github = await startGitHubServer({
    token: TOKEN,
    repos: [
      {
        fullName: "microsoft/LoRA",
        description: "Code for loralib, an implementation of LoRA: Low-Rank Adaptation",
        language: "Python",
        stars: 11000,
        files: {
          "examples/train.py": TRAIN_PY,
          "README.md": "# LoRA\n",
          "loralib/layers.py": "class LoRALayer:\n    pass\n",
        },
      },
      {
        fullName: "ada/lora-notes",
        description: "Notes on LoRA",
        language: "Markdown",
        stars: 3,
        files: { "notes.md": "low-rank" },
      },
      { fullName: "ada/secret", private: true, files: { "a.py": "secret = 1" } },
      { fullName: "ada/weights", files: { "model.bin": "\u0000\u0001binary" } },
      {
        fullName: "ada/big",
        files: { "data.txt": Array.from({ length: 50_001 }, (_, i) => `row ${i} ${"x".repeat(19)}`).join("\n") },
      },
    ],
  });
  const env = { GITHUB_API_BASE_URL: github.apiUrl, GITHUB_RAW_BASE_URL: github.rawUrl };
  withToken = await loadPlugin(new URL("..", import.meta.url), {
    env: { ...env, GITHUB_TOKEN: TOKEN },
    shipsWithPincer: true,
  });
  anonymous = await loadPlugin(new URL("..", import.meta.url), { env, shipsWithPincer: true });
});

afterAll(async () => {
  withToken?.dispose();
  anonymous?.dispose();
  await github?.close();
});

describe("the GitHub tools against a stand-in GitHub", () => {
  it("searches code with the token, showing repo:path and the matching fragment", async () => {
    const result = await withToken.runTool("github_search_code", {
      query: "LoraConfig target_modules",
      language: "python",
    });
    expect(result.isError, text(result)).toBeFalsy();
    const found = text(result);
    expect(found).toMatch(
      /^1 result for LoraConfig target_modules language:python \(first 1\):\nmicrosoft\/LoRA:examples\/train\.py\n/,
    );
    expect(found).toContain("\n    config = LoraConfig(r=8, lora_alpha=16, target_modules=['q_proj', 'v_proj'])\n");
    const request = github.requests.find((r) => r.path === "/search/code");
    expect(request?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.query.q).toBe("LoraConfig target_modules language:python");
  });

  it("says code search needs GITHUB_TOKEN when there is none", async () => {
    const result = await anonymous.runTool("github_search_code", { query: "LoraConfig" });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      "Code search needs a GitHub token: set GITHUB_TOKEN (a fine-grained token with public repository read access is enough). (GitHub said: Requires authentication)",
    );
  });

  it("searches repositories without a token", async () => {
    const result = await anonymous.runTool("github_search_repos", { query: "lora", sort: "stars" });
    expect(text(result)).toBe(
      [
        "2 repositories for lora (first 2):",
        "microsoft/LoRA (★11000, Python, updated 2025-01-01): Code for loralib, an implementation of LoRA: Low-Rank Adaptation",
        "ada/lora-notes (★3, Markdown, updated 2025-01-01): Notes on LoRA",
      ].join("\n"),
    );
    // The token never went anywhere without one.
    expect(
      github.requests.filter((r) => r.path === "/search/repositories").every((r) => r.authorization === undefined),
    ).toBe(true);
  });

  it("reads a file, a line range, a folder; refuses paths outside the repo and reports binary files", async () => {
    const whole = await anonymous.runTool("github_read_file", {
      repo: "https://github.com/microsoft/LoRA",
      path: "loralib/layers.py",
    });
    expect(text(whole)).toBe("microsoft/LoRA:loralib/layers.py (3 lines)\nclass LoRALayer:\n    pass\n");
    const range = await anonymous.runTool("github_read_file", {
      repo: "microsoft/LoRA",
      path: "examples/train.py",
      startLine: 4,
      endLine: 5,
    });
    expect(text(range)).toBe(
      "microsoft/LoRA:examples/train.py (lines 4–5 of 45; read on with startLine)\nconfig = LoraConfig(r=8, lora_alpha=16, target_modules=['q_proj', 'v_proj'])\nmodel = get_peft_model(model, config)",
    );
    const folder = await anonymous.runTool("github_read_file", { repo: "microsoft/LoRA" });
    expect(text(folder)).toBe("microsoft/LoRA:/ holds 3 entries:\nREADME.md (7 bytes)\nexamples/\nloralib/");
    const outside = await anonymous.runTool("github_read_file", { repo: "microsoft/LoRA", path: "../../etc/passwd" });
    expect(outside.isError).toBe(true);
    expect(text(outside)).toBe('"../../etc/passwd" is not a path inside the repository.');
    const badRepo = await anonymous.runTool("github_read_file", { repo: "not a repo" });
    expect(text(badRepo)).toMatch(/^"not a repo" is not a GitHub repository/);
    const binary = await anonymous.runTool("github_read_file", { repo: "ada/weights", path: "model.bin" });
    expect(text(binary)).toBe(
      "ada/weights:model.bin is a binary file (8 bytes): https://github.com/ada/weights/blob/main/model.bin",
    );
  });

  it("sees a private repository only with the token, and says what to do otherwise", async () => {
    const hidden = await anonymous.runTool("github_read_file", { repo: "ada/secret", path: "a.py" });
    expect(hidden.isError).toBe(true);
    expect(text(hidden)).toBe(
      "ada/secret:a.py was not found: check the owner/name, the path and the ref (a private repo needs GITHUB_TOKEN). (GitHub said: Not Found)",
    );
    expect(text(await withToken.runTool("github_read_file", { repo: "ada/secret", path: "a.py" }))).toContain(
      "secret = 1",
    );
  });

  it("reports a spent rate limit with its reset time and how to lift it", async () => {
    github.rateLimitNext(1767225600);
    const limited = await anonymous.runTool("github_search_repos", { query: "lora" });
    expect(limited.isError).toBe(true);
    expect(text(limited)).toBe(
      "GitHub's rate limit is spent until 2026-01-01T00:00:00.000Z: wait before searching again. Set GITHUB_TOKEN (any token with public read access) for 5,000 requests an hour. (GitHub said: API rate limit exceeded for 127.0.0.1.)",
    );
    // And the next call goes through.
    expect((await anonymous.runTool("github_search_repos", { query: "lora" })).isError).toBeFalsy();
  });

  it("reads a file over 1 MB from the raw host, and no download URL pointing elsewhere", async () => {
    const big = await anonymous.runTool("github_read_file", {
      repo: "ada/big",
      path: "data.txt",
      startLine: 3,
      endLine: 3,
    });
    expect(text(big)).toBe("ada/big:data.txt (lines 3–3 of 50001; read on with startLine)\nrow 2 xxxxxxxxxxxxxxxxxxx");
    // A hostile answer sends the download elsewhere (a cloud metadata address): refused before any request.
    github.setDownloadOrigin("http://169.254.169.254/latest");
    try {
      const refused = await anonymous.runTool("github_read_file", { repo: "ada/big", path: "data.txt" });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toBe(
        `ada/big:data.txt is served from 169.254.169.254, not ${github.rawUrl}: open it on GitHub.`,
      );
    } finally {
      github.setDownloadOrigin(undefined);
    }
  });
});
