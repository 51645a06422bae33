import { closeSync, openSync, readSync } from "node:fs";
import { HubError } from "../http.js";
import type { Commit, RepoStore } from "../repos.js";
import type { CellContext, ImageSource } from "./cells.js";
import { type SplitFiles, splitsOf } from "./layout.js";
import { imageLabels, openSplit, type SplitData } from "./split-data.js";

/** Enough of a stored image to read its size (headers, and a JPEG's markers before its frame). */
const IMAGE_HEAD = 1024 * 1024;

/** A dataset repo at its main branch, as the viewer sees it: its splits by config. */
export interface ViewedDataset {
  id: string;
  commit: Commit;
  splits: SplitFiles[];
}

export function viewDataset(store: RepoStore, dataset: string): ViewedDataset {
  if (!/^[\w.-]+\/[\w.-]+$/.test(dataset) || !store.exists("dataset", dataset)) {
    throw new HubError(
      404,
      "The dataset does not exist, or is not accessible without authentication (private or gated).",
      "DatasetNotFoundError",
    );
  }
  const commit = store.resolve("dataset", dataset, "main");
  return { id: dataset, commit, splits: splitsOf(store, commit) };
}

export const configsOf = (viewed: ViewedDataset): string[] => [...new Set(viewed.splits.map((s) => s.config))];

/** One split, opened; 404 in the viewer's words when the config or split does not exist. */
export function openViewedSplit(
  store: RepoStore,
  viewed: ViewedDataset,
  config: string,
  split: string,
): Promise<SplitData> {
  const files = viewed.splits.find((s) => s.config === config && s.split === split);
  if (!files) throw new HubError(404, "Not found.", "ResponseNotFound");
  return openSplit(store, files, imageLabels(viewed.splits.filter((s) => s.config === config)));
}

/** The start of a stored blob. */
export function blobHead(store: RepoStore, sha256: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(store.blobPath(sha256), "r");
  } catch {
    return new Uint8Array();
  }
  try {
    const buffer = Buffer.alloc(IMAGE_HEAD);
    return buffer.subarray(0, readSync(fd, buffer, 0, IMAGE_HEAD, 0));
  } finally {
    closeSync(fd);
  }
}

const enc = (text: string): string => encodeURIComponent(text);

/**
 * Where image cells point: a file of an image folder at its `resolve` URL; an image stored inside
 * a data file at `/datasets-server/assets/{dataset}/--/{commit}/--/{config}/{split}/{row}/{column}/image.{ext}`,
 * as datasets-server's asset URLs are shaped. `base` is empty for links within this Hub's pages.
 */
export function cellContext(
  store: RepoStore,
  viewed: ViewedDataset,
  config: string,
  split: string,
  base: string,
): CellContext {
  const [owner = "", name = ""] = viewed.id.split("/");
  return {
    blobHead: (sha256) => blobHead(store, sha256),
    imageUrl(rowIndex: number, column: string, source: ImageSource, type: string) {
      if ("file" in source) {
        const path = source.file.split("/").map(enc).join("/");
        return `${base}/datasets/${enc(owner)}/${enc(name)}/resolve/${viewed.commit.id}/${path}`;
      }
      return `${base}/datasets-server/assets/${enc(owner)}/${enc(name)}/--/${viewed.commit.id}/--/${enc(config)}/${enc(split)}/${rowIndex}/${enc(column)}/image.${type}`;
    },
  };
}
