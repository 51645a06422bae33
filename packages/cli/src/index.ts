export { EXIT, type HeadlessOptions, type OutputFormat, runHeadless } from "./headless.js";
export { pincerHome, UsageError } from "./home.js";
export { main } from "./main.js";
export { type PreparedSession, prepareSession, type SessionOptions } from "./setup.js";
