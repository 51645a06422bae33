import { BUILTIN_COMMAND_NAMES } from "@pincer/host";
import { describe, expect, it } from "vitest";
import { matchCommands, SLASH_COMMANDS } from "./commands.js";

describe("slash commands", () => {
  it("reserves every built-in name, so no plugin command can shadow one", () => {
    expect(SLASH_COMMANDS.map((command) => command.name).sort()).toEqual([...BUILTIN_COMMAND_NAMES].sort());
  });

  it("completes from what was typed, plugin commands included", () => {
    const plugin = { name: "standup", description: "Ask for a standup", plugin: "standup-commands" };
    expect(matchCommands("/c").map((command) => command.name)).toEqual(["compact", "cost", "clear"]);
    expect(matchCommands("/st", [...SLASH_COMMANDS, plugin])).toEqual([plugin]);
    expect(matchCommands("/zzz")).toEqual([]);
  });
});
