import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { addMarketplace, listMarketplaces, removeMarketplace, searchMarketplaces } from "./marketplace.js";
import { fetchMarketplacePlugin } from "./marketplace-install.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-market-"));
  dirs.push(dir);
  return dir;
}
function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const manifest = {
  name: "team",
  owner: { name: "Team" },
  plugins: [
    { name: "formatter", source: "./plugins/formatter", description: "Formats code on save", version: "1.0.0" },
    { name: "ghost", source: "./plugins/ghost", description: "Points nowhere" },
    { name: "remote", source: { source: "github", repo: "acme/remote" }, description: "Lives on GitHub" },
  ],
};

function marketplace(): string {
  const root = temp();
  put(join(root, ".claude-plugin", "marketplace.json"), JSON.stringify(manifest));
  put(join(root, "plugins", "formatter", ".claude-plugin", "plugin.json"), JSON.stringify({ name: "formatter" }));
  return root;
}

describe("Claude Code marketplaces", () => {
  it("adds a folder, searches it, resolves relative sources, and removes it", async () => {
    const home = temp();
    const root = marketplace();
    const added = await addMarketplace(home, root, { cwd: "/" });
    expect(added).toMatchObject({ name: "team", owner: "Team", root });
    expect(listMarketplaces(home).map((item) => item.name)).toEqual(["team"]);
    expect(searchMarketplaces(home, ["FORMATS"]).map((hit) => hit.plugin.name)).toEqual(["formatter"]);
    expect(searchMarketplaces(home, ["code", "save"]).map((hit) => `${hit.plugin.name}@${hit.marketplace}`)).toEqual([
      "formatter@team",
    ]);
    expect((await fetchMarketplacePlugin(home, "formatter", "team")).dir).toBe(
      realpathSync(join(root, "plugins", "formatter")),
    );
    await expect(fetchMarketplacePlugin(home, "ghost", "team")).rejects.toThrow(
      /marketplace team, entry ghost: its source \.\/plugins\/ghost points nowhere/,
    );
    await expect(fetchMarketplacePlugin(home, "nope", "team")).rejects.toThrow(/has no plugin named nope/);
    removeMarketplace(home, "team");
    expect(listMarketplaces(home)).toEqual([]);
    expect(() => removeMarketplace(home, "team")).toThrow(/No marketplace named team/);
  });

  it("refuses a folder without marketplace.json and a malformed one, naming them", async () => {
    const home = temp();
    const empty = temp();
    await expect(addMarketplace(home, empty, { cwd: "/" })).rejects.toThrow(/has no .claude-plugin.marketplace\.json/);
    put(join(empty, ".claude-plugin", "marketplace.json"), JSON.stringify({ name: "x" }));
    await expect(addMarketplace(home, empty, { cwd: "/" })).rejects.toThrow(
      /marketplace\.json: "plugins" must be a list/,
    );
  });

  it("adds a marketplace.json served over HTTP; its relative sources need a clone", async () => {
    const home = temp();
    const server = createServer((request, response) => {
      if (request.url === "/marketplace.json") {
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(manifest));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    try {
      const url = `http://127.0.0.1:${port}/marketplace.json`;
      const added = await addMarketplace(home, url, { cwd: "/" });
      expect(added).toMatchObject({ name: "team", from: url });
      expect(searchMarketplaces(home, ["github"]).map((hit) => hit.plugin.name)).toEqual(["remote"]);
      await expect(fetchMarketplacePlugin(home, "formatter", "team")).rejects.toThrow(/added from a URL/);
      await expect(addMarketplace(home, `http://127.0.0.1:${port}/missing.json`, { cwd: "/" })).rejects.toThrow(
        /HTTP 404/,
      );
    } finally {
      server.close();
    }
  });

  it("refuses a marketplace.json nested too deep to store, naming where, and adds nothing", async () => {
    const home = temp();
    const dir = temp();
    mkdirSync(join(dir, ".claude-plugin"));
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    writeFileSync(join(dir, ".claude-plugin", "marketplace.json"), `{ "name": "deep", "plugins": [], "x": ${deep} }`);
    await expect(addMarketplace(home, dir, { cwd: "/" })).rejects.toThrow(
      /\/x\/0\/0\/0\/0\/0\/…: nested deeper than 16/,
    );
    expect(listMarketplaces(home)).toEqual([]);
  });
});
