import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";
import { sessionsDatasetCard } from "./sessions-card.js";

const token = "hf_sessions_card_token";
const fx = localHubPlugin({ token, name: "sessions-card" });

describe("the sessions dataset's card", () => {
  it("says what the files are, how they are laid out, how to resume and what keeps secrets out", () => {
    const card = sessionsDatasetCard({ repo: "ada/pincer-intern-sessions", hubUrl: "http://127.0.0.1:9/" });
    expect(card).toMatch(/^---\npretty_name: Pincer ML intern sessions\nviewer: false\ntags:\n- pincer\n/);
    expect(card).toContain("| `sessions/YYYY-MM-DD/<id>.jsonl` |");
    expect(card).toContain("| `sessions/YYYY-MM-DD/<id>/part-NNNN.jsonl` |");
    expect(card).toContain("pincer intern resume ada/pincer-intern-sessions:<id>");
    expect(card).toContain("[REDACTED]");
    expect(card).toContain("Keep this dataset **private**");
    expect(card).toContain("http://127.0.0.1:9/datasets/ada/pincer-intern-sessions/tree/main/sessions");
  });

  it("refuses a repo id or Hub URL that would write something else into the card", () => {
    expect(() => sessionsDatasetCard({ repo: "ada/x\n---\nlicense: mit", hubUrl: "https://huggingface.co" })).toThrow(
      /is not a dataset id/,
    );
    expect(() => sessionsDatasetCard({ repo: "ada", hubUrl: "https://huggingface.co" })).toThrow(/is not a dataset id/);
    expect(() => sessionsDatasetCard({ repo: "ada/s", hubUrl: "javascript:alert(1)" })).toThrow(/not an http\(s\) Hub/);
    expect(() => sessionsDatasetCard({ repo: "ada/s", hubUrl: "not a url" })).toThrow(/is not a Hub URL/);
    // A version string cannot carry Markdown into the card.
    expect(
      sessionsDatasetCard({ repo: "ada/s", hubUrl: "https://huggingface.co", pincerVersion: "0.1.0](javascript:x)" }),
    ).toContain("(Pincer 0.1.0javascriptx)");
  });

  it("reads on the Hub as a card: its metadata in cardData, the viewer off, the page showing the layout", async () => {
    const { plugin, hub } = fx;
    expect(
      (await plugin.runTool("hf_create_repo", { name: "sessions", type: "dataset", private: true })).isError,
    ).toBeFalsy();
    const card = sessionsDatasetCard({ repo: "ada/sessions", hubUrl: hub.url });
    const up = await plugin.runTool("hf_upload_file", {
      repo: "ada/sessions",
      type: "dataset",
      path: "README.md",
      content: card,
    });
    expect(up.isError, text(up)).toBeFalsy();
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const info = (await (await fetch(`${hub.url}/api/datasets/ada/sessions?full=true`, auth)).json()) as {
      cardData: Record<string, unknown>;
    };
    expect(info.cardData).toMatchObject({ viewer: false, tags: ["pincer", "agent-sessions", "ml-intern"] });
    const page = await (
      await fetch(`${hub.url}/datasets/ada/sessions`, { headers: { ...auth.headers, Accept: "text/html" } })
    ).text();
    expect(page).toContain("<code>sessions/YYYY-MM-DD/&lt;id&gt;.jsonl</code>");
  });
});
