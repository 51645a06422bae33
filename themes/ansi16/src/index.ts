import { definePlugin, defineTheme } from "@pincer/sdk";

/**
 * For terminals without 24-bit colour (and fonts without the marks): only the 16 ANSI colour
 * names, so the terminal's own palette decides the shades, and ASCII symbols. Roles left out
 * (text, punctuation) keep the terminal's default foreground, which suits dark and light alike.
 */
export const ansi16 = defineTheme({
  id: "ansi16",
  description: "The terminal's own 16 colours and ASCII symbols, for terminals without 24-bit colour",
  colors: {
    accent: "cyan",
    success: "green",
    warning: "yellow",
    error: "red",
    muted: "gray",
    user: "magenta",
    border: "gray",
    heading: "blue",
    code: "yellow",
    link: "blue",
    diffAdded: "green",
    diffRemoved: "red",
    selection: "blue",
  },
  syntax: {
    keyword: "magenta",
    string: "green",
    number: "yellow",
    comment: "gray",
    function: "blue",
    type: "cyan",
    constant: "yellow",
  },
  symbols: {
    success: "+",
    failure: "x",
    pending: "..",
    prompt: ">",
    bullet: "*",
    collapsed: ">",
    expanded: "v",
  },
});

export default definePlugin({ themes: [ansi16] });
