import { definePlugin, defineTheme } from "@pincer/sdk";

/**
 * For low vision and bright rooms: on a dark background every foreground colour reaches 7:1
 * against black (WCAG AAA), and the symbols are the heavy forms, which stay legible in bold.
 */
export const highContrast = defineTheme({
  id: "high-contrast",
  description: "High contrast for dark terminals: every text colour at least 7:1 against black, heavy symbols",
  appearance: "dark",
  colors: {
    accent: "#5cc8ff",
    success: "#66ff99",
    warning: "#ffd75f",
    error: "#ff8787",
    muted: "#c0c0c0",
    text: "#ffffff",
    user: "#ffafff",
    border: "#ffffff",
    heading: "#87d7ff",
    code: "#ffd787",
    link: "#87ffff",
    diffAdded: "#66ff99",
    diffRemoved: "#ff8787",
    selection: "#00005f",
  },
  syntax: {
    keyword: "#ff9eff",
    string: "#a8ff60",
    number: "#ffc66d",
    comment: "#b8b8b8",
    function: "#82d8ff",
    type: "#7fffd4",
    constant: "#ffc66d",
    punctuation: "#e0e0e0",
  },
  symbols: {
    success: "✔",
    failure: "✖",
    pending: "●",
    prompt: "▶",
    bullet: "■",
    collapsed: "▶",
    expanded: "▼",
  },
});

export default definePlugin({ themes: [highContrast] });
