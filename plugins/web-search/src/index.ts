import { definePlugin } from "@pincer/sdk";
import { webSearch } from "./web-search.js";

export { webSearch };

export default definePlugin({ tools: [webSearch] });
