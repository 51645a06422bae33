import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probeBwrap } from "@pincer/host";
import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { jsonLines, sandbox } from "./run-cli.js";

// Jobs that reach their data, through pincer -p and the Hub's real job launcher (the OS sandbox
// where this machine has one): workspace inputs in, read-only; a token minted for the repos the job
// names; its outputs copied back into the workspace, a link to /etc/passwd among them left out.
const token = "hf_e2e_job_data_token";
const fx = hubSessionFixture({
  token,
  name: "job-data",
  ready: async (hub) => {
    for (const name of ["results", "private-notes"]) {
      const res = await fetch(`${hub.url}/api/repos/create`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name, type: "dataset" }),
      });
      if (!res.ok) throw new Error(`could not create ${name}: ${res.status}`);
    }
  },
});

const SCRIPT = [
  "import json, os, urllib.request, urllib.error",
  "base, tok = os.environ['HF_ENDPOINT'], os.environ['HF_TOKEN']",
  "def status(path):",
  "    try:",
  "        return urllib.request.urlopen(urllib.request.Request(base + path, headers={'Authorization': 'Bearer ' + tok})).status",
  "    except urllib.error.HTTPError as error:",
  "        return error.code",
  "rows = open(os.path.join(os.environ['PINCER_INPUTS'], 'data', 'train.csv')).read().splitlines()",
  "try:",
  "    open(os.path.join(os.environ['PINCER_INPUTS'], 'data', 'train.csv'), 'w').write('tampered')",
  "    tampered = True",
  "except OSError:",
  "    tampered = False",
  "out = os.environ['PINCER_OUTPUTS']",
  "open(os.path.join(out, 'metrics.json'), 'w').write(json.dumps({'rows': len(rows)}))",
  "os.symlink('/etc/passwd', os.path.join(out, 'passwd'))",
  "print(json.dumps({'rows': len(rows), 'tampered': tampered, 'results': status('/api/datasets/ada/results'), 'notes': status('/api/datasets/ada/private-notes'), 'user token': tok == " +
    JSON.stringify(token) +
    "}))",
].join("\n");

describe.skipIf(!existsSync("/usr/bin/python3"))("a job's data through pincer -p", () => {
  it("inputs in, a scoped token, outputs back into the workspace without the link", async () => {
    using box = sandbox(fx.env());
    mkdirSync(join(box.cwd, "data"));
    writeFileSync(join(box.cwd, "data", "train.csv"), "x,y\n1,2\n3,4\n");
    const args = {
      script: SCRIPT,
      timeoutSeconds: 120,
      inputs: ["data"],
      outputs: "job-out",
      repos: [{ id: "ada/results", type: "dataset" }],
      wait: true,
    };
    fx.callTools(["hf_job_run", args]);
    const result = await box.run([
      "-p",
      "train",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
      "--allowedTools",
      "hf_job_run",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const told = jsonLines(result.stdout)
      .filter((line) => line.type === "user")
      .flatMap((line) => (line.message as { content: Array<{ content: unknown }> }).content)
      .map((block) => String(block.content));
    const seen = JSON.parse(/^ {2}(\{"rows".*)$/m.exec(told[0] ?? "")?.[1] ?? "{}");
    expect(seen).toMatchObject({ rows: 3, results: 200, notes: 401, "user token": false });
    // In the OS sandbox the inputs are mounted read-only; without one (as root) mode bits don't stop a write.
    if (probeBwrap().ok) expect(seen.tampered).toBe(false);
    expect(told[0]).toMatch(/Outputs: 1 file\(s\), \d+ B, copied into job-out\/\. Left out: passwd \(a symbolic link/);
    expect(readdirSync(join(box.cwd, "job-out"))).toEqual(["metrics.json"]);
    expect(JSON.parse(readFileSync(join(box.cwd, "job-out", "metrics.json"), "utf8"))).toEqual({ rows: 3 });
    expect(readFileSync(join(box.cwd, "data", "train.csv"), "utf8")).toBe("x,y\n1,2\n3,4\n");
  });
});
