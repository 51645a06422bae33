import { definePlugin, defineTheme } from "@pincer/sdk";

// A theme is data: colours for each role of Pincer's output (hex), and the symbols it prints.
const theme = defineTheme({
  id: "dusk-theme",
  colors: {
    accent: "#7aa2f7",
    success: "#9ece6a",
    warning: "#e0af68",
    error: "#f7768e",
    muted: "#565f89",
  },
  symbols: { success: "✔", failure: "✘", pending: "…" },
});

export default definePlugin({ themes: [theme] });
