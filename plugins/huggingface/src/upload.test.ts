import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, type LocalHub, loadPlugin, startLocalHub } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const token = "hf_upload_test_token";
let dir: string;
let workspace: string;
let hub: LocalHub;
let plugin: LoadedPlugin;

const text = (result: { content: unknown }): string => String(result.content);
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const download = async (path: string) => {
  const res = await fetch(`${hub.url}/${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hf-upload-hub-"));
  workspace = mkdtempSync(join(tmpdir(), "pincer-hf-upload-ws-"));
  hub = await startLocalHub({ dir, token, user: "ada" });
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: hub.url, HF_TOKEN: token },
    shipsWithPincer: true,
  });
  const created = await plugin.runTool("hf_create_repo", { name: "trained" });
  expect(created.isError, text(created)).toBeFalsy();
});

afterAll(async () => {
  plugin?.dispose();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

describe("uploading workspace files and folders", () => {
  it("uploads a binary file through LFS and a JSON file inline, byte for byte", async () => {
    const weights = randomBytes(300_000);
    weights[10] = 0;
    writeFileSync(join(workspace, "model.safetensors"), weights);
    writeFileSync(join(workspace, "results.json"), JSON.stringify({ accuracy: 0.91, f1: 0.88 }));

    const binary = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "model.safetensors",
      localPath: "model.safetensors",
      message: "Add weights",
    });
    expect(binary.isError, text(binary)).toBeFalsy();
    expect(text(binary)).toMatch(
      /^Uploaded model\.safetensors \(293 KB, through LFS\) to ada\/trained in commit [0-9a-f]{12}/,
    );
    const json = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "eval/results.json",
      localPath: join(workspace, "results.json"),
    });
    expect(text(json)).toMatch(/^Uploaded eval\/results\.json \(\d+ B\) to ada\/trained/);

    expect(sha256(await download("ada/trained/resolve/main/model.safetensors"))).toBe(sha256(weights));
    expect(JSON.parse((await download("ada/trained/resolve/main/eval/results.json")).toString())).toEqual({
      accuracy: 0.91,
      f1: 0.88,
    });
    const tree = await (
      await fetch(`${hub.url}/api/models/ada/trained/tree/main?recursive=true`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json();
    expect(tree.find((e: { path: string }) => e.path === "model.safetensors").lfs.oid).toBe(sha256(weights));
    expect(tree.find((e: { path: string }) => e.path === "eval/results.json").lfs).toBeUndefined();
  });

  it("sends a text file of 10 MB or more through LFS too, with progress", async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, "a");
    writeFileSync(join(workspace, "big.txt"), big);
    plugin.updates.length = 0;
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "big.txt",
      localPath: "big.txt",
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain("(11 MB, through LFS)");
    expect(plugin.updates.join("")).toMatch(
      /hashing big\.txt: 100%[\s\S]*uploading big\.txt \(11 MB\) through LFS[\s\S]*committing 1 file/,
    );
    expect(sha256(await download("ada/trained/resolve/main/big.txt"))).toBe(sha256(big));
  }, 60_000);

  it("uploads a folder in one commit, leaving out .git, caches and symlinks", async () => {
    const out = join(workspace, "out");
    mkdirSync(join(out, "checkpoint"), { recursive: true });
    mkdirSync(join(out, ".git"), { recursive: true });
    writeFileSync(join(out, ".git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(out, "README.md"), "---\nlicense: mit\n---\n# Trained\n");
    writeFileSync(join(out, "config.json"), '{"hidden": 8}');
    const optimizer = randomBytes(50_000);
    writeFileSync(join(out, "checkpoint", "optimizer.pt"), optimizer);
    symlinkSync(join(out, "config.json"), join(out, "link.json"));

    const result = await plugin.runTool("hf_upload_folder", {
      repo: "ada/trained",
      localPath: "out",
      pathInRepo: "run-1",
      message: "Upload run 1",
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(/^Uploaded 3 files \([\d.]+ KB, 1 through LFS\) to ada\/trained in commit/);
    expect(text(result)).toContain("Left out: run-1/.git, run-1/link.json");
    const files = text(await plugin.runTool("hf_repo_files", { repo: "ada/trained", path: "run-1" }));
    expect(files).toContain("run-1/README.md");
    expect(files).toContain("run-1/checkpoint/optimizer.pt");
    expect(files).not.toContain(".git");
    expect(sha256(await download("ada/trained/resolve/main/run-1/checkpoint/optimizer.pt"))).toBe(sha256(optimizer));
  });

  it("refuses paths outside the workspace and files that don't exist", async () => {
    const outside = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "passwd",
      localPath: "/etc/passwd",
    });
    expect(outside.isError).toBe(true);
    const missing = await plugin.runTool("hf_upload_file", { repo: "ada/trained", path: "x", localPath: "nope.bin" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain("nope.bin doesn't exist");
    const both = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "x",
      content: "a",
      localPath: "b",
    });
    expect(text(both)).toContain("Give either content");
    const folder = await plugin.runTool("hf_upload_file", { repo: "ada/trained", path: "x", localPath: "out" });
    expect(text(folder)).toContain("use hf_upload_folder");
  });
});

describe("branches, tags and pull requests through the tools", () => {
  it("lists refs without asking; every tool that changes a repo asks", async () => {
    const kinds = Object.fromEntries((await plugin.tools()).map((tool) => [tool.name, tool.kind]));
    expect(kinds.hf_list_refs).toBe("read");
    for (const name of ["hf_upload_folder", "hf_create_branch", "hf_delete_branch", "hf_create_tag", "hf_create_pr"]) {
      expect(kinds[name], name).toBe("other");
    }
  });

  it("creates a branch, commits to it, tags it, lists refs and deletes the branch", async () => {
    const branch = await plugin.runTool("hf_create_branch", { repo: "ada/trained", branch: "experiment" });
    expect(branch.isError, text(branch)).toBeFalsy();
    expect(text(branch)).toContain("Created branch experiment in ada/trained from main");
    const again = await plugin.runTool("hf_create_branch", { repo: "ada/trained", branch: "experiment" });
    expect(again.isError).toBe(true);
    expect(text(again)).toMatch(/^HTTP 409: The branch experiment .*already exists/);

    const up = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "notes.md",
      content: "lr 3e-4",
      revision: "experiment",
    });
    expect(up.isError, text(up)).toBeFalsy();
    const tag = await plugin.runTool("hf_create_tag", { repo: "ada/trained", tag: "v0.1", revision: "experiment" });
    expect(text(tag)).toBe("Tagged experiment of ada/trained as v0.1.");
    const dup = await plugin.runTool("hf_create_tag", { repo: "ada/trained", tag: "v0.1" });
    expect(text(dup)).toMatch(/^HTTP 409/);
    const onTag = await plugin.runTool("hf_read_file", { repo: "ada/trained", path: "notes.md", revision: "v0.1" });
    expect(text(onTag)).toBe("lr 3e-4");

    const refs = await plugin.runTool("hf_list_refs", { repo: "ada/trained" });
    expect(text(refs)).toMatch(/^Branches: (experiment \([0-9a-f]{12}\), main|main \([0-9a-f]{12}\), experiment)/);
    expect(text(refs)).toMatch(/Tags: v0\.1 \([0-9a-f]{12}\)/);

    const deleted = await plugin.runTool("hf_delete_branch", { repo: "ada/trained", branch: "experiment" });
    expect(deleted.isError, text(deleted)).toBeFalsy();
    expect(text(await plugin.runTool("hf_list_refs", { repo: "ada/trained" }))).not.toContain("experiment");
    const bad = await plugin.runTool("hf_create_branch", { repo: "ada/trained", branch: "has space" });
    expect(text(bad)).toContain("is not a valid branch name");
  });

  it("opens pull requests with files (createPr) and empty ones, and lists them", async () => {
    writeFileSync(join(workspace, "card.md"), "# Better card\n");
    const withFiles = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "README.md",
      localPath: "card.md",
      createPr: true,
      message: "Improve the model card",
    });
    expect(withFiles.isError, text(withFiles)).toBeFalsy();
    expect(text(withFiles)).toContain(`opening pull request ${hub.url}/ada/trained/discussions/1`);
    expect(withFiles.details).toMatchObject({ pullRequest: 1 });
    // main is untouched until the pull request is merged.
    expect(text(await plugin.runTool("hf_repo_files", { repo: "ada/trained" }))).not.toMatch(/^README\.md/m);
    const onPr = await plugin.runTool("hf_read_file", {
      repo: "ada/trained",
      path: "README.md",
      revision: "refs/pr/1",
    });
    expect(text(onPr)).toBe("# Better card\n");

    const draft = await plugin.runTool("hf_create_pr", { repo: "ada/trained", title: "Add eval results" });
    expect(draft.isError, text(draft)).toBeFalsy();
    expect(text(draft)).toContain("Opened draft pull request #2 on ada/trained");
    const more = await plugin.runTool("hf_upload_file", {
      repo: "ada/trained",
      path: "eval/more.json",
      content: "{}",
      revision: "refs/pr/2",
    });
    expect(more.isError, text(more)).toBeFalsy();

    const refs = text(await plugin.runTool("hf_list_refs", { repo: "ada/trained" }));
    expect(refs).toContain("#2 Add eval results (refs/pr/2, by ada)");
    expect(refs).toContain("#1 Improve the model card (refs/pr/1, by ada)");
  });
});
