import { definePlugin } from "@pincer/sdk";
import { webFetch } from "./web-fetch.js";

export { htmlToMarkdown } from "./html-to-markdown.js";
export { webFetch };

export default definePlugin({ tools: [webFetch] });
