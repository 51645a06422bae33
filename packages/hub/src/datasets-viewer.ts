import type { ServerResponse } from "node:http";
import { HubError, sendJson } from "./http.js";
import type { RepoStore } from "./repos.js";
import { IMAGE_TYPES, imageFacts, imageSource, presentRow } from "./viewer/cells.js";
import { cellContext, configsOf, openViewedSplit, type ViewedDataset, viewDataset } from "./viewer/dataset.js";
import type { Features } from "./viewer/features.js";
import { splitsOf } from "./viewer/layout.js";
import type { SplitData } from "./viewer/split-data.js";
import { statisticsOf } from "./viewer/statistics.js";

/**
 * `/datasets-server/…`: the dataset viewer's API (datasets-server.huggingface.co) over the
 * datasets stored here — `is-valid`, `splits`, `info`, `size`, `first-rows`, `rows`,
 * `statistics`, and the image assets their rows point to — for CSV, TSV, JSON Lines, JSON,
 * Parquet and image-folder datasets, in its shapes and with its error codes.
 */

/** Rows `/first-rows` returns at most, and `/rows` per page at most, as datasets-server does. */
export const FIRST_ROWS = 100;
export const MAX_ROWS_PAGE = 100;
/** `/statistics` is computed over at most this many rows (`partial: true` past it, as past 5 GB there). */
export const STATISTICS_ROWS = 100_000;

const required = (url: URL, name: string): string => {
  const value = url.searchParams.get(name);
  if (!value) throw new HubError(422, `Parameter '${name}' is required`, "MissingRequiredParameter");
  return value;
};

function integerParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw))
    throw new HubError(422, `Parameter '${name}' must be a non-negative integer`, "InvalidParameter");
  return Number(raw);
}

const featureList = (features: Features) =>
  Object.entries(features).map(([name, type], feature_idx) => ({ feature_idx, name, type }));

async function presentedRows(
  store: RepoStore,
  viewed: ViewedDataset,
  config: string,
  split: string,
  data: SplitData,
  start: number,
  end: number,
  base: string,
) {
  const context = cellContext(store, viewed, config, split, base);
  const rows = await data.rows(start, end);
  return rows.map((raw, i) => {
    const { row, truncated } = presentRow(raw, data.features, start + i, context);
    return { row_idx: start + i, row, truncated_cells: truncated };
  });
}

function noData(viewed: ViewedDataset): void {
  if (viewed.splits.length === 0) {
    throw new HubError(
      501,
      "The dataset has no data files the viewer reads (Parquet, CSV, TSV, JSON Lines, JSON, or images in folders).",
      "EmptyDatasetError",
    );
  }
}

export async function datasetsViewerRoute(
  res: ServerResponse,
  url: URL,
  store: RepoStore,
  endpoint: string,
  base: string,
): Promise<void> {
  const dataset = required(url, "dataset");
  const viewed = viewDataset(store, dataset);
  if (endpoint === "is-valid") {
    const ok = viewed.splits.length > 0;
    sendJson(res, 200, { preview: ok, viewer: ok, search: false, filter: false, statistics: ok });
    return;
  }
  noData(viewed);
  const askedConfig = url.searchParams.get("config");
  const configs = askedConfig ? [askedConfig] : configsOf(viewed);
  if (askedConfig && !configsOf(viewed).includes(askedConfig))
    throw new HubError(404, "Not found.", "ResponseNotFound");
  if (endpoint === "splits") {
    const splits = viewed.splits.filter((s) => configs.includes(s.config));
    sendJson(res, 200, {
      splits: splits.map((s) => ({ dataset, config: s.config, split: s.split })),
      pending: [],
      failed: [],
    });
    return;
  }
  if (endpoint === "info" || endpoint === "size") {
    const name = dataset.split("/").pop();
    const perConfig = [];
    for (const config of configs) {
      const splits = [];
      let features: Features = {};
      for (const files of viewed.splits.filter((s) => s.config === config)) {
        const data = await openViewedSplit(store, viewed, config, files.split);
        if (Object.keys(features).length === 0) features = data.features;
        splits.push({
          split: files.split,
          num_bytes: data.numBytes,
          num_examples: data.numRows,
          num_columns: Object.keys(data.features).length,
        });
      }
      perConfig.push({ config, features, splits });
    }
    if (endpoint === "size") {
      const all = perConfig.flatMap((c) => c.splits.map((s) => ({ dataset, config: c.config, ...s })));
      const sum = (items: { num_bytes: number; num_examples: number }[]) => ({
        num_bytes_original_files: items.reduce((n, s) => n + s.num_bytes, 0),
        num_rows: items.reduce((n, s) => n + s.num_examples, 0),
      });
      sendJson(res, 200, {
        size: {
          dataset: { dataset, ...sum(all) },
          configs: perConfig.map((c) => ({
            dataset,
            config: c.config,
            ...sum(c.splits),
            num_columns: Object.keys(c.features).length,
          })),
          splits: all.map(({ num_bytes, num_examples, ...rest }) => ({
            ...rest,
            num_bytes_original_files: num_bytes,
            num_rows: num_examples,
          })),
        },
        pending: [],
        failed: [],
        partial: false,
      });
      return;
    }
    const infos = perConfig.map((c) => {
      const bytes = c.splits.reduce((n, s) => n + s.num_bytes, 0);
      return [
        c.config,
        {
          config_name: c.config,
          dataset_name: name,
          features: c.features,
          splits: Object.fromEntries(
            c.splits.map((s) => [
              s.split,
              { name: s.split, num_bytes: s.num_bytes, num_examples: s.num_examples, dataset_name: name },
            ]),
          ),
          download_size: bytes,
          dataset_size: bytes,
        },
      ] as const;
    });
    sendJson(res, 200, {
      dataset_info: askedConfig ? infos[0]?.[1] : Object.fromEntries(infos),
      pending: [],
      failed: [],
      partial: false,
    });
    return;
  }
  const config = required(url, "config");
  const split = required(url, "split");
  const data = await openViewedSplit(store, viewed, config, split);
  if (endpoint === "first-rows") {
    sendJson(res, 200, {
      dataset,
      config,
      split,
      features: featureList(data.features),
      rows: await presentedRows(store, viewed, config, split, data, 0, Math.min(FIRST_ROWS, data.numRows), base),
      truncated: data.numRows > FIRST_ROWS,
    });
    return;
  }
  if (endpoint === "rows") {
    const offset = integerParam(url, "offset", 0);
    const length = integerParam(url, "length", MAX_ROWS_PAGE);
    if (length > MAX_ROWS_PAGE) {
      throw new HubError(422, `Parameter 'length' must not be greater than ${MAX_ROWS_PAGE}`, "InvalidParameter");
    }
    const end = Math.min(offset + length, data.numRows);
    sendJson(res, 200, {
      features: featureList(data.features),
      rows: offset < end ? await presentedRows(store, viewed, config, split, data, offset, end, base) : [],
      num_rows_total: data.numRows,
      num_rows_per_page: MAX_ROWS_PAGE,
      partial: false,
    });
    return;
  }
  if (endpoint === "statistics") {
    const counted = Math.min(data.numRows, STATISTICS_ROWS);
    const rows = await data.rows(0, counted);
    sendJson(res, 200, {
      num_examples: counted,
      statistics: statisticsOf(rows, data.features, (sha256) =>
        cellContext(store, viewed, config, split, "").blobHead(sha256),
      ),
      partial: counted < data.numRows,
    });
    return;
  }
  throw new HubError(404, "Not found.", "ResponseNotFound");
}

/**
 * `/datasets-server/assets/{owner}/{name}/--/{commit}/--/{config}/{split}/{row}/{column}/image.{ext}`:
 * the bytes of an image stored in a data file, served only as one of the raster types a browser
 * shows (never SVG or HTML), from the commit the URL names.
 */
export async function datasetAssetRoute(res: ServerResponse, store: RepoStore, parts: string[]): Promise<void> {
  const [owner, name, dash1, commitId, dash2, config, split, row, column, file] = parts;
  const notFound = new HubError(404, "Not found.", "ResponseNotFound");
  if (dash1 !== "--" || dash2 !== "--" || !owner || !name || !config || !split || !column || !file) throw notFound;
  if (!row || !/^\d+$/.test(row) || !commitId || !/^[0-9a-f]{40}$/.test(commitId)) throw notFound;
  const viewed = viewDataset(store, `${owner}/${name}`);
  const commit = store.resolve("dataset", viewed.id, commitId);
  const atCommit: ViewedDataset = { id: viewed.id, commit, splits: splitsOf(store, commit) };
  const data = await openViewedSplit(store, atCommit, config, split);
  const index = Number(row);
  if (index >= data.numRows) throw notFound;
  const [cell] = await data.rows(index, index + 1, [column]);
  const source = imageSource(cell?.[column]);
  if (!source || !("bytes" in source)) throw notFound;
  const facts = imageFacts(source.bytes);
  if (!facts) throw notFound;
  res.writeHead(200, {
    "Content-Type": IMAGE_TYPES[facts.type] as string,
    "Content-Length": source.bytes.length,
    "Cache-Control": "private, max-age=3600",
  });
  res.end(Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.length));
}
