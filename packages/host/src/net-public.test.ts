import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostAllowed, netAccess, parseNetGrant } from "./net.js";
import { isPublicAddress } from "./net-public.js";
import { createNetRequest } from "./net-request.js";

// Two loopback servers; nothing here ever sends a packet beyond this machine.
let server: Server;
let port = 0;
const seen: string[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.url ?? "");
    if (request.url === "/to-localhost") {
      response.writeHead(302, { location: `http://localhost:${port}/landed` });
      return response.end();
    }
    response.end(`hello from ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(url: string, grants: string[]) {
  const response = await createNetRequest(grants)(url, {
    method: "GET",
    headers: [],
    body: null,
    signal: new AbortController().signal,
  });
  let text = "";
  for (let chunk = await response.body?.next(); chunk && !chunk.done; chunk = await response.body?.next())
    text += new TextDecoder().decode(chunk.value);
  return text;
}

describe("the * net grant: any public host", () => {
  it.each([
    ["8.8.8.8", true],
    ["2001:4860:4860::8888", true],
    ["::ffff:8.8.8.8", true],
    ["127.0.0.1", false],
    ["127.1.2.3", false],
    ["0.0.0.0", false],
    ["10.0.0.1", false],
    ["172.16.5.4", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["::1", false],
    ["::", false],
    ["fe80::1", false],
    ["fc00::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:7f00:1", false],
    ["64:ff9b::a00:1", false],
    ["2002:a00:1::1", false],
    ["not an address", false],
  ])("%s is public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it("is read as a grant of its own: default ports, or :port / :* like a named host", () => {
    expect(parseNetGrant("*")).toEqual({ host: "*", port: undefined });
    expect(netAccess(new URL("https://example.com/"), ["*"])).toBe("public");
    expect(netAccess(new URL("https://example.com:8443/"), ["*"])).toBeUndefined();
    expect(netAccess(new URL("https://example.com:8443/"), ["*:*"])).toBe("public");
    expect(netAccess(new URL("ftp://example.com/"), ["*:*"])).toBeUndefined();
    expect(netAccess(new URL("http://localhost:3000/"), ["*:*", "localhost:3000"])).toBe("named");
    // hostAllowed (named grants) is what it was: * names no host.
    expect(hostAllowed(new URL("https://example.com/"), ["*"])).toBe(false);
  });

  it("refuses loopback and private addresses, literal or resolved, before any byte is sent", async () => {
    for (const url of [
      `http://127.0.0.1:${port}/literal`,
      `http://[::1]:${port}/v6`,
      `http://[::ffff:127.0.0.1]:${port}/mapped`,
      `http://2130706433:${port}/decimal`,
      `http://localhost:${port}/by-name`,
      `http://10.0.0.1:${port}/lan`,
      `http://169.254.169.254/latest/meta-data/`,
    ]) {
      await expect(get(url, ["*:*"]), url).rejects.toThrow(
        /a private, local or reserved address.*public addresses only/,
      );
    }
    expect(seen).toEqual([]);
  });

  it("a host the user granted by name is reached at its private address; a redirect from it to another private name is not", async () => {
    expect(await get(`http://127.0.0.1:${port}/named`, ["*:*", "127.0.0.1:*"])).toBe("hello from /named");
    await expect(get(`http://127.0.0.1:${port}/to-localhost`, ["*:*", "127.0.0.1:*"])).rejects.toThrow(
      /network access to localhost refused: it resolves to (127\.0\.0\.1|::1), a private/,
    );
    expect(seen).toEqual(["/named", "/to-localhost"]);
  });
});
