import { loadPlugin, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { estimateEndpoint, estimateResume } from "./endpoint-cost.js";
import { hourlyPrice, priceNote } from "./endpoints.js";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_endpoints_plugin_token";

function waitForState(name: string, state: string): Promise<string> {
  return until(async () => {
    const info = text(await fx.plugin.runTool("hf_endpoint_info", { name }));
    return info.startsWith(`Inference Endpoint ada/${name}: ${state}`) && info;
  }, `${name} to become ${state}`);
}

const fx = localHubPlugin({
  token,
  name: "endpoints",
  hub: { endpoints: { pendingMs: 50, initializingMs: 50 } },
  ready: async (plugin) => {
    await plugin.runTool("hf_create_repo", { name: "tiny-model" });
    await plugin.runTool("hf_upload_file", { repo: "ada/tiny-model", path: "config.json", content: '{"hidden": 8}' });
  },
});

describe("the Inference Endpoints tools against a local Hub", () => {
  it("ask before creating or managing, and show the price in the description", async () => {
    const tools = await fx.plugin.tools();
    const kinds = Object.fromEntries(tools.map((tool) => [tool.name, tool.kind]));
    expect(kinds).toMatchObject({
      hf_endpoint_create: "execute",
      hf_endpoint_manage: "execute",
      hf_endpoint_info: "read",
    });
    const create = tools.find((tool) => tool.name === "hf_endpoint_create");
    expect(create?.description).toMatch(/costs money/);
    expect(create?.description).toContain("nvidia-t4 x1 ~$0.50");
  });

  it("creates an endpoint with a price estimate, follows it to running, pauses, resumes and deletes it", async () => {
    const created = await fx.plugin.runTool("hf_endpoint_create", {
      name: "tiny-ep",
      repo: "ada/tiny-model",
      instanceType: "nvidia-t4",
      instanceSize: "x1",
      task: "text-generation",
      maxReplica: 2,
    });
    expect(created.isError, text(created)).toBeFalsy();
    expect(text(created)).toContain("Created. Inference Endpoint ada/tiny-ep: pending");
    expect(text(created)).toContain("Model: ada/tiny-model@main (text-generation, pytorch)");
    expect(text(created)).toContain("Hardware: nvidia-t4 x1 (gpu) on aws us-east-1, replicas 0–2");
    expect(text(created)).toContain(
      "Estimated cost ≈ $0.500/hour per running replica, up to $1.00/hour with 2 replicas; nothing while paused or scaled to zero",
    );
    expect(created.details).toMatchObject({
      estimatedHourlyUsd: 0.5,
      compute: { scaling: { scaleToZeroTimeout: 15 } },
    });

    const running = await waitForState("tiny-ep", "running");
    const url = /URL: (\S+)/.exec(running)?.[1];
    expect(url).toBe(`${fx.hub.url}/api/endpoints/invoke/ada/tiny-ep`);
    const answer = await fetch(url!, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ inputs: "Hi" }),
    });
    expect(await answer.json()).toMatchObject({ model: "ada/tiny-model", files: [{ path: "config.json" }] });

    const listed = await fx.plugin.runTool("hf_endpoint_info", {});
    expect(text(listed)).toBe("1 Inference Endpoint in ada:\ntiny-ep: running — ada/tiny-model on nvidia-t4 x1");

    const paused = await fx.plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "pause" });
    expect(paused.isError, text(paused)).toBeFalsy();
    expect(text(paused)).toMatch(/^Inference Endpoint ada\/tiny-ep: paused/);
    expect(text(paused)).toContain("It costs nothing while paused");

    const twice = await fx.plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "pause" });
    expect(twice.isError).toBe(true);
    expect(text(twice)).toBe(
      "HTTP 400: The request was refused: check the arguments. (the Hub said: Inference Endpoint ada/tiny-ep is already paused; resume it to start it again.)",
    );

    const resumed = await fx.plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "resume" });
    expect(text(resumed)).toMatch(/^Inference Endpoint ada\/tiny-ep: pending/);
    await waitForState("tiny-ep", "running");
    const zero = await fx.plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "scale_to_zero" });
    expect(text(zero)).toMatch(/^Inference Endpoint ada\/tiny-ep: scaledToZero/);

    const deleted = await fx.plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "delete" });
    expect(text(deleted)).toBe("Deleted the Inference Endpoint ada/tiny-ep.");
    expect(text(await fx.plugin.runTool("hf_endpoint_info", {}))).toBe("ada has no Inference Endpoints.");
  });

  it("turns 404, 409 and bad names into errors that say what to do", async () => {
    const unknown = await fx.plugin.runTool("hf_endpoint_info", { name: "nope" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toBe("HTTP 404: No Inference Endpoint ada/nope: list them with hf_endpoint_info.");
    const unknownPause = await fx.plugin.runTool("hf_endpoint_manage", { name: "nope", action: "pause" });
    expect(text(unknownPause)).toBe("HTTP 404: No Inference Endpoint ada/nope: list them with hf_endpoint_info.");

    const first = await fx.plugin.runTool("hf_endpoint_create", { name: "dup", repo: "ada/tiny-model" });
    expect(first.isError, text(first)).toBeFalsy();
    expect(text(first)).toContain("Estimated cost ≈ $0.033/hour per running replica");
    const duplicate = await fx.plugin.runTool("hf_endpoint_create", { name: "dup", repo: "ada/tiny-model" });
    expect(duplicate.isError).toBe(true);
    expect(text(duplicate)).toMatch(/^HTTP 409: The Inference Endpoint ada\/dup already exists: pick another name/);

    const badName = await fx.plugin.runTool("hf_endpoint_create", { name: "Bad_Name", repo: "ada/tiny-model" });
    expect(badName.isError).toBe(true);
    expect(text(badName)).toMatch(/^"Bad_Name" is not an endpoint name/);
    const noModel = await fx.plugin.runTool("hf_endpoint_create", { name: "ghost", repo: "ada/ghost" });
    expect(noModel.isError).toBe(true);
    expect(text(noModel)).toContain("Model repository ada/ghost not found on this Hub: push the model first");
    const badReplicas = await fx.plugin.runTool("hf_endpoint_create", {
      name: "lopsided",
      repo: "ada/tiny-model",
      minReplica: 3,
      maxReplica: 1,
    });
    expect(text(badReplicas)).toBe("minReplica (3) is more than maxReplica (1).");
  });

  it("goes to api.endpoints.huggingface.cloud for the public Hub", async () => {
    // A grant without that host makes the sandbox refuse the call before any network use, naming the host.
    const publicHub = await loadPlugin(new URL("..", import.meta.url), {
      env: { HF_TOKEN: token },
      grants: { net: ["huggingface.co"], env: ["HF_TOKEN", "HF_ENDPOINT"] },
    });
    try {
      const refused = await publicHub.runTool("hf_endpoint_info", { namespace: "ada" });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("Could not reach https://api.endpoints.huggingface.cloud");
      expect(text(refused)).toContain("network access to api.endpoints.huggingface.cloud refused");
    } finally {
      publicHub.dispose();
    }
  });

  it("estimates an hour of a running endpoint as recurring work on the public Hub, and its first hour at that price on a local one", () => {
    const hub = "https://huggingface.co";
    const t4 = { instanceType: "nvidia-t4", instanceSize: "x1", maxReplica: 1 };
    expect(estimateEndpoint(t4, hub)).toEqual({
      usd: 0.5,
      summary: "nvidia-t4 x1 ≈ $0.50/h while running (billed until paused, scaled to zero or deleted)",
      recurring: true,
      category: "endpoint",
    });
    // Priced at the most replicas it may run; a CPU's cents keep their third digit.
    expect(estimateEndpoint({ instanceType: "nvidia-a10g", instanceSize: "x2", maxReplica: 3 }, hub)).toMatchObject({
      usd: 6,
      summary:
        "nvidia-a10g x2 × up to 3 replicas ≈ $6.00/h while running (billed until paused, scaled to zero or deleted)",
    });
    expect(estimateEndpoint({ ...t4, instanceType: "intel-spr" }, hub).summary).toMatch(/^intel-spr x1 ≈ \$0\.033\/h/);
    // An unknown price must not let it start unasked: still recurring, and the summary says why $0.
    expect(estimateEndpoint({ ...t4, instanceType: "nvidia-b300" }, hub)).toEqual({
      usd: 0,
      summary:
        "nvidia-b300 x1: no list price known (see https://huggingface.co/pricing#endpoints); billed every hour while running, until paused, scaled to zero or deleted",
      recurring: true,
      category: "endpoint",
    });
    // A rehearsal is priced as the real run (its first hour), not recurring: nothing bills here.
    expect(estimateEndpoint(t4, "http://127.0.0.1:4000")).toEqual({
      usd: 0.5,
      summary:
        "nvidia-t4 x1 ≈ $0.50/h, its first hour (Hugging Face's price; the local Hub at http://127.0.0.1:4000 rehearses it here)",
      category: "endpoint",
    });
    expect(estimateResume("never-seen", "ada", hub)).toEqual({
      usd: 0,
      summary:
        "resumes ada/never-seen, hardware not seen in this session (hf_endpoint_info shows it and its price); billed every hour while running, until paused, scaled to zero or deleted",
      recurring: true,
      category: "endpoint",
    });
  });

  it("estimates creating and resuming in the sandbox; pausing, scaling to zero and deleting cost nothing", async () => {
    const tools = await fx.plugin.tools();
    const create = tools.find((tool) => tool.name === "hf_endpoint_create")!;
    const manage = tools.find((tool) => tool.name === "hf_endpoint_manage")!;
    const args = { name: "cost-ep", repo: "ada/tiny-model", instanceType: "nvidia-l4", maxReplica: 2 };
    expect(await create.estimateCost?.(args, fx.plugin.cwd)).toEqual({
      usd: 1.6,
      summary: `nvidia-l4 x1 × up to 2 replicas ≈ $1.60/h, its first hour (Hugging Face's price; the local Hub at ${fx.hub.url} rehearses it here)`,
      category: "endpoint",
    });
    const resume = { name: "cost-ep", action: "resume" };
    expect((await manage.estimateCost?.(resume, fx.plugin.cwd))?.summary).toMatch(
      /^resumes cost-ep, hardware not seen/,
    );
    expect((await fx.plugin.runTool("hf_endpoint_create", args)).isError).toBeFalsy();
    // Resuming names only the endpoint: the hardware comes from what this session has seen of it.
    expect(await manage.estimateCost?.(resume, fx.plugin.cwd)).toEqual({
      usd: 1.6,
      summary: `resumes nvidia-l4 x1 × up to 2 replicas ≈ $1.60/h, its first hour (Hugging Face's price; the local Hub at ${fx.hub.url} rehearses it here)`,
      category: "endpoint",
    });
    expect((await manage.estimateCost?.({ ...resume, namespace: "ada" }, fx.plugin.cwd))?.summary).toMatch(
      /^resumes nvidia-l4 x1/,
    );
    for (const action of ["pause", "scale_to_zero", "delete"]) {
      expect(await manage.estimateCost?.({ name: "cost-ep", action }, fx.plugin.cwd)).toBeUndefined();
    }
    expect((await fx.plugin.runTool("hf_endpoint_manage", { name: "cost-ep", action: "delete" })).isError).toBeFalsy();
    expect((await manage.estimateCost?.(resume, fx.plugin.cwd))?.summary).toMatch(
      /^resumes cost-ep, hardware not seen/,
    );
  });

  it("on the public Hub, creating and resuming are recurring costs a person must approve", async () => {
    const publicHub = await loadPlugin(new URL("..", import.meta.url), { env: { HF_TOKEN: token } });
    try {
      const tools = await publicHub.tools();
      const create = tools.find((tool) => tool.name === "hf_endpoint_create")!;
      const manage = tools.find((tool) => tool.name === "hf_endpoint_manage")!;
      expect(
        await create.estimateCost?.({ name: "x", repo: "ada/m", instanceType: "nvidia-t4" }, publicHub.cwd),
      ).toEqual({
        usd: 0.5,
        summary: "nvidia-t4 x1 ≈ $0.50/h while running (billed until paused, scaled to zero or deleted)",
        recurring: true,
        category: "endpoint",
      });
      expect(await manage.estimateCost?.({ name: "x", action: "resume" }, publicHub.cwd)).toMatchObject({
        recurring: true,
      });
    } finally {
      publicHub.dispose();
    }
  });

  it("estimates prices from the instance type and size", () => {
    expect(hourlyPrice("nvidia-a10g", "x4")).toBe(4);
    expect(hourlyPrice("nvidia-b300", "x1")).toBeUndefined();
    expect(priceNote("nvidia-b300", "x1", 1)).toBe(
      "No price estimate for nvidia-b300 x1: see https://huggingface.co/pricing#endpoints.",
    );
  });
});
