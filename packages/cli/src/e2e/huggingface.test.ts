import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalHub } from "@pincer/hub";
import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { jsonLines, sandbox } from "./run-cli.js";

const token = "hf_e2e_hub_token";
const fx = hubSessionFixture({ token, name: "hub" });
const { env, bodies, toolMessages, callTools } = fx;

describe("the Hugging Face plugin in a pincer -p session", () => {
  it("uses a running local Hub when there is no HF_TOKEN, and says so", async () => {
    const open = await startLocalHub({ dir: mkdtempSync(join(tmpdir(), "pincer-e2e-open-hub-")) });
    try {
      using box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: fx.server.url });
      // What `pincer hub serve` writes while it runs (this test process stands in for it).
      mkdirSync(join(box.env.PINCER_HOME!, "hub"), { recursive: true });
      writeFileSync(
        join(box.env.PINCER_HOME!, "hub", "server.json"),
        JSON.stringify({ url: open.url, pid: process.pid, token: open.token }),
      );
      const from = fx.server.requests.length;
      callTools(["hf_hub_search", { kind: "model", query: "anything" }]);
      const result = await box.run(["-p", "search", "--model", "openai/gpt-5"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`the Hugging Face tools use the local Hub at ${open.url}`);
      const last = bodies(from).at(-1)!;
      expect(toolMessages(last).join("\n")).not.toMatch(/error|refused/i);
    } finally {
      await open.close();
    }
  });

  it("gives the running local Hub's token to the tools when HF_ENDPOINT names that Hub and HF_TOKEN is unset", async () => {
    const local = await startLocalHub({ dir: mkdtempSync(join(tmpdir(), "pincer-e2e-endpoint-hub-")) });
    try {
      using box = sandbox({
        OPENAI_API_KEY: "sk-test-e2e-key-123456",
        OPENAI_BASE_URL: fx.server.url,
        HF_ENDPOINT: local.url.replace("127.0.0.1", "localhost"),
      });
      mkdirSync(join(box.env.PINCER_HOME!, "hub"), { recursive: true });
      writeFileSync(
        join(box.env.PINCER_HOME!, "hub", "server.json"),
        JSON.stringify({ url: local.url, pid: process.pid, token: local.token }),
      );
      const from = fx.server.requests.length;
      callTools(["hf_hub_search", { kind: "model", query: "anything" }]);
      const result = await box.run(["-p", "search", "--model", "openai/gpt-5"]);
      expect(result.code, result.stderr).toBe(0);
      const last = bodies(from).at(-1)!;
      expect(toolMessages(last).join("\n")).not.toMatch(/error|refused|401/i);
      // The token reached the tools, not the model.
      expect(JSON.stringify(bodies(from))).not.toContain(local.token);
    } finally {
      await local.close();
    }
  });

  it("searches the Hub without asking and creates a repo when allowed", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    callTools(["hf_hub_search", { kind: "model", query: "pincer" }], ["hf_create_repo", { name: "pincer-demo" }]);
    const result = await box.run([
      "-p",
      "make me a repo",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
      "--allowedTools",
      "hf_create_repo",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const sent = bodies(from);
    expect((sent[0]!.tools ?? []).map((tool) => tool.function.name)).toEqual(
      expect.arrayContaining(["hf_hub_search", "hf_create_repo", "hf_job_run"]),
    );
    expect(toolMessages(sent[1]!)[0]).toContain('No models match "pincer"');
    expect(toolMessages(sent[2]!)[1]).toContain("Created model repo ada/pincer-demo");
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "done" });
    // The repo is really there.
    const info = await fetch(`${fx.hub.url}/api/models/ada/pincer-demo`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(info.status).toBe(200);
  });

  it("asks before creating a repo: headless default mode denies it", async () => {
    using box = sandbox(env());
    callTools(["hf_create_repo", { name: "not-allowed" }]);
    const result = await box.run(["-p", "make a repo", "--model", "openai/gpt-5", "--output-format", "stream-json"]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ permission_denials: [{ tool_name: "hf_create_repo" }] });
    const info = await fetch(`${fx.hub.url}/api/models/ada/not-allowed`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(info.status).toBe(404);
  });
});
