// Writes dataset/train.csv and dataset/test.csv: "tiny-reviews", the small sentiment dataset the
// `pincer intern demo` seeds into the local Hub. Deterministic (a seeded PRNG), so the committed
// files are exactly what this script prints: node plugins/ml-intern/demo/make-dataset.mjs
//
// Each review joins two or three clauses about a product; a clause is positive or negative, and
// "not" flips it. The label is the majority polarity (reviews that tie are drawn again), and 6% of
// labels are flipped at random: noise a bag-of-words model cannot learn, so accuracy stays honest.
import { writeFileSync } from "node:fs";

const SEED = 20240607;
const TRAIN_ROWS = 1600;
const TEST_ROWS = 400;
const NOISE = 0.06;

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];

const subjects = [
  "the battery",
  "the screen",
  "the case",
  "the charger",
  "the speaker",
  "the strap",
  "the app",
  "the lens",
  "the keyboard",
  "the fan",
];
const positive = [
  "great",
  "excellent",
  "reliable",
  "sturdy",
  "bright",
  "quiet",
  "comfortable",
  "fast",
  "lovely",
  "solid",
  "clear",
  "responsive",
];
const negative = [
  "awful",
  "flimsy",
  "dim",
  "noisy",
  "slow",
  "broken",
  "cheap",
  "disappointing",
  "loose",
  "laggy",
  "fragile",
  "useless",
];
const linkers = ["is", "feels", "seems", "was", "looks"];
const softeners = ["", "", "really ", "quite ", "very ", "a bit "];
const joiners = [", and ", ", but ", "; ", ". Also ", " while "];
const endings = [".", ".", "!", ". Would say so again.", ". Returned it? Hmm."];

function clause() {
  const good = random() < 0.5;
  const negated = random() < 0.1;
  const word = pick(good ? positive : negative);
  const text = `${pick(subjects)} ${pick(linkers)} ${negated ? "not " : ""}${pick(softeners)}${word}`;
  return { text, polarity: good !== negated ? 1 : -1 };
}

function review() {
  const clauses = Array.from({ length: random() < 0.6 ? 2 : 3 }, clause);
  const sum = clauses.reduce((total, c) => total + c.polarity, 0);
  if (sum === 0) return review();
  let label = sum > 0 ? 1 : 0;
  if (random() < NOISE) label = 1 - label;
  let text = clauses[0].text;
  for (const c of clauses.slice(1)) text += pick(joiners) + c.text;
  text = text.charAt(0).toUpperCase() + text.slice(1) + pick(endings);
  return { text, label };
}

const csv = (rows) => `text,label\n${rows.map((row) => `"${row.text.replace(/"/g, '""')}",${row.label}`).join("\n")}\n`;

const here = new URL("./dataset/", import.meta.url);
writeFileSync(new URL("train.csv", here), csv(Array.from({ length: TRAIN_ROWS }, review)));
writeFileSync(new URL("test.csv", here), csv(Array.from({ length: TEST_ROWS }, review)));
