import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

/**
 * The HTTP calls huggingface_hub makes for `upload_file` and `hf_hub_download`, made with the
 * standard library only (Debian ships no huggingface_hub, and there is no PyPI here), so the local
 * Hub is checked against what the Python client reads: preupload → LFS batch → PUT → NDJSON commit;
 * then a HEAD that follows only relative redirects and reads X-Repo-Commit, X-Linked-Etag / ETag,
 * X-Linked-Size / Content-Length and Location, and a GET of that location.
 */
const CLIENT = String.raw`
import base64, hashlib, json, sys, urllib.request, urllib.error

endpoint, token, repo = sys.argv[1:4]
AUTH = {"authorization": f"Bearer {token}", "user-agent": "huggingface_hub/0.36.0; python/3; stdlib-check"}

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None

plain = urllib.request.build_opener()
no_redirect = urllib.request.build_opener(NoRedirect)

def call(method, url, body=None, headers=None, follow=True, auth=True):
    merged = {**(AUTH if auth else {}), **(headers or {})}
    req = urllib.request.Request(url, data=body, method=method, headers=merged)
    try:
        resp = (plain if follow else no_redirect).open(req)
        return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

def ok(status, body, what):
    if status >= 400:
        raise SystemExit(f"{what} failed: HTTP {status} {body[:300]!r}")

def upload_file(path_in_repo, data, revision="main"):
    # 1. preupload: is it LFS or regular?
    sample = base64.b64encode(data[:512]).decode("ascii")
    status, _, body = call("POST", f"{endpoint}/api/models/{repo}/preupload/{revision}",
        json.dumps({"files": [{"path": path_in_repo, "sample": sample, "size": len(data)}]}).encode(),
        {"content-type": "application/json"})
    ok(status, body, "preupload")
    mode = json.loads(body)["files"][0]["uploadMode"]
    line = None
    if mode == "lfs":
        oid = hashlib.sha256(data).hexdigest()
        lfs_headers = {"accept": "application/vnd.git-lfs+json", "content-type": "application/vnd.git-lfs+json"}
        status, _, body = call("POST", f"{endpoint}/{repo}.git/info/lfs/objects/batch", json.dumps({
            "operation": "upload", "transfers": ["basic", "multipart"],
            "objects": [{"oid": oid, "size": len(data)}], "hash_algo": "sha256", "ref": {"name": revision},
        }).encode(), lfs_headers)
        ok(status, body, "lfs batch")
        obj = json.loads(body)["objects"][0]
        actions = obj.get("actions") or {}
        header = (actions.get("upload") or {}).get("header") or {}
        if "chunk_size" in header:
            # Multipart (lfs.py _upload_multi_part): PUT each part, collect ETags, POST the completion.
            chunk = int(header["chunk_size"])
            numbers = sorted(int(k) for k in header if k.isdigit())
            parts = []
            for n in numbers:
                status, headers, body = call("PUT", header[f"{n:05d}"], data[(n - 1) * chunk:n * chunk], auth=False)
                ok(status, body, f"lfs part {n}")
                parts.append({"partNumber": n, "etag": headers.get("etag")})
            status, _, body = call("POST", actions["upload"]["href"], json.dumps({"oid": oid, "parts": parts}).encode(), lfs_headers, auth=False)
            ok(status, body, "lfs multipart completion")
            mode = "lfs-multipart"
        elif "upload" in actions:
            # The basic transfer PUTs to the signed URL without the Hub token, as to S3.
            status, _, body = call("PUT", actions["upload"]["href"], data, actions["upload"].get("header"), auth=False)
            ok(status, body, "lfs PUT")
        if "verify" in actions:
            status, _, body = call("POST", actions["verify"]["href"], json.dumps({"oid": oid, "size": len(data)}).encode(), lfs_headers)
            ok(status, body, "lfs verify")
        line = {"key": "lfsFile", "value": {"path": path_in_repo, "algo": "sha256", "oid": oid, "size": len(data)}}
    else:
        line = {"key": "file", "value": {"content": base64.b64encode(data).decode(), "path": path_in_repo, "encoding": "base64"}}
    payload = [{"key": "header", "value": {"summary": f"Upload {path_in_repo} with huggingface_hub", "description": ""}}, line]
    status, _, body = call("POST", f"{endpoint}/api/models/{repo}/commit/{revision}",
        b"".join(json.dumps(item).encode() + b"\n" for item in payload), {"content-type": "application/x-ndjson"})
    ok(status, body, "commit")
    answer = json.loads(body)
    return {"mode": mode, "commitOid": answer["commitOid"], "commitUrl": answer["commitUrl"]}

def normalize_etag(etag):
    return None if etag is None else etag.lstrip("W/").strip('"')

def hf_hub_download(filename, revision="main"):
    url = f"{endpoint}/{repo}/resolve/{revision}/{filename}"
    # get_hf_file_metadata: HEAD, following relative redirects only.
    while True:
        status, headers, body = call("HEAD", url, headers={"accept-encoding": "identity"}, follow=False)
        location = headers.get("Location")
        if 300 <= status < 400 and location and location.startswith("/"):
            url = endpoint + location
            continue
        break
    if status >= 400:
        return {"status": status, "errorCode": headers.get("X-Error-Code"), "errorMessage": headers.get("X-Error-Message")}
    redirected = 300 <= status < 400
    meta = {
        "status": status,
        "commit_hash": headers.get("X-Repo-Commit"),
        "etag": normalize_etag(headers.get("X-Linked-Etag") or headers.get("ETag")),
        "location": location or url,
        "size": int(headers.get("X-Linked-Size") or (None if redirected else headers.get("Content-Length"))),
    }
    if meta["commit_hash"] is None or meta["etag"] is None:
        raise SystemExit(f"Distant resource does not have a commit hash or an ETag: {dict(headers)}")
    status, headers, data = call("GET", meta["location"])
    ok(status, data, "download")
    if len(data) != meta["size"]:
        raise SystemExit(f"Consistency check failed: expected {meta['size']} bytes, got {len(data)}")
    meta["sha256"] = hashlib.sha256(data).hexdigest()
    meta["gitSha1"] = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    meta["bytes"] = len(data)
    return meta

text = "# Tiny\nUploaded from Python.\n".encode()
weights = bytes(range(256)) * 64
big = bytes(range(256)) * 400 + b"tail"
out = {
    "text": upload_file("README.md", text),
    "weights": upload_file("model.safetensors", weights),
}
out["textDownload"] = hf_hub_download("README.md")
out["weightsDownload"] = hf_hub_download("model.safetensors")
out["missing"] = hf_hub_download("nope.bin")
out["big"] = upload_file("big.bin", big)
out["bigDownload"] = hf_hub_download("big.bin")
out["bigSha256"] = hashlib.sha256(big).hexdigest()
print(json.dumps(out))
`;

const token = "hf_python_client_token";
let dir: string;
let hub: LocalHub;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-python-"));
  // Small multipart sizes, so a 100 KB file takes huggingface_hub's multipart path in four parts.
  hub = await startLocalHub({ dir, token, user: "ada", multipart: { threshold: 64 * 1024, chunkSize: 32 * 1024 } });
  const created = await fetch(`${hub.url}/api/repos/create`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "py-model", type: "model" }),
  });
  expect(created.status).toBe(200);
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local Hub against huggingface_hub's HTTP calls (Python, standard library)", () => {
  it("uploads a text file inline and a binary one through LFS, then downloads both as hf_hub_download does", async () => {
    const { stdout } = await promisify(execFile)("/usr/bin/python3", ["-c", CLIENT, hub.url, token, "ada/py-model"], {
      timeout: 60_000,
    });
    const out = JSON.parse(stdout);
    expect(out.text.mode).toBe("regular");
    expect(out.weights.mode).toBe("lfs");
    expect(out.weights.commitUrl).toBe(`${hub.url}/ada/py-model/commit/${out.weights.commitOid}`);

    // A regular file: 200 with the git blob sha1 as its ETag and the bytes' length.
    expect(out.textDownload).toMatchObject({ status: 200, commit_hash: out.weights.commitOid });
    expect(out.textDownload.etag).toBe(out.textDownload.gitSha1);
    expect(out.textDownload.size).toBe(out.textDownload.bytes);

    // An LFS file: a 302 to a signed link, with the sha256 in X-Linked-Etag and the size in X-Linked-Size.
    expect(out.weightsDownload).toMatchObject({ status: 302, commit_hash: out.weights.commitOid, size: 16384 });
    expect(out.weightsDownload.etag).toBe(out.weightsDownload.sha256);
    expect(out.weightsDownload.location).toMatch(new RegExp(`^${hub.url}/lfs-objects/[0-9a-f]{64}\\?Expires=`));

    // A HEAD for a missing file: the error code and message come in headers, as there is no body.
    expect(out.missing).toMatchObject({ status: 404, errorCode: "EntryNotFound" });
    expect(out.missing.errorMessage).toContain("nope.bin");

    // A file above the multipart threshold: parts, completion, verify, then the same bytes back.
    expect(out.big.mode).toBe("lfs-multipart");
    expect(out.bigDownload).toMatchObject({ status: 302, size: 102404, sha256: out.bigSha256 });
  }, 90_000);
});
