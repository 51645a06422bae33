import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetFetch, hostAllowed } from "./net.js";

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/redirect-out") {
      res.writeHead(302, { location: "http://localhost:1/stolen" });
      res.end();
    } else if (req.url === "/redirect-in") {
      res.writeHead(307, { location: "/ok" });
      res.end();
    } else {
      res.end("ok");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("net capability", () => {
  it("matches hosts, wildcards and ports", () => {
    expect(hostAllowed(new URL("https://api.openai.com/v1"), ["api.openai.com"])).toBe(true);
    expect(hostAllowed(new URL("https://evil.com"), ["api.openai.com"])).toBe(false);
    expect(hostAllowed(new URL("https://cdn.hf.co/x"), ["*.hf.co"])).toBe(true);
    expect(hostAllowed(new URL("https://hf.co.evil.com/x"), ["*.hf.co"])).toBe(false);
    expect(hostAllowed(new URL("http://127.0.0.1:8080"), ["127.0.0.1:8080"])).toBe(true);
    expect(hostAllowed(new URL("http://127.0.0.1:9090"), ["127.0.0.1:8080"])).toBe(false);
    expect(hostAllowed(new URL("file:///etc/passwd"), ["localhost"])).toBe(false);
  });

  it("refuses userinfo tricks: http://granted@evil goes to evil", () => {
    expect(hostAllowed(new URL("http://api.openai.com@evil.com/"), ["api.openai.com"])).toBe(false);
  });

  it("fetches granted hosts and refuses others", async () => {
    const guarded = createNetFetch([`127.0.0.1:${port}`]);
    expect(await (await guarded(`http://127.0.0.1:${port}/ok`)).text()).toBe("ok");
    await expect(guarded("http://localhost:1/")).rejects.toThrow("network access to localhost:1 refused");
  });

  it("checks every redirect hop", async () => {
    const guarded = createNetFetch([`127.0.0.1:${port}`]);
    expect(await (await guarded(`http://127.0.0.1:${port}/redirect-in`)).text()).toBe("ok");
    await expect(guarded(`http://127.0.0.1:${port}/redirect-out`)).rejects.toThrow(
      "network access to localhost:1 refused",
    );
  });
});
