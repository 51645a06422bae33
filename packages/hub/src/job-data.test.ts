import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub, unconfinedLauncher } from "./index.js";
import { repoOfPath } from "./scoped-tokens.js";

// A job reaches its data: files handed to it (inputs/), a token minted for the repos it names
// (never the Hub's own), and what it leaves in outputs/ read back without following a link.
const token = "hf_local_job_data_token";
let dir: string;
let hub: LocalHub;

const call = (path: string, init: RequestInit = {}, bearer = token): Promise<Response> =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json", ...init.headers },
  });

async function startJob(body: unknown): Promise<string> {
  const res = await call("/api/jobs/local", { method: "POST", body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

async function ended(id: string): Promise<Record<string, any>> {
  return until(
    async () => {
      const body = (await (await call(`/api/jobs/local/${id}`)).json()) as Record<string, any>;
      return body.status.stage !== "RUNNING" && body;
    },
    { message: `job ${id} to end`, intervalMs: 50 },
  );
}

const output = async (id: string, path: string) => call(`/api/jobs/local/${id}/outputs/${path}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-job-data-"));
  hub = await startLocalHub({
    dir,
    token,
    jobs: { launcher: unconfinedLauncher({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }) },
  });
  for (const name of ["allowed", "writable", "other"]) {
    const res = await call("/api/repos/create", { method: "POST", body: JSON.stringify({ name, type: "model" }) });
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("which repo a Hub path is about", () => {
  it("reads the API, file and git forms, and nothing else", () => {
    expect(repoOfPath("/api/models/ada/m/revision/main")).toEqual({ type: "model", id: "ada/m" });
    expect(repoOfPath("/api/datasets/ada/d")).toEqual({ type: "dataset", id: "ada/d" });
    expect(repoOfPath("/datasets/ada/d/resolve/main/train.csv")).toEqual({ type: "dataset", id: "ada/d" });
    expect(repoOfPath("/ada/m/resolve/main/config.json")).toEqual({ type: "model", id: "ada/m" });
    expect(repoOfPath("/ada/m.git/info/lfs/objects/batch")).toEqual({ type: "model", id: "ada/m" });
    for (const other of ["/api/jobs/ada", "/api/repos/create", "/api/models", "/ada/m", "/api/models/ada/%2e%2e/x"]) {
      expect(repoOfPath(other), other).toBeUndefined();
    }
  });
});

describe.skipIf(!existsSync("/usr/bin/python3"))("a job's data on the local Hub", () => {
  it("a job's token reaches the repos it named, read or write as named, and nothing else; revoked at its end", async () => {
    const script = [
      "import json, os, urllib.request, urllib.error",
      "base, tok = os.environ['HF_ENDPOINT'], os.environ['HF_TOKEN']",
      "def status(method, path, body=None):",
      "    req = urllib.request.Request(base + path, method=method, data=body, headers={'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})",
      "    try:",
      "        return urllib.request.urlopen(req).status",
      "    except urllib.error.HTTPError as error:",
      "        return error.code",
      "commit = json.dumps({'summary': 'x', 'files': [{'path': 'a.txt', 'content': 'hi'}]}).encode()",
      "print(json.dumps({",
      "    'whoami': status('GET', '/api/whoami-v2'),",
      "    'read allowed': status('GET', '/api/models/local/allowed'),",
      "    'read other': status('GET', '/api/models/local/other'),",
      "    'write read-only': status('POST', '/api/models/local/allowed/commit/main', commit),",
      "    'start a job': status('POST', '/api/jobs/local', json.dumps({'script': 'print(1)'}).encode()),",
      "    'create a repo': status('POST', '/api/repos/create', json.dumps({'name': 'x'}).encode()),",
      "}), flush=True)",
      "open(os.path.join(os.environ['PINCER_OUTPUTS'], 'token.txt'), 'w').write(tok)",
    ].join("\n");
    const id = await startJob({
      script,
      secrets: { HF_TOKEN: token },
      tokenScope: {
        repos: [
          { type: "model", id: "local/allowed" },
          { type: "model", id: "local/writable", write: true },
        ],
      },
    });
    const info = await ended(id);
    expect(info.status.stage, JSON.stringify(info.tail)).toBe("COMPLETED");
    const seen = JSON.parse(info.tail.find((line: string) => line.startsWith("{")));
    expect(seen).toEqual({
      whoami: 200,
      "read allowed": 200,
      "read other": 401,
      "write read-only": 401,
      "start a job": 401,
      "create a repo": 401,
    });
    expect(info.tokenScope.repos).toHaveLength(2);
    // The job's token was minted here: not the Hub's, though the request sent the Hub's as a secret.
    const minted = await (await output(id, "token.txt")).text();
    expect(minted).toMatch(/^hf_job_[0-9a-f]{48}$/);
    expect(minted).not.toBe(token);
    // It dies with the job.
    expect((await call("/api/models/local/allowed", {}, minted)).status).toBe(401);
  });

  it("hands a job its inputs (read-only files) and its args and env", async () => {
    const csv = "x,y\n1,2\n";
    const script = [
      "import os, sys",
      "print(open(os.path.join(os.environ['PINCER_INPUTS'], 'data', 'train.csv')).read().strip().replace('\\n', '|'))",
      "print(sys.argv[1:], os.environ['LEARNING_RATE'])",
      "print(oct(os.stat(os.path.join(os.environ['PINCER_INPUTS'], 'data', 'train.csv')).st_mode & 0o777))",
    ].join("\n");
    const id = await startJob({
      script,
      arguments: ["--epochs", "3"],
      environment: { LEARNING_RATE: "0.01" },
      inputs: { "data/train.csv": Buffer.from(csv).toString("base64") },
    });
    const info = await ended(id);
    expect(info.tail).toEqual(["x,y|1,2", "['--epochs', '3'] 0.01", "0o444"]);
  });

  it("refuses inputs that would escape their folder", async () => {
    for (const path of ["../status.json", "/etc/x", "a/../../b", "a//b", "a\\b"]) {
      const res = await call("/api/jobs/local", {
        method: "POST",
        body: JSON.stringify({ script: "print(1)", inputs: { [path]: "aGk=" } }),
      });
      expect(res.status, path).toBe(400);
    }
  });

  it("a hostile job's outputs: links to /etc/passwd are listed as skipped and never read", async () => {
    const script = [
      "import os",
      "out = os.environ['PINCER_OUTPUTS']",
      "open(os.path.join(out, 'model.txt'), 'w').write('weights')",
      "os.makedirs(os.path.join(out, 'sub'))",
      "open(os.path.join(out, 'sub', 'metrics.json'), 'w').write('{}')",
      "os.symlink('/etc/passwd', os.path.join(out, 'passwd'))",
      "os.symlink('/etc', os.path.join(out, 'etc'))",
      "os.symlink('..', os.path.join(out, 'up'))",
      "os.link(os.path.join(out, 'model.txt'), os.path.join(out, 'hardlink.txt'))",
    ].join("\n");
    const id = await startJob({ script });
    expect((await ended(id)).status.stage).toBe("COMPLETED");
    const listing = (await (await call(`/api/jobs/local/${id}/outputs`)).json()) as Record<string, any>;
    expect(listing.files).toEqual([{ path: "sub/metrics.json", size: 2 }]);
    expect(listing.skipped.map((entry: { path: string }) => entry.path).sort()).toEqual([
      "etc",
      "hardlink.txt",
      "model.txt",
      "passwd",
      "up",
    ]);
    for (const path of ["passwd", "etc/passwd", "up/status.json", "up/hub.json", "%2e%2e/status.json", "model.txt"]) {
      const res = await output(id, path);
      expect([403, 404], path).toContain(res.status);
      expect(await res.text()).not.toContain("root:");
    }
    expect(await (await output(id, "sub/metrics.json")).text()).toBe("{}");
  });
});
