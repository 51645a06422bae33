import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { jsonLines, sandbox } from "./run-cli.js";

const token = "hf_e2e_docs_endpoints_token";
const authorized = { headers: { Authorization: `Bearer ${token}` } };
const fx = hubSessionFixture({
  token,
  name: "hf-docs",
  hub: { endpoints: { pendingMs: 50, initializingMs: 50 } },
  // The model the endpoint serves, pushed the way a user would (the Hub's commit API).
  ready: async (hub) => {
    await fetch(`${hub.url}/api/repos/create`, {
      method: "POST",
      headers: { ...authorized.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "model", name: "tiny-model" }),
    });
  },
});
const { env, bodies, toolMessages, callTools } = fx;

describe("Hugging Face docs and Inference Endpoints in a pincer -p session", () => {
  it("reads a docs page without asking, then creates, pauses and deletes an endpoint when allowed", async () => {
    using box = sandbox(env());
    const from = fx.server.requests.length;
    callTools(
      ["hf_docs_fetch", { page: "trl/sft_trainer" }],
      ["hf_endpoint_create", { name: "e2e-ep", repo: "ada/tiny-model", instanceType: "nvidia-t4" }],
      ["hf_endpoint_manage", { name: "e2e-ep", action: "pause" }],
      ["hf_endpoint_manage", { name: "e2e-ep", action: "delete" }],
    );
    const result = await box.run([
      "-p",
      "read the SFT docs, then deploy and tear down",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
      "--allowedTools",
      "hf_endpoint_create",
      "hf_endpoint_manage(pause *)",
      "hf_endpoint_manage(delete *)",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const results = toolMessages(bodies(from).at(-1)!);
    expect(results[0]).toMatch(/^# Supervised fine-tuning with SFTTrainer\n/);
    expect(results[1]).toContain("Created. Inference Endpoint ada/e2e-ep: pending");
    expect(results[1]).toContain("Estimated cost ≈ $0.500/hour per running replica");
    expect(results[2]).toMatch(/^Inference Endpoint ada\/e2e-ep: paused/);
    expect(results[3]).toBe("Deleted the Inference Endpoint ada/e2e-ep.");
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "done" });
    // Really gone from the Hub.
    const gone = await fetch(`${fx.hub.url}/api/endpoints/v2/endpoint/ada/e2e-ep`, authorized);
    expect(gone.status).toBe(404);
  });

  it("asks before creating an endpoint: headless default mode denies it", async () => {
    using box = sandbox(env());
    callTools(["hf_endpoint_create", { name: "not-allowed", repo: "ada/tiny-model" }]);
    const result = await box.run(["-p", "deploy it", "--model", "openai/gpt-5", "--output-format", "stream-json"]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({
      permission_denials: [{ tool_name: "hf_endpoint_create" }],
    });
    const none = await fetch(`${fx.hub.url}/api/endpoints/v2/endpoint/ada/not-allowed`, authorized);
    expect(none.status).toBe(404);
  });
});
