import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, run by `pnpm demo` before anything is built
import { NO_PYTHON_EXIT, runDemo } from "./demo.mjs";

function capture() {
  let text = "";
  return { stream: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

describe("pnpm demo", () => {
  it("runs the ML intern demo once the system packages are there", async () => {
    const launched: string[][] = [];
    const asked: unknown[] = [];
    const code = await runDemo({
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
      ensure: async () => ({ ready: { sandbox: true, python: false }, failures: ["python"] }),
      launch: (args: string[]) => {
        launched.push(args);
        return 0;
      },
      stderr: stderr.stream,
    });
    expect(code).toBe(NO_PYTHON_EXIT);
    expect(code).not.toBe(0);
    expect(launched).toEqual([]);
    expect(stderr.text()).toContain("✗ pnpm demo did not run");
    expect(stderr.text()).toContain(
      "sudo apt-get install -y python3-torch python3-sklearn python3-pandas python3-numpy",
    );
    expect(stderr.text()).toContain("the coding demo needs no Python:  pnpm pincer demo");
  });

  it("still runs without bubblewrap: the CLI says at start that commands are not confined", async () => {
    const launched: string[][] = [];
    const code = await runDemo({
      ensure: async () => ({ ready: { sandbox: false, python: true }, failures: ["sandbox"] }),
      launch: (args: string[]) => {
        launched.push(args);
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(launched).toEqual([["intern", "demo"]]);
  });
});
