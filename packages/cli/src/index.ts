export { type PreparedSession, pincerHome, prepareSession, type SessionOptions, UsageError } from "@pincer/runtime";
export { EXIT, type HeadlessOptions, type OutputFormat, runHeadless } from "./headless.js";
export { main } from "./main.js";
