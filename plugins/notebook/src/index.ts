import { definePlugin } from "@pincer/sdk";
import { notebookEdit } from "./notebook-edit.js";

export { notebookEdit };

export default definePlugin({ tools: [notebookEdit] });
