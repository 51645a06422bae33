import { definePlugin, defineTheme } from "@pincer/sdk";

// A theme is data: a colour for each role of Pincer's output, a palette for highlighted code and
// the symbols it prints. A colour is "#rrggbb", or one of the 16 ANSI names ("cyan", "redBright",
// "gray"…) for terminals without 24-bit colour; the host drops anything else. A theme may also
// draw the status line: format.statusLine(info) returns it as plain text, run in the sandbox.
const theme = defineTheme({
  id: "dusk-theme",
  description: "The dusk-theme theme, for dark terminals",
  appearance: "dark",
  colors: {
    // Every theme colours these five roles.
    accent: "#7aa2f7",
    success: "#9ece6a",
    warning: "#e0af68",
    error: "#f7768e",
    muted: "#565f89",
    // Optional: left out, a role falls back to one of the five or the terminal's own colour.
    text: "#c0caf5",
    user: "#bb9af7",
    border: "#3b4261",
    heading: "#7dcfff",
    code: "#e0af68",
    link: "#73daca",
    diffAdded: "#9ece6a",
    diffRemoved: "#f7768e",
    selection: "#283457",
  },
  // Token kinds of the highlighter in fenced code blocks.
  syntax: {
    keyword: "#bb9af7",
    string: "#9ece6a",
    number: "#ff9e64",
    comment: "#565f89",
    function: "#7aa2f7",
    type: "#2ac3de",
    constant: "#ff9e64",
    punctuation: "#89ddff",
  },
  // One or two printable characters each.
  symbols: { success: "✔", failure: "✘", pending: "…", prompt: "❯", bullet: "•", collapsed: "▸", expanded: "▾" },
});

export default definePlugin({ themes: [theme] });
