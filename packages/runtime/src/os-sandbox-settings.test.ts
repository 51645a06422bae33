import { describe, expect, it } from "vitest";
import { osSandboxSettings, UsageError, validateSettings } from "./home.js";

describe("sandbox.os / network / writable settings", () => {
  it("accepts the documented shape and names the file and key when it is wrong", () => {
    expect(
      validateSettings({ sandbox: { os: "bwrap", network: true, writable: ["~/.cache", "/opt/x"] } }, "c.json"),
    ).toBeTruthy();
    expect(() => validateSettings({ sandbox: { os: "docker" } }, "/h/config.json")).toThrow(
      /\/h\/config.json: "sandbox.os" must be one of auto, bwrap, off \(auto: bubblewrap when it works, else each command asks; bwrap: required; off: commands run unconfined without asking\)/,
    );
    expect(() => validateSettings({ sandbox: { network: "yes" } }, "c.json")).toThrow(UsageError);
    expect(() => validateSettings({ sandbox: { writable: ["relative/dir"] } }, "c.json")).toThrow(
      'c.json: "sandbox.writable[0]" must be an absolute path or a ~/ path, e.g. "~/.cache"',
    );
    expect(() => validateSettings({ sandbox: [] }, "c.json")).toThrow('"sandbox" must be an object');
    expect(() => validateSettings({ sandbox: { hide: ["relative"] } }, "c.json")).toThrow(
      'c.json: "sandbox.hide[0]" must be an absolute path or a ~/ path',
    );
    expect(() => validateSettings({ sandbox: { env: ["NOT-A-NAME"] } }, "c.json")).toThrow(
      'c.json: "sandbox.env[0]" must be a variable name',
    );
  });

  it("lets a project narrow the sandbox but never widen it, and says what it ignored", () => {
    const warnings: string[] = [];
    expect(
      osSandboxSettings({ network: true, writable: ["~/.cache"] }, { os: "bwrap", network: false }, warnings),
    ).toEqual({ os: "bwrap", writable: ["~/.cache"] });
    expect(osSandboxSettings({ os: "off" }, { os: "auto" }, warnings)).toEqual({ os: "auto" });
    expect(warnings).toEqual([]);

    expect(osSandboxSettings({}, { os: "off", network: true, writable: ["/"] }, warnings)).toEqual({});
    expect(warnings).toEqual([
      "Ignored sandbox.os, sandbox.network, sandbox.writable in .pincer/settings.json: project settings may only narrow the OS sandbox. Put widening settings in your own config.json.",
    ]);
  });
});
