import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PluginManifest } from "@pincer/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry } from "../registry.js";
import { addInstalledPlugins } from "./installed.js";
import { ConsentRefusedError, type ConsentRequest, PluginInstaller } from "./installer.js";
import { sha512 } from "./integrity.js";
import { installDir, readLockfile } from "./lockfile.js";
import { pluginPackage } from "./tarball.fixture.js";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const CORE: PluginManifest = {
  name: "@pincer/plugin-core-tools",
  version: "0.1.0",
  engines: { pincer: "^0.1.0" },
  main: "dist/plugin.js",
  contributes: { tools: ["read", "bash", "grep_all"] },
};

function setup(answers: boolean[] = [], overrides: { env?: NodeJS.ProcessEnv; registry?: string } = {}) {
  const home = temp("pincer-install-home-");
  const work = temp("pincer-install-cwd-");
  const asked: ConsentRequest[] = [];
  const installer = new PluginInstaller({
    home,
    cwd: work,
    env: overrides.env ?? {},
    ...(overrides.registry ? { registry: overrides.registry } : {}),
    pincerVersion: "0.1.0",
    builtins: [CORE],
    consent: async (request) => {
      asked.push(request);
      return answers.shift() ?? true;
    },
  });
  const writeTarball = (name: string, data: Uint8Array) => {
    const file = join(work, name);
    writeFileSync(file, data);
    return file;
  };
  return { home, work, installer, asked, writeTarball };
}

describe("PluginInstaller with tarballs", () => {
  it("installs after consent, records integrity and grants, and the registry runs the tool", async () => {
    const { home, work, installer, asked, writeTarball } = setup();
    const data = pluginPackage({ capabilities: { net: ["api.example.com"], env: ["ACME_TOKEN"] } });
    const result = await installer.install(writeTarball("echo.tgz", data));
    expect(result).toMatchObject({ name: "@acme/echo", version: "1.0.0", withheld: [] });
    expect(asked[0]?.lines).toEqual([
      "connect to api.example.com over the network",
      "read the environment variable ACME_TOKEN (a secret)",
    ]);
    const entry = readLockfile(home).plugins["@acme/echo"]!;
    expect(entry.integrity).toBe(sha512(data));
    expect(entry.granted).toEqual(["net:api.example.com", "env:ACME_TOKEN"]);

    const registry = new PluginRegistry({ cwd: work, env: {} });
    cleanup.push(() => registry.dispose());
    addInstalledPlugins(registry, home, [], (name, error) => {
      throw new Error(`${name}: ${error.message}`);
    });
    const [tool] = await registry.loadTools();
    const out = await tool!.execute(
      { a: 1 },
      { toolCallId: "1", cwd: work, signal: new AbortController().signal, onUpdate() {} },
    );
    expect(out.content).toBe('echo:{"a":1}');
  });

  it("installs nothing when consent is refused", async () => {
    const { home, installer, writeTarball } = setup([false]);
    const file = writeTarball("echo.tgz", pluginPackage({ capabilities: { spawn: ["git"] } }));
    await expect(installer.install(file)).rejects.toBeInstanceOf(ConsentRefusedError);
    expect(readLockfile(home).plugins).toEqual({});
    expect(existsSync(installDir(home, "@acme/echo"))).toBe(false);
  });

  it("asks again only for what an update adds, and keeps a revoked grant revoked", async () => {
    const { home, installer, asked, writeTarball } = setup([true, false, true]);
    await installer.install(
      writeTarball("v1.tgz", pluginPackage({ capabilities: { net: ["a.example.com"], env: ["X"] } })),
    );
    installer.revoke("@acme/echo", ["env:X"]);
    const v2 = writeTarball(
      "v2.tgz",
      pluginPackage({ version: "2.0.0", capabilities: { net: ["a.example.com", "b.example.com"], env: ["X"] } }),
    );
    // Refused: the installed 1.0.0 stays, untouched.
    await expect(installer.install(v2)).rejects.toThrow(/not granted/);
    expect(readLockfile(home).plugins["@acme/echo"]?.version).toBe("1.0.0");
    expect(asked[1]).toMatchObject({ updateFrom: "1.0.0", capabilities: ["net:b.example.com"] });
    // Accepted: the new host is granted, the revoked variable is not.
    const result = await installer.install(v2);
    expect(result).toMatchObject({ version: "2.0.0", previousVersion: "1.0.0", withheld: ["env:X"] });
    expect(readLockfile(home).plugins["@acme/echo"]?.granted).toEqual(["net:a.example.com", "net:b.example.com"]);
  });

  it("grants only what the manifest declares", async () => {
    const { installer, writeTarball } = setup();
    await installer.install(writeTarball("echo.tgz", pluginPackage({ capabilities: { env: ["X"] } })));
    expect(() => installer.grant("@acme/echo", ["net:evil.example.com"])).toThrow(
      /does not declare net:evil.example.com/,
    );
  });

  it("to a plugin that declares any public host (net:*) grants a host by name on top, and keeps it across an update", async () => {
    const { installer, writeTarball, asked, home } = setup();
    await installer.install(writeTarball("web.tgz", pluginPackage({ capabilities: { net: ["*"] } })));
    expect(asked[0]?.lines).toEqual([
      "connect to ANY host on the internet (public addresses only: not this machine or your local network)",
    ]);
    expect(installer.grant("@acme/echo", ["net:localhost:3000"]).granted).toEqual(["net:*", "net:localhost:3000"]);
    expect(() => installer.grant("@acme/echo", ["env:HF_TOKEN"])).toThrow(/does not declare env:HF_TOKEN/);
    await installer.install(
      writeTarball("web2.tgz", pluginPackage({ version: "2.0.0", capabilities: { net: ["*"] } })),
    );
    expect(readLockfile(home).plugins["@acme/echo"]?.granted).toEqual(["net:*", "net:localhost:3000"]);
    // Without net:* nothing beyond the declared list can be granted.
    await installer.install(
      writeTarball("web3.tgz", pluginPackage({ version: "3.0.0", capabilities: { net: ["a.example.com"] } })),
    );
    expect(readLockfile(home).plugins["@acme/echo"]?.granted).toEqual(["net:a.example.com"]);
    expect(() => installer.grant("@acme/echo", ["net:localhost:3000"])).toThrow(/does not declare net:localhost:3000/);
  });

  it.each([
    ["a symlink", { path: "package/link", type: "2" as const, linkTarget: "/etc/passwd" }, /link \(SymbolicLink\)/],
    ["a path outside the package", { path: "package/../../escape.txt", content: "x" }, /outside the package/],
  ])("refuses a package with %s and installs nothing", async (_, entry, message) => {
    const { home, work, installer, writeTarball } = setup();
    const file = writeTarball("bad.tgz", pluginPackage({ extra: [entry] }));
    await expect(installer.install(file)).rejects.toThrow(message);
    expect(existsSync(join(work, "escape.txt"))).toBe(false);
    expect(existsSync(join(home, "escape.txt"))).toBe(false);
    expect(readLockfile(home).plugins).toEqual({});
  });

  it("refuses a package for another Pincer, or one that takes a built-in's tool", async () => {
    const { installer, writeTarball } = setup();
    await expect(installer.install(writeTarball("a.tgz", pluginPackage({ engines: "^2.0.0" })))).rejects.toThrow(
      "needs Pincer ^2.0.0; this is Pincer 0.1.0",
    );
    await expect(installer.install(writeTarball("b.tgz", pluginPackage({ tools: ["Read2"] })))).resolves.toBeDefined();
    installer.remove("@acme/echo");
    await expect(installer.install(writeTarball("c.tgz", pluginPackage({ tools: ["gREP_ALL"] })))).rejects.toThrow(
      /contributes tools gREP_ALL, which @pincer\/plugin-core-tools .* already provides/,
    );
  });

  it("refuses at load a plugin whose manifest or bundle changed after install", async () => {
    const { home, work, installer, writeTarball } = setup();
    await installer.install(writeTarball("echo.tgz", pluginPackage({})));
    const dir = installDir(home, "@acme/echo");
    const manifestFile = join(dir, "package/pincer.plugin.json");
    const original = readFileSync(manifestFile, "utf8");
    writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(original), description: "now with extras" }));
    const errors: string[] = [];
    addInstalledPlugins(new PluginRegistry({ cwd: work, env: {} }), home, [], (_, error) => errors.push(error.message));
    expect(errors[0]).toMatch(/Refused to load @acme\/echo: .*pincer.plugin.json changed after it was installed/);

    writeFileSync(manifestFile, original);
    writeFileSync(join(dir, "bundle.js"), `${readFileSync(join(dir, "bundle.js"), "utf8")}\n// evil`);
    const registry = new PluginRegistry({
      cwd: work,
      env: {},
      onPluginError: (_, error) => errors.push(error.message),
    });
    addInstalledPlugins(registry, home, [], (_, error) => errors.push(error.message));
    expect(await registry.loadTools()).toEqual([]);
    expect(errors[1]).toMatch(/bundle\.js changed after it was installed/);
  });
});

describe("PluginInstaller with a registry", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** Serves one package the way the npm registry does: a packument, then the tarball. */
  async function registry(data: Uint8Array, integrity: string) {
    const seen: Array<{ url: string; authorization?: string }> = [];
    server = createServer((request, response) => {
      seen.push({
        url: request.url ?? "",
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      });
      const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
      if (request.url === "/@acme%2fecho") {
        response.setHeader("content-type", "application/json");
        response.end(
          JSON.stringify({
            "dist-tags": { latest: "1.0.0" },
            versions: { "1.0.0": { dist: { tarball: `${base}@acme/echo/-/echo-1.0.0.tgz`, integrity } } },
          }),
        );
      } else if (request.url === "/@acme/echo/-/echo-1.0.0.tgz") {
        response.end(Buffer.from(data));
      } else {
        response.statusCode = 404;
        response.end("{}");
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
  }

  it("verifies the tarball against the registry's sha512 and sends the .npmrc token only there", async () => {
    const data = pluginPackage({});
    const { url, seen } = await registry(data, sha512(data));
    const { home, work, installer } = setup([], { env: { ACME_NPM_TOKEN: "t0k" } });
    writeFileSync(
      join(work, ".npmrc"),
      `@acme:registry=${url}\n//${new URL(url).host}/:_authToken=\${ACME_NPM_TOKEN}\n`,
    );
    await installer.install("@acme/echo");
    expect(readLockfile(home).plugins["@acme/echo"]?.source).toEqual({
      type: "registry",
      spec: "@acme/echo@latest",
      registry: url,
    });
    expect(seen.map((request) => request.authorization)).toEqual(["Bearer t0k", "Bearer t0k"]);
  });

  it("refuses a tarball that does not match the registry's integrity", async () => {
    const data = pluginPackage({});
    const { url } = await registry(data, sha512("something else"));
    const { home, installer } = setup([], { registry: url });
    await expect(installer.install("@acme/echo")).rejects.toThrow(/does not match the registry's integrity/);
    await expect(installer.install("@acme/nothing")).rejects.toThrow(/@acme\/nothing is not in the registry/);
    expect(readLockfile(home).plugins).toEqual({});
  });
});
