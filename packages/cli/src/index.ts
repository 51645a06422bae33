export { main } from "./main.js";
export { runHeadless, type HeadlessOptions, type OutputFormat, EXIT } from "./headless.js";
export { prepareSession, type PreparedSession, type SessionOptions, DEFAULT_MODEL } from "./setup.js";
export { pincerHome, UsageError } from "./home.js";
