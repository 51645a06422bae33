import { definePlugin, defineTheme, type StatusLineInfo } from "@pincer/sdk";

/** Token counts as the status line shows them: 950, 12.3k, 1.2M. */
function tokens(count: number): string {
  if (!Number.isFinite(count) || count < 1000) return String(Math.max(0, Math.round(count || 0)));
  const short = (value: number) => (value < 10 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value)));
  return count < 999_500 ? `${short(count / 1000)}k` : `${short(count / 1_000_000)}M`;
}

/**
 * model · folder · context used · tokens in/out · cost · mode (when not the default). Runs in
 * the theme's sandbox on every redraw: plain text only, the UI colours it.
 */
export function statusLine(info: StatusLineInfo): string {
  const folder = info.cwd.split(/[\\/]/).filter(Boolean).pop() ?? info.cwd;
  const used = info.contextWindow
    ? `${tokens(info.contextTokens)}/${tokens(info.contextWindow)} ${Math.round((info.contextTokens / info.contextWindow) * 100)}%`
    : tokens(info.contextTokens);
  const cost = Number(info.costUsd) || 0;
  const parts = [
    `${info.busy ? "●" : "○"} ${info.model}`,
    folder,
    `ctx ${used}`,
    `↑${tokens(info.inputTokens)} ↓${tokens(info.outputTokens)}`,
    `$${cost.toFixed(cost > 0 && cost < 1 ? 3 : 2)}`,
  ];
  if (info.permissionMode && info.permissionMode !== "default") parts.push(info.permissionMode);
  return parts.join(" · ");
}

/** Pincer's default: 24-bit colours for a dark background, every optional role and token kind set. */
export const dark = defineTheme({
  id: "dark",
  description: "Pincer's default: 24-bit colours for dark terminals, full syntax palette, status line",
  appearance: "dark",
  colors: {
    accent: "#5fb3f5",
    success: "#73d18b",
    warning: "#e8b558",
    error: "#f2707a",
    muted: "#7d8590",
    text: "#d6dbe1",
    user: "#c3a6ff",
    border: "#3b4250",
    heading: "#8ec7ff",
    code: "#e6c07b",
    link: "#56c8d8",
    diffAdded: "#73d18b",
    diffRemoved: "#f2707a",
    selection: "#2c3a52",
  },
  syntax: {
    keyword: "#c792ea",
    string: "#a5d68a",
    number: "#f4a76a",
    comment: "#6b7685",
    function: "#7fb4ff",
    type: "#5ed1c6",
    constant: "#f4a76a",
    punctuation: "#9aa4b2",
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
  format: { statusLine },
});

export default definePlugin({ themes: [dark] });
