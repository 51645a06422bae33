import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { sandbox } from "../run-cli.js";
import { serveHubIn, stopHub } from "../served-hub.js";
import { json } from "./hub-fixture.js";

/**
 * A job is code: the Jobs API of `pincer hub serve` runs it inside the OS sandbox like every other
 * command, or not at all. Cross-origin requests that would start one: hub-http.test.ts.
 */

describe("a job posted to pincer hub serve", () => {
  it.each([
    ["with bubblewrap as this machine has it", {}],
    ["on a machine without bubblewrap", { PINCER_BWRAP: "/nonexistent/bwrap" }],
  ])(
    "%s: runs confined or not at all; it can't read the Hub's token or data, and the Hub wants the token from it",
    async (_, extraEnv: Record<string, string>) => {
      // Outside /tmp, which a confined job sees as its own empty folder: the home must be there to hide it.
      const cache = fileURLToPath(new URL("../../../../../node_modules/.cache/", import.meta.url));
      mkdirSync(cache, { recursive: true });
      const home = mkdtempSync(join(cache, "pincer-hub-job-home-"));
      using box = sandbox({ PINCER_HOME: home, ...extraEnv });
      // As a user starts it: no opt-in to run jobs unconfined, whatever this machine has.
      const served = await serveHubIn(box, ["--port", "0"], { unconfinedOptIn: false });
      try {
        const jobToken = readFileSync(join(home, "hub", "token"), "utf8").trim();
        const script = [
          "import os, urllib.request",
          `for path in [${JSON.stringify(join(home, "hub", "token"))}, ${JSON.stringify(join(home, "hub", "server.json"))}]:`,
          "    try:",
          "        print('READ', open(path).read())",
          "    except Exception as error:",
          "        print('HIDDEN', type(error).__name__)",
          "try:",
          "    print('HUB', urllib.request.urlopen(os.environ['HF_ENDPOINT'] + '/api/whoami-v2').status)",
          "except Exception as error:",
          "    print('HUB REFUSED', error)",
        ].join("\n");
        const started = await fetch(`${served.url}/api/jobs/local`, {
          method: "POST",
          headers: { Authorization: `Bearer ${jobToken}`, ...json },
          body: JSON.stringify({ script }),
        });
        if (started.status !== 200) {
          // No OS sandbox here: the Hub refuses to run jobs rather than run them unconfined.
          expect(started.status).toBeGreaterThanOrEqual(400);
          expect(await started.text()).toMatch(/sandbox/i);
          return;
        }
        const { id } = (await started.json()) as { id: string };
        const info = await until(
          async () => {
            const res = await fetch(`${served.url}/api/jobs/local/${id}`, {
              headers: { Authorization: `Bearer ${jobToken}` },
            });
            const body = (await res.json()) as { status: { stage: string }; tail: string[] };
            return body.status.stage === "RUNNING" ? undefined : body;
          },
          { message: "the job ends", timeoutMs: 60_000 },
        );
        const log = info.tail.join("\n");
        expect(log).not.toContain(jobToken);
        if (/Refused to run the job/.test(log)) {
          // No OS sandbox here: the job is refused rather than run unconfined.
          expect(info.status.stage).toBe("ERROR");
          expect(log).toMatch(/sandbox|bubblewrap/i);
          return;
        }
        expect(log).not.toContain("READ");
        expect(log).toMatch(/HIDDEN/);
        expect(log).toMatch(/HUB REFUSED.*401/);
      } finally {
        await stopHub(served, "SIGTERM");
        rmSync(home, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
