import { type LoadedPlugin, loadPlugin, startWebSite, type WebSite } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let site: WebSite;
let plugin: LoadedPlugin;
beforeAll(async () => {
  site = await startWebSite();
  // As a user who granted the plugin's `*` and, by name, this loopback host (a dev server).
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    grants: { net: ["*", "127.0.0.1:*"] },
    shipsWithPincer: true,
  });
});
afterAll(async () => {
  plugin.dispose();
  await site.close();
});

const text = (result: { content: unknown }) =>
  typeof result.content === "string"
    ? result.content
    : (result.content as Array<{ text?: string }>).map((block) => block.text ?? "").join("");

describe("web_fetch, in its sandbox", () => {
  it("turns a page into Markdown: title, main content, links, lists and code; no scripts, styles, forms or menus", async () => {
    const result = await plugin.runTool("web_fetch", { url: `${site.url}/article` });
    expect(result.isError).toBeUndefined();
    expect(text(result)).toBe(
      [
        "# Tide tables explained",
        `URL: ${site.url}/article`,
        "",
        "# Tide tables",
        "",
        "The moon pulls the **sea**; see [the moon page](https://example.org/moon).",
        "",
        "-   high water",
        "-   low water",
        "",
        "```python",
        'print("tide")',
        "```",
        "",
        "[image: a tide chart]",
      ].join("\n"),
    );
  });

  it("is asked by domain: its permission subject is domain:<host>", async () => {
    const [tool] = await plugin.tools();
    expect(tool?.kind).toBe("other");
    expect(await tool?.permissionSubject?.({ url: "https://Docs.Python.org/3/library/" }, "/")).toEqual({
      kind: "text",
      value: "domain:docs.python.org",
    });
    expect(await tool?.permissionSubject?.({ url: "not a url" }, "/")).toEqual({
      kind: "text",
      value: "domain:(not a URL)",
    });
  });

  it("gives text and JSON as they are, decodes Latin-1, and names binary content instead of showing it", async () => {
    expect(text(await plugin.runTool("web_fetch", { url: `${site.url}/notes.txt` }))).toBe(
      `URL: ${site.url}/notes.txt\n\nplain notes\n`,
    );
    expect(text(await plugin.runTool("web_fetch", { url: `${site.url}/data.json` }))).toContain('{"tide":"high"}');
    expect(text(await plugin.runTool("web_fetch", { url: `${site.url}/latin1` }))).toContain("café");
    expect(text(await plugin.runTool("web_fetch", { url: `${site.url}/image.png` }))).toBe(
      `${site.url}/image.png is image/png (8 bytes), not a text page; web_fetch shows text only.`,
    );
  });

  it("pages a long page with offset, from its cache (one request for both parts)", async () => {
    const first = text(await plugin.runTool("web_fetch", { url: `${site.url}/long` }));
    expect(first).toContain("[characters 0-40000 of 50003; call web_fetch with offset 40000 for more]");
    const rest = text(await plugin.runTool("web_fetch", { url: `${site.url}/long`, offset: 40000 }));
    expect(rest.endsWith("0123456789END")).toBe(true);
    expect(site.hits.get("/long")).toBe(1);
    const past = await plugin.runTool("web_fetch", { url: `${site.url}/long`, offset: 60000 });
    expect(past).toMatchObject({ isError: true, content: expect.stringContaining("past the end") });
  });

  it("reads at most 5 MB of a page and says so", async () => {
    const result = text(await plugin.runTool("web_fetch", { url: `${site.url}/huge` }));
    expect(result).toContain("[the page is larger than 5 MB: its first 5 MB were read]");
    expect(result).toContain("call web_fetch with offset 40000 for more");
  });

  it("follows a redirect within its host, and hands back one to another host (asked on its own)", async () => {
    expect(text(await plugin.runTool("web_fetch", { url: `${site.url}/moved` }))).toContain(`URL: ${site.url}/article`);
    const elsewhere = await plugin.runTool("web_fetch", { url: `${site.url}/elsewhere` });
    expect(text(elsewhere)).toBe(
      `${site.url}/elsewhere redirects (302) to ${site.url.replace("127.0.0.1", "localhost")}/article, another host. To read it, call web_fetch with that URL.`,
    );
    expect(site.hits.get("/article")).toBe(2); // the article itself, and after /moved; never via localhost
  });

  it("reports an HTTP error as an error, with what the server said", async () => {
    const missing = await plugin.runTool("web_fetch", { url: `${site.url}/nope` });
    expect(missing).toMatchObject({ isError: true });
    expect(text(missing)).toContain("answered 404");
  });

  it("refuses what is not an http(s) URL, and URLs carrying credentials, before any request", async () => {
    for (const [url, why] of [
      ["file:///etc/passwd", "Only http and https URLs are fetched, not file:"],
      ["ftp://example.com/x", "Only http and https URLs are fetched, not ftp:"],
      ["javascript:alert(1)", "Only http and https URLs are fetched"],
      [`http://user:secret@127.0.0.1:1/`, "URLs with a user name or password are not fetched."],
      ["example.com", "is not a URL"],
    ] as const) {
      const result = await plugin.runTool("web_fetch", { url });
      expect(result, url).toMatchObject({ isError: true, content: expect.stringContaining(why) });
    }
  });
});

describe("web_fetch with only its declared grant (*)", () => {
  it("refuses this machine and the local network: loopback, private, link-local metadata; work goes on", async () => {
    const web = await loadPlugin(new URL("..", import.meta.url), { shipsWithPincer: true });
    try {
      for (const url of [
        "http://127.0.0.1/admin",
        "http://localhost/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
      ]) {
        const result = await web.runTool("web_fetch", { url });
        expect(result, url).toMatchObject({ isError: true });
        expect(text(result), url).toMatch(/private, local or reserved address.*public addresses only/);
      }
      // A granted-by-name host's port is not the default one: `*` does not reach it either.
      const port = await web.runTool("web_fetch", { url: `${site.url}/article` });
      expect(text(port)).toMatch(/refused/);
    } finally {
      web.dispose();
    }
    expect(site.hits.get("/admin")).toBeUndefined();
  });
});
