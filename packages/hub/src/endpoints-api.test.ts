import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commit, createRepo, deleteRepo } from "@huggingface/hub";
import { until } from "@pincer/testing/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const accessToken = "hf_endpoints_test_token";
// The lifecycle follows a clock the tests move by hand: no test waits on (or races) real time.
let clock = Date.now();
const advance = (ms: number) => {
  clock += ms;
};
const timings = { pendingMs: 60, initializingMs: 60, now: () => clock };
let dir: string;
let hub: LocalHub;

type Endpoint = {
  name: string;
  model: { repository: string; revision: string; task: string | null };
  compute: { instanceType: string; scaling: { minReplica: number; maxReplica: number } };
  status: { state: string; message: string | null; url: string; targetReplica: number };
};

function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${hub.url}/api/endpoints/v2/endpoint${path}`, {
    method,
    headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const spec = (name: string, repository = "ada/tiny") => ({
  name,
  type: "protected",
  model: { repository, framework: "pytorch", task: "text-generation", image: { huggingface: {} } },
  compute: {
    accelerator: "gpu",
    instanceType: "nvidia-t4",
    instanceSize: "x1",
    scaling: { minReplica: 0, maxReplica: 1 },
  },
  provider: { vendor: "aws", region: "us-east-1" },
});

function waitFor(name: string, state: string): Promise<Endpoint> {
  return until(async () => {
    const info = (await (await call("GET", `/ada/${name}`)).json()) as Endpoint;
    return info.status.state === state && info;
  }, `${name} to become ${state}`);
}

const errorOf = async (res: Response): Promise<string> => ((await res.json()) as { error: string }).error;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-endpoints-"));
  hub = await startLocalHub({ dir, token: accessToken, user: "ada", endpoints: timings });
  const hubUrl = hub.url;
  for (const name of ["ada/tiny", "ada/short-lived"]) {
    await createRepo({ repo: { type: "model", name }, accessToken, hubUrl });
    await commit({
      repo: { type: "model", name },
      accessToken,
      hubUrl,
      title: "weights",
      operations: [{ operation: "addOrUpdate", path: "config.json", content: new Blob(['{"hidden": 8}']) }],
    });
  }
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local Inference Endpoints API", () => {
  it("creates an endpoint that goes pending → initializing → running and answers at its URL", async () => {
    const created = await call("POST", "/ada", spec("tiny-ep"));
    expect(created.status).toBe(200);
    const info = (await created.json()) as Endpoint;
    expect(info).toMatchObject({
      name: "tiny-ep",
      model: { repository: "ada/tiny", revision: "main", task: "text-generation" },
      compute: { instanceType: "nvidia-t4", scaling: { minReplica: 0, maxReplica: 1 } },
      status: { state: "pending", url: `${hub.url}/api/endpoints/invoke/ada/tiny-ep` },
    });
    const early = await fetch(info.status.url, { method: "POST", headers: { Authorization: `Bearer ${accessToken}` } });
    expect(early.status).toBe(503);

    advance(60);
    await waitFor("tiny-ep", "initializing");
    advance(60);
    const running = await waitFor("tiny-ep", "running");
    expect(running.status.targetReplica).toBe(1);
    const answer = await fetch(running.status.url, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ inputs: "Hello" }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      endpoint: "ada/tiny-ep",
      model: "ada/tiny",
      revision: expect.stringMatching(/^[0-9a-f]{40}$/),
      files: [{ path: "config.json", size: 13 }],
      inputs: "Hello",
    });

    const listed = (await (await call("GET", "/ada")).json()) as { items: Endpoint[] };
    expect(listed.items.map((item) => item.name)).toContain("tiny-ep");
    // Stored as JSON under the hub directory.
    expect(JSON.parse(readFileSync(join(dir, "endpoints", "ada", "tiny-ep.json"), "utf8"))).toMatchObject({
      phase: "running",
    });
  });

  it("pauses, refuses a second pause, resumes, scales to zero and wakes on a request", async () => {
    await call("POST", "/ada", spec("cycle"));
    const paused = await call("POST", "/ada/cycle/pause");
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as Endpoint).status).toMatchObject({ state: "paused", targetReplica: 0 });

    const again = await call("POST", "/ada/cycle/pause");
    expect(again.status).toBe(400);
    expect(await errorOf(again)).toBe("Inference Endpoint ada/cycle is already paused; resume it to start it again.");
    const asleep = await fetch(`${hub.url}/api/endpoints/invoke/ada/cycle`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(asleep.status).toBe(503);
    expect(await errorOf(asleep)).toContain("is paused; resume it first");
    expect((await call("POST", "/ada/cycle/scale-to-zero")).status).toBe(400);

    expect(((await (await call("POST", "/ada/cycle/resume")).json()) as Endpoint).status.state).toBe("pending");
    expect((await call("POST", "/ada/cycle/resume")).status).toBe(400);
    advance(120);
    await waitFor("cycle", "running");

    const zero = await call("POST", "/ada/cycle/scale-to-zero");
    expect(((await zero.json()) as Endpoint).status.state).toBe("scaledToZero");
    const wake = await fetch(`${hub.url}/api/endpoints/invoke/ada/cycle`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(wake.status).toBe(503);
    expect(await errorOf(wake)).toContain("scaling up from zero");
    advance(120);
    await waitFor("cycle", "running");
  });

  it("fails a starting endpoint whose model repo disappears", async () => {
    await call("POST", "/ada", spec("doomed", "ada/short-lived"));
    await deleteRepo({ repo: { type: "model", name: "ada/short-lived" }, accessToken, hubUrl: hub.url });
    advance(120);
    const failed = await waitFor("doomed", "failed");
    expect(failed.status.message).toBe("Model repository ada/short-lived not found on this Hub");
    expect((await call("POST", "/ada/doomed/pause")).status).toBe(400);
  });

  it("answers 409 for a duplicate, 400 for a bad name or a missing model, 404 for an unknown endpoint", async () => {
    await call("POST", "/ada", spec("dup"));
    const duplicate = await call("POST", "/ada", spec("dup"));
    expect(duplicate.status).toBe(409);
    expect(await errorOf(duplicate)).toBe("Inference Endpoint ada/dup already exists");

    const badName = await call("POST", "/ada", spec("Bad_Name!"));
    expect(badName.status).toBe(400);
    expect(await errorOf(badName)).toMatch(/^Invalid endpoint name "Bad_Name!"/);

    const noModel = await call("POST", "/ada", spec("ghost", "ada/ghost"));
    expect(noModel.status).toBe(400);
    expect(await errorOf(noModel)).toBe(
      "Model repository ada/ghost not found on this Hub: push the model first, then create the endpoint.",
    );
    const missingField = await call("POST", "/ada", { ...spec("partial"), provider: {} });
    expect(missingField.status).toBe(400);
    expect(await errorOf(missingField)).toBe("`provider.vendor` is required (a string)");

    for (const [method, path] of [
      ["GET", "/ada/nope"],
      ["DELETE", "/ada/nope"],
      ["POST", "/ada/nope/pause"],
    ] as const) {
      const res = await call(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await errorOf(res)).toBe("Inference Endpoint ada/nope not found");
    }
  });

  it("deletes an endpoint, and keeps the others across a restart", async () => {
    await call("POST", "/ada", spec("to-delete"));
    expect((await call("DELETE", "/ada/to-delete")).status).toBe(200);
    expect((await call("GET", "/ada/to-delete")).status).toBe(404);

    await hub.close();
    hub = await startLocalHub({ dir, token: accessToken, user: "ada", endpoints: timings });
    const listed = (await (await call("GET", "/ada")).json()) as { items: Endpoint[] };
    expect(listed.items.map((item) => item.name)).toEqual(expect.arrayContaining(["tiny-ep", "cycle", "dup"]));
    expect(listed.items.map((item) => item.name)).not.toContain("to-delete");
  });
});
