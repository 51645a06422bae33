import { definePlugin } from "@pincer/sdk";
import { bash } from "./tools/bash.js";
import { bashOutput, killShell } from "./tools/bash-background.js";
import { edit } from "./tools/edit.js";
import { glob } from "./tools/glob.js";
import { grep } from "./tools/grep.js";
import { ls } from "./tools/ls.js";
import { read } from "./tools/read.js";
import { todo } from "./tools/todo.js";
import { write } from "./tools/write.js";

export { bash, bashOutput, edit, glob, grep, killShell, ls, read, todo, write };

export default definePlugin({ tools: [read, write, edit, bash, bashOutput, killShell, grep, glob, ls, todo] });
