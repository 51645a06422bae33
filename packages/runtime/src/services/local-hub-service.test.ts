import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hubServerFile } from "../local-hub.js";
import { startLocalHubService } from "./local-hub-service.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const home = () => {
  const dir = mkdtempSync(join(tmpdir(), "pincer-hub-service-"));
  dirs.push(dir);
  return dir;
};
const start = (env: NodeJS.ProcessEnv, options: Record<string, unknown> = {}, at = home()) =>
  startLocalHubService(options, { home: at, env: { PINCER_HUB_PORT: "0", ...env }, unconfined: false });

describe("the local-hub service a plugin's command asks for", () => {
  it("answers the Hub the user's environment names, starting nothing", async () => {
    const remote = await start({ HF_TOKEN: "hf_user_token" });
    expect(remote.info).toEqual({
      name: "local-hub",
      url: "https://huggingface.co",
      state: "configured",
      local: false,
    });
    expect(remote.env).toEqual({ HF_ENDPOINT: "https://huggingface.co" });
    const loopback = await start({ HF_ENDPOINT: "http://127.0.0.1:9/" });
    expect(loopback.info).toMatchObject({ url: "http://127.0.0.1:9", state: "configured", local: true });
  });

  it("finds this home's running pincer hub serve, with its token", async () => {
    const at = home();
    mkdirSync(join(at, "hub"), { recursive: true });
    writeFileSync(
      hubServerFile(at),
      JSON.stringify({ url: "http://127.0.0.1:7358/", pid: process.pid, token: "hf_running" }),
    );
    const found = await start({}, {}, at);
    expect(found.info).toEqual({ name: "local-hub", url: "http://127.0.0.1:7358", state: "running", local: true });
    expect(found.env).toEqual({ HF_ENDPOINT: "http://127.0.0.1:7358", HF_TOKEN: "hf_running" });
  });

  it("starts this home's Hub for the command when there is none, and stops it on close", async () => {
    const started = await start({});
    try {
      expect(started.info).toMatchObject({ name: "local-hub", state: "started", local: true });
      expect(started.info.serveAgain).toMatch(/^pincer hub serve/);
      const answer = await fetch(`${started.env.HF_ENDPOINT}/api/whoami-v2`, {
        headers: { Authorization: `Bearer ${started.env.HF_TOKEN}` },
      });
      expect(answer.ok).toBe(true);
    } finally {
      await started.close();
    }
    await expect(fetch(`${started.env.HF_ENDPOINT}/api/whoami-v2`)).rejects.toThrow();
  });

  it("localOnly sets the user's HF_TOKEN aside and refuses an HF_ENDPOINT that is not this machine's Hub", async () => {
    await expect(start({ HF_ENDPOINT: "https://huggingface.co" }, { localOnly: true })).rejects.toThrow(
      /needs this PINCER_HOME's own Hub.*Unset HF_ENDPOINT/,
    );
    const local = await start({ HF_TOKEN: "hf_user_token" }, { localOnly: true });
    try {
      expect(local.info.state).toBe("started");
      expect(local.env.HF_TOKEN).not.toBe("hf_user_token");
    } finally {
      await local.close();
    }
  });

  it("refuses options it does not know, as the plugin wrote them", async () => {
    await expect(start({}, { port: 22 })).rejects.toThrow(/has no option "port"/);
    await expect(start({}, { localOnly: "yes" })).rejects.toThrow(/localOnly must be true or false/);
  });
});
