import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { internRules } from "./run.js";

const localHub = { kind: "started" as const, endpoint: "http://127.0.0.1:7358", local: true };
const realHub = { kind: "configured" as const, endpoint: "https://huggingface.co", local: false };

describe("an unattended intern run's allow rules", () => {
  it("allow publishing and logging the runs to their tracking dataset, on any Hub", () => {
    for (const hub of [localHub, realHub]) {
      expect(internRules(hub, "local")).toEqual(
        expect.arrayContaining(["hf_create_repo", "hf_upload_file", "hf_upload_folder", "hf_track_log"]),
      );
    }
  });

  it("allow jobs only where they cost nothing: the local runner on this machine's Hub", () => {
    expect(internRules(localHub, "local")).toContain("hf_job_run");
    expect(internRules(localHub, "hf")).not.toContain("hf_job_run");
    expect(internRules(realHub, "local")).not.toContain("hf_job_run");
  });

  it("are all declared in the plugin's manifest, which is all a session lets it allow", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../pincer.plugin.json", import.meta.url), "utf8")) as {
      capabilities: { sessions: { allow: string[] } };
    };
    for (const hub of [localHub, realHub])
      for (const runner of ["local", "hf"] as const)
        for (const rule of internRules(hub, runner)) expect(manifest.capabilities.sessions.allow).toContain(rule);
  });
});
