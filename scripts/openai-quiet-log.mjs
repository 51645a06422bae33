// An esbuild plugin for the built-in providers' bundles: the openai SDK's client builds the text of
// its info and debug log lines at every request, even where its log level (`warn` unless the client
// is told otherwise; Pincer never is) hands those lines to a function that drops them. Per call:
// the redacted request details (`formatRequestDetails`: a copy of the response's headers, each name
// checked against the secret names, the URL parsed and redacted) and the response's summary line (all
// its headers listed and sorted, the URL parsed again, in an isolate through the host's URL parser).
//
// The client's source is rewritten where it loads, guarding that work with the level that makes it
// show, as the SDK already does around its "sending request" line (`if (this.logLevel === 'debug')`):
//
// - every `loggerFor(this).debug(…)` runs only when the level is debug (the only level at which
//   `loggerFor` hands out a debug function that is not a no-op);
// - the summary's header list and redacted URL are made only when the level is info or debug (the
//   summary goes nowhere but `loggerFor(this).info`).
//
// At any level that shows them the lines are what they were. Each rewrite names how many times its
// text is in the client; a count that differs (the SDK changed) fails the build, never the run.
import { readFileSync } from "node:fs";

const SHOWS_INFO = `(this.logLevel === "info" || this.logLevel === "debug")`;

/** [the client's text, how many times it is there, what it becomes]. */
export const REWRITES = [
  ["loggerFor(this).debug(", 6, `this.logLevel === "debug" && loggerFor(this).debug(`],
  [
    "const specialHeaders = [...response.headers.entries()]",
    1,
    `const specialHeaders = !${SHOWS_INFO} ? "" : [...response.headers.entries()]`,
  ],
  ["${redactURL(url)}", 1, `\${${SHOWS_INFO} ? redactURL(url) : ""}`],
];
/** The summary line's only reader: its uses, all `loggerFor(this).info` arguments. */
const SUMMARY_USES = [
  ["loggerFor(this).info(responseInfo)", 1],
  ["loggerFor(this).info(`${responseInfo} - ${retryMessage}`)", 2],
  ["responseInfo", 4],
];

const count = (source, text) => source.split(text).length - 1;

/** The client's source with its log text made only at the levels that show it. */
export function quietLogClient(source, path) {
  for (const [text, times] of [...REWRITES, ...SUMMARY_USES]) {
    const found = count(source, text);
    if (found !== times) {
      throw new Error(
        `openai-quiet-log: ${path} has ${JSON.stringify(text)} ${found} times, not ${times}: the openai SDK changed; update scripts/openai-quiet-log.mjs`,
      );
    }
  }
  return REWRITES.reduce((code, [text, , replacement]) => code.split(text).join(replacement), source);
}

export const openaiQuietLog = {
  name: "openai-quiet-log",
  setup(context) {
    context.onLoad({ filter: /[\\/]openai[\\/]client\.mjs$/ }, (args) => ({
      contents: quietLogClient(readFileSync(args.path, "utf8"), args.path),
      loader: "js",
    }));
  },
};
