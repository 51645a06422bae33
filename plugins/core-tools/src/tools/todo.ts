import { defineTool } from "@pincer/sdk";

interface Todo {
  content: string;
  status: "pending" | "in_progress" | "completed";
}

const MARKS: Record<Todo["status"], string> = { pending: "[ ]", in_progress: "[>]", completed: "[x]" };

export const todo = defineTool<{ todos: Todo[] }>({
  name: "todo",
  description:
    "Replace the session's todo list: plan multi-step work with it and keep it current, one item in_progress at a time.",
  // It touches nothing outside the session, so it never needs approval.
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      todos: {
        type: "array",
        items: {
          type: "object",
          properties: {
            content: { type: "string", minLength: 1 },
            status: { type: "string", enum: ["pending", "in_progress", "completed"] },
          },
          required: ["content", "status"],
          additionalProperties: false,
        },
      },
    },
    required: ["todos"],
    additionalProperties: false,
  },
  async execute(args, ctx) {
    ctx.state.set("todos", args.todos);
    if (args.todos.length === 0) return { content: "The todo list is empty.", details: { todos: [] } };
    const done = args.todos.filter((item) => item.status === "completed").length;
    const lines = args.todos.map((item) => `${MARKS[item.status]} ${item.content}`);
    return { content: `${lines.join("\n")}\n(${done}/${args.todos.length} done)`, details: { todos: args.todos } };
  },
});
