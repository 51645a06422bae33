import type { SyntaxRole } from "@pincer/sdk";
import type { Span, StyledLine } from "./styled.js";

const JS = `abstract as async await break case catch class const continue debugger default delete do else enum export extends finally for from function get if implements import in instanceof interface let new of package private protected public readonly return set static super switch this throw try type typeof var void while with yield`;
const PY = `and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case self`;
const SH = `if then else elif fi for while until do done case esac in function return export local readonly set unset echo cd exit source alias`;
const RUST = `as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait type unsafe use where while`;
const GO = `break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var`;
const CONSTANTS = new Set(["true", "false", "null", "undefined", "None", "True", "False", "nil", "NaN", "Infinity"]);

const LANGUAGES: Record<string, { keywords: Set<string>; lineComment: string[] }> = {
  js: { keywords: new Set(JS.split(" ")), lineComment: ["//"] },
  py: { keywords: new Set(PY.split(" ")), lineComment: ["#"] },
  sh: { keywords: new Set(SH.split(" ")), lineComment: ["#"] },
  rust: { keywords: new Set(RUST.split(" ")), lineComment: ["//"] },
  go: { keywords: new Set(GO.split(" ")), lineComment: ["//"] },
  json: { keywords: new Set(), lineComment: [] },
};
const ALIASES: Record<string, string> = {
  javascript: "js",
  typescript: "js",
  ts: "js",
  tsx: "js",
  jsx: "js",
  mjs: "js",
  python: "py",
  bash: "sh",
  shell: "sh",
  zsh: "sh",
  console: "sh",
  rs: "rust",
  golang: "go",
  jsonc: "json",
};

const TOKEN =
  /(\/\*.*?\*\/)|("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`(?:[^`\\]|\\.)*`?)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[\da-f]+\b)|([A-Za-z_$][\w$]*)|(\s+)|([^\w\s])/giy;

/**
 * A small, fast highlighter for fenced code: comments, strings, numbers, keywords, constants,
 * types and function calls, per line (a string or comment spanning lines is not followed).
 * Good enough to read code in a terminal; not a parser.
 */
export function highlightCode(
  code: string,
  language: string,
  palette: Record<SyntaxRole, string | undefined>,
): StyledLine[] {
  const lang = LANGUAGES[ALIASES[language.toLowerCase()] ?? language.toLowerCase()] ?? LANGUAGES.js!;
  return code.split("\n").map((line) => highlightLine(line, lang, palette));
}

function highlightLine(
  line: string,
  lang: { keywords: Set<string>; lineComment: string[] },
  palette: Record<SyntaxRole, string | undefined>,
): StyledLine {
  const spans: Span[] = [];
  const push = (text: string, role?: SyntaxRole) => {
    const color = role ? palette[role] : undefined;
    const italic = role === "comment";
    const last = spans[spans.length - 1];
    if (last && last.color === color && !!last.italic === italic) last.text += text;
    else spans.push(italic ? { text, color, italic } : { text, color });
  };
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < line.length) {
    const comment = lang.lineComment.find((marker) => line.startsWith(marker, at));
    if (comment) {
      push(line.slice(at), "comment");
      break;
    }
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(line);
    if (!match) {
      push(line.slice(at));
      break;
    }
    const [text, block, string, number, word] = match;
    if (block) push(text, "comment");
    else if (string) push(text, "string");
    else if (number) push(text, "number");
    else if (word) {
      if (lang.keywords.has(word)) push(text, "keyword");
      else if (CONSTANTS.has(word)) push(text, "constant");
      else if (line[at + word.length] === "(") push(text, "function");
      else if (/^[A-Z][a-z]/.test(word)) push(text, "type");
      else push(text);
    } else if (match[6]) push(text, "punctuation");
    else push(text);
    at += text.length;
  }
  return spans.length ? spans : [{ text: "" }];
}
