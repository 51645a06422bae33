import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, run by `pnpm demo` before anything is built
import { NOT_RUN_EXIT, runDemo, UNCONFINED_FLAG } from "./demo.mjs";

const confined = async () => ({ ok: true, reason: "" });

function capture() {
  let text = "";
  return { stream: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

describe("pnpm demo", () => {
  it("runs the ML intern demo once the system packages are there", async () => {
    const launched: string[][] = [];
    const asked: unknown[] = [];
    const code = await runDemo({
      probe: confined,
      ensure: async (options: unknown) => {
        asked.push(options);
        return { ready: { sandbox: true, python: true }, failures: [] };
      },
      launch: (args: string[]) => {
        launched.push(args);
        return 0;
      },
      args: ["--verbose"],
    });
    expect(code).toBe(0);
    expect(asked).toEqual([{ only: ["sandbox", "python"] }]);
    expect(launched).toEqual([["intern", "demo", "--verbose"]]);
  });

  it("never runs another demo in its place: without Python it says why and how, and exits non-zero", async () => {
    const stderr = capture();
    const launched: string[][] = [];
    const code = await runDemo({
      probe: confined,
      ensure: async () => ({ ready: { sandbox: true, python: false }, failures: ["python"] }),
      launch: (args: string[]) => {
        launched.push(args);
        return 0;
      },
      stderr: stderr.stream,
    });
    expect(code).toBe(NOT_RUN_EXIT);
    expect(code).not.toBe(0);
    expect(launched).toEqual([]);
    expect(stderr.text()).toContain("✗ pnpm demo did not run");
    expect(stderr.text()).toContain(
      "sudo apt-get install -y python3-torch python3-sklearn python3-pandas python3-numpy",
    );
    expect(stderr.text()).toContain("the coding demo needs no Python:  pnpm pincer demo");
  });

  it("goes by whether commands can be confined, not by what apt-get could install", async () => {
    const launched: string[][] = [];
    const code = await runDemo({
      probe: confined,
      ensure: async () => ({ ready: { sandbox: false, python: true }, failures: ["sandbox"] }),
      launch: (args: string[]) => {
        launched.push(args);
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(launched).toEqual([["intern", "demo"]]);
  });

  it("without a working OS sandbox says why and how, and runs nothing, unless told to run unconfined", async () => {
    const stderr = capture();
    const launched: string[][] = [];
    const ready = async () => ({ ready: { sandbox: false, python: true }, failures: ["sandbox"] });
    const launch = (args: string[]) => {
      launched.push(args);
      return 0;
    };
    const missing = async () => ({ ok: false, reason: "bwrap is not installed" });
    const code = await runDemo({ ensure: ready, probe: missing, launch, stderr: stderr.stream });
    expect(code).toBe(NOT_RUN_EXIT);
    expect(launched).toEqual([]);
    expect(stderr.text()).toContain(
      "runs only inside its OS sandbox unless you say otherwise, and here bwrap is not installed.",
    );
    expect(stderr.text()).toContain(`pnpm demo ${UNCONFINED_FLAG}`);

    const unconfined = await runDemo({ ensure: ready, probe: missing, launch, args: [UNCONFINED_FLAG] });
    expect(unconfined).toBe(0);
    expect(launched).toEqual([["intern", "demo", UNCONFINED_FLAG]]);
  });
});
