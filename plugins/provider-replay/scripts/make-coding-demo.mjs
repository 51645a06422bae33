// Writes cassettes/coding-demo.jsonl: the recorded model behind `pincer demo`. Kept as a script
// so the cassette can be regenerated and reviewed as code: node scripts/make-coding-demo.mjs
import { writeFileSync } from "node:fs";

const buggy = `function fizzbuzz(n) {
  const out = [];
  for (let i = 1; i <= n; i++) {
    if (i % 3 === 0) out.push("Fizz");
    else if (i % 5 === 0) out.push("Buzz");
    else if (i % 15 === 0) out.push("FizzBuzz");
    else out.push(String(i));
  }
  return out;
}

module.exports = { fizzbuzz };
`;

const test = `const assert = require("node:assert/strict");
const { fizzbuzz } = require("./fizzbuzz.js");

const expected = ["1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8", "Fizz", "Buzz", "11", "Fizz", "13", "14", "FizzBuzz"];
assert.deepEqual(fizzbuzz(15), expected);
console.log("all tests passed");
`;

const oldBranches = `    if (i % 3 === 0) out.push("Fizz");
    else if (i % 5 === 0) out.push("Buzz");
    else if (i % 15 === 0) out.push("FizzBuzz");`;
const newBranches = `    if (i % 15 === 0) out.push("FizzBuzz");
    else if (i % 3 === 0) out.push("Fizz");
    else if (i % 5 === 0) out.push("Buzz");`;

function text(value) {
  const words = value.split(/(?<= )/);
  const events = [];
  for (let i = 0; i < words.length; i += 3) events.push({ type: "text_delta", text: words.slice(i, i + 3).join("") });
  return events;
}

function calls(...list) {
  return list.flatMap(([id, name, args], index) => {
    const json = JSON.stringify(args);
    const pieces = [];
    for (let i = 0; i < json.length; i += 48) pieces.push(json.slice(i, i + 48));
    return [
      { type: "toolcall_start", index, id, name },
      ...pieces.map((argumentsDelta) => ({ type: "toolcall_delta", index, argumentsDelta })),
      { type: "toolcall_end", index },
    ];
  });
}

const usage = (input, output) => ({ type: "usage", usage: { input, output, cacheRead: 0, cacheWrite: 0 } });
const stop = (reason) => ({ type: "stop", reason });

const lines = [
  {
    type: "cassette",
    version: 1,
    description:
      "A model writes fizzbuzz with a bug, runs the test, reads the failure, fixes it and re-runs it. Recorded for the Pincer quick-start demo.",
  },
  {
    type: "call",
    request: { lastMessage: "Create fizzbuzz.js …" },
    events: [
      ...text("I'll write the module and a test that checks 1 to 15, then run the test."),
      ...calls(
        ["call_write_module", "write", { path: "fizzbuzz.js", content: buggy }],
        ["call_write_test", "write", { path: "fizzbuzz.test.js", content: test }],
      ),
      usage(1850, 420),
      stop("toolUse"),
    ],
  },
  {
    type: "call",
    expect: { lastToolResultIncludes: "fizzbuzz.test.js" },
    events: [
      ...text("Both files are written. Running the test:"),
      ...calls(["call_run_1", "bash", { command: "node fizzbuzz.test.js" }]),
      usage(2410, 38),
      stop("toolUse"),
    ],
  },
  {
    type: "call",
    expect: { lastToolResultIncludes: "AssertionError" },
    events: [
      ...text(
        'The test fails at 15: it got "Fizz" where "FizzBuzz" belongs. The loop checks i % 3 before i % 15, so multiples of 15 never reach the FizzBuzz branch. I\'ll test the combined case first.',
      ),
      ...calls(["call_fix", "edit", { path: "fizzbuzz.js", old_string: oldBranches, new_string: newBranches }]),
      usage(3120, 176),
      stop("toolUse"),
    ],
  },
  {
    type: "call",
    expect: { lastToolResultIncludes: "Edited" },
    events: [
      ...text("Fixed. Running the test again:"),
      ...calls(["call_run_2", "bash", { command: "node fizzbuzz.test.js" }]),
      usage(3380, 34),
      stop("toolUse"),
    ],
  },
  {
    type: "call",
    expect: { lastToolResultIncludes: "all tests passed" },
    events: [
      ...text(
        "All tests pass. fizzbuzz.js now checks divisibility by 15 before 3 and 5, and fizzbuzz.test.js covers 1 to 15 including the FizzBuzz case.",
      ),
      usage(3560, 52),
      stop("stop"),
    ],
  },
];

writeFileSync(
  new URL("../cassettes/coding-demo.jsonl", import.meta.url),
  `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`,
);
