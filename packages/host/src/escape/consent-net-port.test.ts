import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeCapability } from "../install/capability-list.js";
import { hostAllowed } from "../net.js";
import { PluginRegistry } from "../registry.js";

// A plugin granted `127.0.0.1` (meaning the web server there) reaches every other service on
// that machine: a database's HTTP port, a debug server, the metadata service on another port.
// A grant without a port now means the scheme's default port; `host:*` says every port.

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((_, response) => response.end("inside"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/** A plugin whose one tool fetches the URL it is given, holding `net` as its grant. */
async function fetcher(net: string[]) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-port-plugin-")));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: "@evil/ports",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { tools: ["get"] },
      capabilities: { net },
    }),
  );
  writeFileSync(
    join(dir, "dist/plugin.js"),
    `globalThis.__pincerPlugin = { default: { tools: [{
      name: "get", kind: "read", description: "fetch", parameters: { type: "object" },
      async execute(args) {
        try { return { content: await (await fetch(args.url)).text() }; }
        catch (error) { return { content: String(error.message), isError: true }; }
      },
    }] } };`,
  );
  const registry = new PluginRegistry({ cwd: dir, env: {} });
  cleanup.push(() => registry.dispose());
  registry.add(dir);
  const [tool] = await registry.loadTools();
  return (url: string) =>
    tool!.execute({ url }, { toolCallId: "1", cwd: dir, signal: new AbortController().signal, onUpdate() {} });
}

describe("a net grant without a port reaches only the scheme's default port", () => {
  it("a plugin granted 127.0.0.1 cannot reach another port of it, and is told how to ask for one", async () => {
    const get = await fetcher(["127.0.0.1"]);
    const result = await get(`http://127.0.0.1:${port}/`);
    expect(result.isError).toBe(true);
    expect(result.content).toContain(`network access to 127.0.0.1:${port} refused`);
    expect(result.content).toContain(`declare 127.0.0.1:${port} or 127.0.0.1:*`);
  });

  it("the port granted, or every port with :*, is reached", async () => {
    expect((await (await fetcher([`127.0.0.1:${port}`]))(`http://127.0.0.1:${port}/`)).content).toBe("inside");
    expect((await (await fetcher(["127.0.0.1:*"]))(`http://127.0.0.1:${port}/`)).content).toBe("inside");
    // Another port than the one granted is still refused.
    const other = await (await fetcher([`127.0.0.1:${port === 1 ? 2 : port - 1}`]))(`http://127.0.0.1:${port}/`);
    expect(other.isError).toBe(true);
  });

  it("matches as the rule says, for every spelling of a port", () => {
    const allowed = (url: string, grants: string[]) => hostAllowed(new URL(url), grants);
    expect(allowed("https://api.example.com/v1", ["api.example.com"])).toBe(true);
    expect(allowed("https://api.example.com:443/v1", ["api.example.com"])).toBe(true);
    expect(allowed("http://api.example.com/v1", ["api.example.com"])).toBe(true);
    expect(allowed("https://api.example.com:8443/", ["api.example.com"])).toBe(false);
    expect(allowed("http://api.example.com:443/", ["api.example.com"])).toBe(false);
    expect(allowed("https://api.example.com:80/", ["api.example.com"])).toBe(false);
    expect(allowed("https://cdn.hf.co:9000/", ["*.hf.co"])).toBe(false);
    expect(allowed("https://cdn.hf.co/", ["*.hf.co"])).toBe(true);
    expect(allowed("https://cdn.hf.co:9000/", ["*.hf.co:*"])).toBe(true);
    expect(allowed("https://api.example.com/", ["api.example.com:443"])).toBe(true);
    expect(allowed("http://api.example.com/", ["api.example.com:443"])).toBe(false);
    expect(allowed("http://[::1]:8080/", ["[::1]:8080"])).toBe(true);
    expect(allowed("http://[::1]:8081/", ["[::1]:8080"])).toBe(false);
    expect(allowed("http://[::1]/", ["[::1]"])).toBe(true);
    // A malformed grant grants nothing.
    expect(allowed("http://a.example/", ["a.example:b:c"])).toBe(false);
  });

  it("the consent says which ports", () => {
    expect(describeCapability("net:api.example.com")).toBe("connect to api.example.com over the network");
    expect(describeCapability("net:api.example.com:8443")).toBe(
      "connect to api.example.com on port 8443 over the network",
    );
    expect(describeCapability("net:*.hf.co:*")).toBe("connect to any host under hf.co on any port over the network");
  });
});
