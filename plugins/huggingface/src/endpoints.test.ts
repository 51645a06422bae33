import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalHub, startLocalHub } from "@pincer/hub";
import { type LoadedPlugin, loadPlugin } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hourlyPrice, priceNote } from "./endpoints.js";

const token = "hf_endpoints_plugin_token";
let dir: string;
let hub: LocalHub;
let plugin: LoadedPlugin;

const text = (result: { content: unknown }): string => String(result.content);

async function waitForState(name: string, state: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const info = text(await plugin.runTool("hf_endpoint_info", { name }));
    if (info.startsWith(`Inference Endpoint ada/${name}: ${state}`)) return info;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${name} never became ${state}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hf-endpoints-"));
  hub = await startLocalHub({ dir, token, user: "ada", endpoints: { pendingMs: 50, initializingMs: 50 } });
  plugin = await loadPlugin(new URL("..", import.meta.url), { env: { HF_ENDPOINT: hub.url, HF_TOKEN: token } });
  await plugin.runTool("hf_create_repo", { name: "tiny-model" });
  await plugin.runTool("hf_upload_file", { repo: "ada/tiny-model", path: "config.json", content: '{"hidden": 8}' });
});

afterAll(async () => {
  plugin?.dispose();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the Inference Endpoints tools against a local Hub", () => {
  it("ask before creating or managing, and show the price in the description", async () => {
    const tools = await plugin.tools();
    const kinds = Object.fromEntries(tools.map((tool) => [tool.name, tool.kind]));
    expect(kinds).toMatchObject({
      hf_endpoint_create: "execute",
      hf_endpoint_manage: "execute",
      hf_endpoint_info: "read",
    });
    const create = tools.find((tool) => tool.name === "hf_endpoint_create");
    expect(create?.description).toMatch(/costs money/);
    expect(create?.description).toContain("nvidia-t4 x1 ≈ $0.50");
  });

  it("creates an endpoint with a price estimate, follows it to running, pauses, resumes and deletes it", async () => {
    const created = await plugin.runTool("hf_endpoint_create", {
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
    expect(url).toBe(`${hub.url}/api/endpoints/invoke/ada/tiny-ep`);
    const answer = await fetch(url!, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ inputs: "Hi" }),
    });
    expect(await answer.json()).toMatchObject({ model: "ada/tiny-model", files: [{ path: "config.json" }] });

    const listed = await plugin.runTool("hf_endpoint_info", {});
    expect(text(listed)).toBe("1 Inference Endpoint in ada:\ntiny-ep: running — ada/tiny-model on nvidia-t4 x1");

    const paused = await plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "pause" });
    expect(paused.isError, text(paused)).toBeFalsy();
    expect(text(paused)).toMatch(/^Inference Endpoint ada\/tiny-ep: paused/);
    expect(text(paused)).toContain("It costs nothing while paused");

    const twice = await plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "pause" });
    expect(twice.isError).toBe(true);
    expect(text(twice)).toBe(
      "HTTP 400: The request was refused: check the arguments. (the Hub said: Inference Endpoint ada/tiny-ep is already paused; resume it to start it again.)",
    );

    const resumed = await plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "resume" });
    expect(text(resumed)).toMatch(/^Inference Endpoint ada\/tiny-ep: pending/);
    await waitForState("tiny-ep", "running");
    const zero = await plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "scale_to_zero" });
    expect(text(zero)).toMatch(/^Inference Endpoint ada\/tiny-ep: scaledToZero/);

    const deleted = await plugin.runTool("hf_endpoint_manage", { name: "tiny-ep", action: "delete" });
    expect(text(deleted)).toBe("Deleted the Inference Endpoint ada/tiny-ep.");
    expect(text(await plugin.runTool("hf_endpoint_info", {}))).toBe("ada has no Inference Endpoints.");
  });

  it("turns 404, 409 and bad names into errors that say what to do", async () => {
    const unknown = await plugin.runTool("hf_endpoint_info", { name: "nope" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toBe("HTTP 404: No Inference Endpoint ada/nope: list them with hf_endpoint_info.");
    const unknownPause = await plugin.runTool("hf_endpoint_manage", { name: "nope", action: "pause" });
    expect(text(unknownPause)).toBe("HTTP 404: No Inference Endpoint ada/nope: list them with hf_endpoint_info.");

    const first = await plugin.runTool("hf_endpoint_create", { name: "dup", repo: "ada/tiny-model" });
    expect(first.isError, text(first)).toBeFalsy();
    expect(text(first)).toContain("Estimated cost ≈ $0.033/hour per running replica");
    const duplicate = await plugin.runTool("hf_endpoint_create", { name: "dup", repo: "ada/tiny-model" });
    expect(duplicate.isError).toBe(true);
    expect(text(duplicate)).toMatch(/^HTTP 409: The Inference Endpoint ada\/dup already exists: pick another name/);

    const badName = await plugin.runTool("hf_endpoint_create", { name: "Bad_Name", repo: "ada/tiny-model" });
    expect(badName.isError).toBe(true);
    expect(text(badName)).toMatch(/^"Bad_Name" is not an endpoint name/);
    const noModel = await plugin.runTool("hf_endpoint_create", { name: "ghost", repo: "ada/ghost" });
    expect(noModel.isError).toBe(true);
    expect(text(noModel)).toContain("Model repository ada/ghost not found on this Hub: push the model first");
    const badReplicas = await plugin.runTool("hf_endpoint_create", {
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

  it("estimates prices from the instance type and size", () => {
    expect(hourlyPrice("nvidia-a10g", "x4")).toBe(4);
    expect(hourlyPrice("nvidia-b300", "x1")).toBeUndefined();
    expect(priceNote("nvidia-b300", "x1", 1)).toBe(
      "No price estimate for nvidia-b300 x1: see https://huggingface.co/pricing#endpoints.",
    );
  });
});
