import type { ToolKind } from "@pincer/kernel";
import type { ResolvedGrants } from "./grants.js";

/**
 * How strictly the permission modes treat each kind: plan mode runs only `read`, acceptEdits
 * also `edit`; `execute` and `other` are asked about alike.
 */
const STRICTNESS: Readonly<Record<ToolKind, number>> = { read: 0, edit: 1, execute: 2, other: 2 };

/**
 * The least a plugin's tools are gated as, from what its grants let its code do: any spawn or
 * network grant makes every tool `execute` (a spawned command can do anything its grant allows,
 * and a request can carry the workspace away: the host cannot tell a search from an upload), any
 * file write grant makes it `edit`. Only a plugin that can do neither has tools that run
 * unasked in default mode and in plan mode.
 */
export function kindFloor(grants: Pick<ResolvedGrants, "fsWrite" | "net" | "spawn">): ToolKind {
  if (grants.spawn.length > 0 || grants.net.length > 0) return "execute";
  if (grants.fsWrite.length > 0) return "edit";
  return "read";
}

/**
 * The kind a plugin's tool is gated as: what it declares, raised to what its plugin's grants
 * allow (see kindFloor). A declared kind is the plugin's own word, so it may only make the gate
 * stricter; something that is not a kind at all counts as `other`.
 */
export function gatedKind(declared: unknown, grants: Pick<ResolvedGrants, "fsWrite" | "net" | "spawn">): ToolKind {
  const stated: ToolKind = typeof declared === "string" && declared in STRICTNESS ? (declared as ToolKind) : "other";
  const floor = kindFloor(grants);
  return STRICTNESS[stated] >= STRICTNESS[floor] ? stated : floor;
}
