import { describe, expect, it } from "vitest";
import { sessionsDatasetCard } from "./sessions-card.js";

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
});
