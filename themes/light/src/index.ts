import { definePlugin, defineTheme } from "@pincer/sdk";

/** For light backgrounds: every text colour keeps at least 4.5:1 against white (WCAG AA). */
export const light = defineTheme({
  id: "light",
  description: "For light terminal backgrounds: 24-bit colours that keep their contrast on white",
  appearance: "light",
  colors: {
    accent: "#0b63c4",
    success: "#1a7f37",
    warning: "#9a6700",
    error: "#cf222e",
    muted: "#636c76",
    text: "#1f2328",
    user: "#8250df",
    border: "#d0d7de",
    heading: "#0550ae",
    code: "#953800",
    link: "#0969da",
    diffAdded: "#1a7f37",
    diffRemoved: "#cf222e",
    selection: "#ddf4ff",
  },
  syntax: {
    keyword: "#cf222e",
    string: "#0a3069",
    number: "#0550ae",
    comment: "#636c76",
    function: "#8250df",
    type: "#953800",
    constant: "#0550ae",
    punctuation: "#57606a",
  },
  symbols: {
    success: "✔",
    failure: "✘",
    pending: "…",
    prompt: "❯",
    bullet: "•",
    collapsed: "▸",
    expanded: "▾",
  },
});

export default definePlugin({ themes: [light] });
