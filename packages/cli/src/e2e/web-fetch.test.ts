import { startOpenAIServer, startWebSite, type WebSite } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let site: WebSite;
beforeAll(async () => {
  server = await startOpenAIServer();
  site = await startWebSite();
});
afterAll(async () => {
  await server.close();
  await site.close();
});

const toolText = (callId: string) =>
  (
    server.requests.at(-1)!.body as { messages: Array<{ role: string; tool_call_id?: string; content: string }> }
  ).messages.find((message) => message.role === "tool" && message.tool_call_id === callId)?.content ?? "";

function fetchTurn(url: string) {
  server.enqueue([{ toolCalls: [{ id: "f1", name: "web_fetch", arguments: { url } }] }, { finish: "tool_calls" }]);
  server.enqueue([{ text: "Read it." }, { finish: "stop" }]);
}

describe("web_fetch through pincer -p", () => {
  it("with the host granted by name and a Claude Code rule WebFetch(domain:…), the model reads the page as Markdown", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-web-0001", OPENAI_BASE_URL: server.url });
    // A dev server on this machine: `*` never reaches it; the user grants it by name.
    const granted = await box.run(["plugin", "grant", "@pincer/plugin-web", "net:127.0.0.1:*"]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain("net:127.0.0.1:*");
    fetchTurn(`${site.url}/article`);
    const result = await box.run([
      "-p",
      "read the article",
      "--model",
      "openai/gpt-5",
      "--allowedTools",
      "WebFetch(domain:127.0.0.1)",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Read it.\n");
    const page = toolText("f1");
    expect(page).toContain("# Tide tables explained");
    expect(page).toContain("The moon pulls the **sea**");
    expect(page).not.toContain("stealCookies");
  });

  it("headless without a rule the fetch is asked, so denied; the denial names the domain rule to allow it", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-web-0001", OPENAI_BASE_URL: server.url });
    const before = site.hits.get("/notes.txt") ?? 0;
    fetchTurn(`${site.url}/notes.txt`);
    const result = await box.run(["-p", "read it", "--model", "openai/gpt-5", "--output-format", "json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).permission_denials).toEqual([expect.objectContaining({ tool_name: "web_fetch" })]);
    expect(toolText("f1")).toContain('--allowedTools "web_fetch(domain:127.0.0.1)"');
    expect(site.hits.get("/notes.txt") ?? 0).toBe(before);
  });

  it("without the grant, this machine is refused by the sandbox even when the rule allows the domain; the session goes on", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-web-0001", OPENAI_BASE_URL: server.url });
    const before = site.hits.get("/data.json") ?? 0;
    fetchTurn(`${site.url.replace(/:\d+$/, "")}/data.json`);
    const result = await box.run([
      "-p",
      "read it",
      "--model",
      "openai/gpt-5",
      "--allowedTools",
      "web_fetch(domain:127.0.0.1)",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Read it.\n");
    expect(toolText("f1")).toMatch(
      /refused: it is a private, local or reserved address.*pincer plugin grant <plugin> net:127\.0\.0\.1:\*/,
    );
    expect(site.hits.get("/data.json") ?? 0).toBe(before);
  });

  it("a deny rule for a domain wins over bypassPermissions", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-web-0001", OPENAI_BASE_URL: server.url });
    fetchTurn("https://tracker.example.com/pixel");
    const result = await box.run([
      "-p",
      "go",
      "--model",
      "openai/gpt-5",
      "--permission-mode",
      "bypassPermissions",
      "--disallowedTools",
      "WebFetch(domain:*.example.com)",
      "--output-format",
      "json",
    ]);
    expect(JSON.parse(result.stdout).permission_denials).toEqual([expect.objectContaining({ tool_name: "web_fetch" })]);
  });
});
