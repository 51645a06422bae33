import type { PluginToolContext } from "@pincer/sdk";
import { formatBytes, type Hub, HubHttpError } from "./hub.js";

/**
 * What a job reaches beyond its script: `env` and `args`, the Hub with a token for the repos it
 * names (`repos`), workspace files handed to it (`inputs`), and a workspace folder its outputs are
 * copied into when it ends (`outputs`). On a local Hub the token is minted for those repos (never
 * the user's HF_TOKEN); Hugging Face has no such minting, so there the job gets the user's HF_TOKEN
 * only when the call names repos (the permission question shows them), and inputs and outputs
 * travel through repos.
 */
export interface JobDataArgs {
  env?: Record<string, string>;
  args?: string[];
  repos?: Array<{ id: string; type?: "model" | "dataset" | "space"; write?: boolean }>;
  inputs?: string[];
  outputs?: string;
}

/** The label a job carries naming the workspace folder its outputs go to. */
export const OUTPUTS_LABEL = "pincer-outputs";
const INPUTS_MAX_BYTES = 48 * 1024 * 1024;
const INPUTS_MAX_FILES = 1000;
const RESERVED_ENV = /^(HF_TOKEN|HF_ENDPOINT|PINCER_.*|PATH|HOME|PYTHON.*|LD_.*)$/;

export const jobDataProperties = {
  env: {
    type: "object",
    additionalProperties: { type: "string", maxLength: 32768 },
    description:
      "Environment variables for the job (not secrets: they are stored with the job). HF_TOKEN, HF_ENDPOINT, PINCER_*, PATH, HOME, PYTHON* and LD_* are set by Pincer.",
  },
  args: {
    type: "array",
    items: { type: "string", maxLength: 32768 },
    maxItems: 256,
    description: "Command-line arguments for the script (sys.argv[1:]).",
  },
  repos: {
    type: "array",
    maxItems: 50,
    items: {
      type: "object",
      properties: {
        id: { type: "string", description: "owner/name" },
        type: { type: "string", enum: ["model", "dataset", "space"], description: 'Default "model".' },
        write: { type: "boolean", description: "The job may push to it (default: read only)." },
      },
      required: ["id"],
      additionalProperties: false,
    },
    description:
      "The Hub repos the job reads or pushes to: the job's HF_TOKEN reaches these and nothing else (a local Hub mints one; on Hugging Face the job gets your HF_TOKEN only when this is set).",
  },
  inputs: {
    type: "array",
    items: { type: "string" },
    maxItems: 100,
    description:
      "Workspace files or folders to hand the job (local Hub only; up to 48 MB): the job reads them, read-only, at $PINCER_INPUTS/<the same relative path> (inputs/... from its working directory).",
  },
  outputs: {
    type: "string",
    description:
      "A workspace folder (relative) to copy the job's outputs into when it ends and you wait for it (hf_job_wait, or wait: true); the job writes them to $PINCER_OUTPUTS. Local Hub only; regular files only, no links, up to 512 MB.",
  },
} as const;

/** A workspace-relative path: no absolute path, no empty, `.` or `..` part. */
function relativePath(path: string, what: string): string {
  const clean = path.replace(/\/+$/, "");
  const parts = clean.split("/");
  if (!clean || clean.startsWith("/") || clean.includes("\\") || parts.some((p) => !p || p === "." || p === "..")) {
    throw new HubHttpError(400, `${what} "${path}" must be a relative path inside the workspace, without "..".`);
  }
  return clean;
}

/** The request fields `args` add to a job (besides the script and flavor). */
export async function jobDataFields(
  args: JobDataArgs,
  ctx: Pick<PluginToolContext, "env" | "fs" | "cwd">,
  hub: Hub,
): Promise<{
  environment: Record<string, string>;
  arguments: string[];
  secrets?: Record<string, string>;
  tokenScope?: { repos: Array<{ id: string; type: string; write: boolean }> };
  inputs?: Record<string, string>;
  labels?: Record<string, string>;
}> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(args.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new HubHttpError(400, `"${name}" is not an environment variable name.`);
    if (RESERVED_ENV.test(name)) throw new HubHttpError(400, `${name} is set by Pincer; choose another name.`);
    environment[name] = value;
  }
  const repos = (args.repos ?? []).map((repo) => ({
    id: repo.id,
    type: repo.type ?? "model",
    write: repo.write ?? false,
  }));
  const token = ctx.env.get("HF_TOKEN");
  const fields: Awaited<ReturnType<typeof jobDataFields>> = { environment, arguments: args.args ?? [] };
  if (hub.isPublic) {
    if (args.inputs?.length || args.outputs) {
      throw new HubHttpError(
        400,
        "inputs and outputs are for a local Hub's jobs. On Hugging Face, upload the inputs to a dataset repo (hf_upload_folder), list it in repos, and have the job push its results to a repo listed with write: true.",
      );
    }
    if (repos.length && token) fields.secrets = { HF_TOKEN: token };
    return fields;
  }
  if (repos.length) fields.tokenScope = { repos };
  if (args.inputs?.length) fields.inputs = await readInputs(args.inputs, ctx);
  if (args.outputs) fields.labels = { [OUTPUTS_LABEL]: relativePath(args.outputs, "outputs") };
  return fields;
}

/** The workspace files `paths` name (folders walked, links not followed), base64, by relative path. */
async function readInputs(paths: string[], ctx: Pick<PluginToolContext, "fs">): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let total = 0;
  let count = 0;
  const add = async (path: string) => {
    const stat = await ctx.fs.stat(path);
    if (!stat) throw new HubHttpError(400, `Input "${path}" does not exist in the workspace.`);
    if (stat.type === "directory") {
      for (const entry of await ctx.fs.readdir(path)) {
        if (entry.type === "file" || entry.type === "directory") await add(`${path}/${entry.name}`);
      }
      return;
    }
    if (stat.type !== "file") return;
    if (++count > INPUTS_MAX_FILES) throw new HubHttpError(400, `More than ${INPUTS_MAX_FILES} input files.`);
    total += stat.size;
    if (total > INPUTS_MAX_BYTES) {
      throw new HubHttpError(
        400,
        `The inputs pass ${formatBytes(INPUTS_MAX_BYTES)}: upload large data to a dataset repo (hf_upload_folder) and list it in repos.`,
      );
    }
    files[path] = base64Bytes(await ctx.fs.readFile(path));
  };
  for (const path of paths) await add(relativePath(path, "Input"));
  return files;
}

function base64Bytes(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

/**
 * Copies a finished job's outputs into its workspace folder (the label hf_job_run set): regular
 * files only, as the Hub lists them, each written inside the folder. Returns what to tell the model.
 */
export async function syncOutputs(
  hub: Hub,
  jobPath: string,
  labels: Record<string, string> | undefined,
  ctx: Pick<PluginToolContext, "fs">,
): Promise<string | undefined> {
  const folder = labels?.[OUTPUTS_LABEL];
  if (!folder) return undefined;
  const target = relativePath(folder, "outputs");
  const listing = await hub.json<{
    files: Array<{ path: string; size: number }>;
    skipped: Array<{ path: string; reason: string }>;
    totalBytes: number;
  }>(`${jobPath}/outputs`, { what: "The job's outputs" });
  for (const file of listing.files) {
    const path = relativePath(file.path, "Output");
    const res = await hub.request(`${jobPath}/outputs/${path.split("/").map(encodeURIComponent).join("/")}`, {
      what: `The job's output ${path}`,
    });
    await ctx.fs.writeFile(`${target}/${path}`, new Uint8Array(await res.arrayBuffer()));
  }
  const skipped = listing.skipped.length
    ? ` Left out: ${listing.skipped
        .slice(0, 10)
        .map((entry) => `${entry.path} (${entry.reason})`)
        .join(", ")}${listing.skipped.length > 10 ? `, and ${listing.skipped.length - 10} more` : ""}.`
    : "";
  return `Outputs: ${listing.files.length} file(s), ${formatBytes(listing.totalBytes)}, copied into ${target}/.${skipped}`;
}
