import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { notFound, sendJson } from "./http.js";

/**
 * Collections, from `<dir>/collections/*.json`: one object or an array of them, each
 * `{ title, owner?, description?, upvotes?, lastUpdated?, items: [{ type, id }] }` where type is
 * model, dataset, space or paper (a paper's id is its arXiv id).
 */
export interface StoredCollection {
  title: string;
  owner?: string;
  description?: string;
  upvotes?: number;
  lastUpdated?: string;
  items: { type: "model" | "dataset" | "space" | "paper"; id: string; note?: string }[];
}

/** Listing truncates each collection's items to this many, as the Hub does. */
const LISTED_ITEMS = 4;

const objectId = (seed: string): string => createHash("sha1").update(seed).digest("hex").slice(0, 24);

const slugOf = (c: StoredCollection): string => {
  const kebab =
    c.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "collection";
  return `${c.owner ?? "local"}/${kebab}-${objectId(`collection:${c.owner}/${c.title}`)}`;
};

function loadCollections(dir: string): StoredCollection[] {
  const folder = join(dir, "collections");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .flatMap((name) => {
      try {
        const data = JSON.parse(readFileSync(join(folder, name), "utf8")) as StoredCollection | StoredCollection[];
        return (Array.isArray(data) ? data : [data]).filter(
          (c) => typeof c?.title === "string" && Array.isArray(c.items),
        );
      } catch {
        return [];
      }
    });
}

function collectionJson(c: StoredCollection, itemLimit = Infinity): Record<string, unknown> {
  const slug = slugOf(c);
  return {
    slug,
    title: c.title,
    description: c.description ?? "",
    owner: { name: c.owner ?? "local", type: "user" },
    items: c.items.slice(0, itemLimit).map((item, position) => ({
      _id: objectId(`${slug}/${item.type}/${item.id}`),
      position,
      type: item.type,
      id: item.id,
      ...(item.type === "model" ? { modelId: item.id } : {}),
      ...(item.note ? { note: { text: item.note } } : {}),
    })),
    lastUpdated: c.lastUpdated ?? new Date(0).toISOString(),
    position: 0,
    private: false,
    theme: "default",
    upvotes: c.upvotes ?? 0,
    isUpvotedByUser: false,
  };
}

/** `item=papers/2106.09685` (or `models/owner/name`, …) as a collection item's type and id. */
function itemKey(item: string): string {
  const [plural = "", ...rest] = item.split("/");
  return `${plural.replace(/s$/, "")}/${rest.join("/")}`.toLowerCase();
}

/** `GET /api/collections?item=&owner=&q=&sort=&limit=`: each collection lists at most 4 items. */
export function collectionsRoute(res: ServerResponse, url: URL, dir: string): void {
  const items = url.searchParams.getAll("item").map(itemKey);
  const owners = url.searchParams.getAll("owner");
  const q = (url.searchParams.get("q") ?? "").toLowerCase();
  const limit = Math.max(1, Math.min(Number(url.searchParams.get("limit")) || 100, 100));
  const found = loadCollections(dir).filter((c) => {
    const keys = new Set(c.items.map((item) => `${item.type}/${item.id}`.toLowerCase()));
    return (
      items.every((key) => keys.has(key.replace(/v\d+$/, ""))) &&
      (owners.length === 0 || owners.includes(c.owner ?? "local")) &&
      (!q || `${c.title} ${c.description ?? ""}`.toLowerCase().includes(q))
    );
  });
  if (url.searchParams.get("sort") === "lastModified") {
    found.sort((a, b) => (b.lastUpdated ?? "").localeCompare(a.lastUpdated ?? ""));
  } else {
    found.sort((a, b) => (b.upvotes ?? 0) - (a.upvotes ?? 0));
  }
  sendJson(
    res,
    200,
    found.slice(0, limit).map((c) => collectionJson(c, LISTED_ITEMS)),
  );
}

/** `GET /api/collections/{owner}/{slug}`: one collection with all its items. */
export function collectionRoute(res: ServerResponse, dir: string, slug: string): void {
  const found = loadCollections(dir).find((c) => slugOf(c) === slug);
  if (!found) throw notFound("CollectionNotFound", `Collection not found: ${slug}`);
  sendJson(res, 200, collectionJson(found));
}
