import type { ServerResponse } from "node:http";
import { HubError } from "../http.js";
import type { RepoMeta, RepoStore } from "../repos.js";
import { presentRow } from "../viewer/cells.js";
import { cellContext, openViewedSplit, type ViewedDataset, viewDataset } from "../viewer/dataset.js";
import type { Feature, Features } from "../viewer/features.js";
import { type ColumnStatistics, statisticsOf } from "../viewer/statistics.js";
import { escapeHtml, sendPage } from "./layout.js";
import { repoHref } from "./repo-pages.js";

/**
 * The dataset viewer for a person: a preview of the first rows on a dataset's page, and
 * `/datasets/{owner}/{name}/viewer[/{config}/{split}]?p=N` paging through a split 50 rows at a
 * time, with each column's statistics. Images show inline (served from this Hub); every other
 * cell is text, escaped and clipped.
 */

const PAGE_ROWS = 50;
const PREVIEW_ROWS = 10;
const SHOWN_CHARS = 300;

const clipped = (text: string): string => (text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text);

function cellHtml(value: unknown, feature: Feature | undefined): string {
  if (value === null || value === undefined) return '<span class="muted">null</span>';
  if (feature?._type === "Image" && typeof value === "object" && "src" in value) {
    const { src, width, height } = value as { src: string; width: number; height: number };
    return `<img src="${escapeHtml(src)}" alt="" loading="lazy" style="max-height:64px;max-width:128px"> <span class="muted">${width}×${height}</span>`;
  }
  if (feature?._type === "ClassLabel" && typeof value === "number") {
    const name = (feature as { names: string[] }).names[value];
    return name === undefined ? String(value) : `${escapeHtml(name)} <span class="muted">(${value})</span>`;
  }
  return escapeHtml(clipped(typeof value === "string" ? value : JSON.stringify(value)));
}

async function rowsTable(
  store: RepoStore,
  viewed: ViewedDataset,
  config: string,
  split: string,
  features: Features,
  rows: Record<string, unknown>[],
  start: number,
): Promise<string> {
  const context = cellContext(store, viewed, config, split, "");
  const names = Object.keys(features);
  const head = `<tr><th>#</th>${names.map((name) => `<th>${escapeHtml(name)}</th>`).join("")}</tr>`;
  const body = rows.map((raw, i) => {
    const { row } = presentRow(raw, features, start + i, context);
    return `<tr><td class="num">${start + i}</td>${names.map((name) => `<td>${cellHtml(row[name], features[name])}</td>`).join("")}</tr>`;
  });
  return `<table><thead>${head}</thead><tbody>${body.join("")}</tbody></table>`;
}

const num = (value: unknown): string => (typeof value === "number" ? String(value) : "");

function statSummary(stat: ColumnStatistics): string {
  const s = stat.column_statistics;
  const nulls = typeof s.nan_count === "number" && s.nan_count > 0 ? ` · ${s.nan_count} null` : "";
  if (s.frequencies && typeof s.frequencies === "object") {
    const top = Object.entries(s.frequencies as Record<string, number>)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, count]) => `${escapeHtml(clipped(name))} ${count}`);
    return `${num(s.n_unique)} values: ${top.join(", ")}${nulls}`;
  }
  const what =
    stat.column_type === "string_text"
      ? "length "
      : stat.column_type === "list"
        ? "items "
        : stat.column_type === "image"
          ? "width "
          : "";
  return `${what}${num(s.min)}–${num(s.max)} · mean ${num(s.mean)} · std ${num(s.std)}${nulls}`;
}

function statsTable(stats: ColumnStatistics[]): string {
  if (stats.length === 0) return "";
  const rows = stats.map(
    (stat) =>
      `<tr><td>${escapeHtml(stat.column_name)}</td><td>${escapeHtml(stat.column_type)}</td><td>${statSummary(stat)}</td></tr>`,
  );
  return `<h3>Columns</h3><table><thead><tr><th>column</th><th>type</th><th>statistics</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const viewerHref = (meta: RepoMeta, config: string, split: string, page?: number): string =>
  `${repoHref({ type: meta.type, id: meta.id })}/viewer/${encodeURIComponent(config)}/${encodeURIComponent(split)}${page ? `?p=${page}` : ""}`;

function splitLinks(meta: RepoMeta, viewed: ViewedDataset, current?: { config: string; split: string }): string {
  const links = viewed.splits.map((s) => {
    const label = `${s.config === "default" ? "" : `${s.config} / `}${s.split}`;
    const here = current && current.config === s.config && current.split === s.split;
    return here
      ? `<strong>${escapeHtml(label)}</strong>`
      : `<a href="${viewerHref(meta, s.config, s.split)}">${escapeHtml(label)}</a>`;
  });
  return `<p>Splits: ${links.join(" · ")}</p>`;
}

/** The dataset page's preview: the first rows of its first split, and links to the viewer. Empty when it has no data. */
export async function datasetPreview(store: RepoStore, meta: RepoMeta): Promise<string> {
  const viewed = viewDataset(store, meta.id);
  const first = viewed.splits[0];
  if (!first) return "";
  try {
    const data = await openViewedSplit(store, viewed, first.config, first.split);
    const rows = await data.rows(0, Math.min(PREVIEW_ROWS, data.numRows));
    const table = await rowsTable(store, viewed, first.config, first.split, data.features, rows, 0);
    return `<h2>Dataset preview</h2>${splitLinks(meta, viewed)}<p class="muted">The first ${rows.length} of ${data.numRows} rows of ${escapeHtml(first.split)}; <a href="${viewerHref(meta, first.config, first.split)}">open the viewer</a>.</p>${table}`;
  } catch (error) {
    return `<h2>Dataset preview</h2><p class="muted">The viewer cannot read this dataset: ${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`;
  }
}

/** `/datasets/{owner}/{name}/viewer[/{config}/{split}]?p=N`. */
export async function viewerPage(
  res: ServerResponse,
  store: RepoStore,
  meta: RepoMeta,
  url: URL,
  config?: string,
  split?: string,
): Promise<void> {
  const viewed = viewDataset(store, meta.id);
  const chosen = config && split ? { config, split } : viewed.splits[0];
  const title = `${meta.id} · viewer`;
  const heading = `<p class="muted">Dataset viewer</p><h1><a href="${repoHref({ type: meta.type, id: meta.id })}">${escapeHtml(meta.id)}</a></h1>`;
  if (!chosen) {
    sendPage(res, 200, title, `${heading}<p class="muted">This dataset has no data files the viewer reads.</p>`);
    return;
  }
  const data = await openViewedSplit(store, viewed, chosen.config, chosen.split);
  const pages = Math.max(1, Math.ceil(data.numRows / PAGE_ROWS));
  const page = Number(url.searchParams.get("p") ?? "0");
  if (!Number.isInteger(page) || page < 0 || page >= pages)
    throw new HubError(404, `No page ${url.searchParams.get("p")}: the split has ${pages}`);
  const start = page * PAGE_ROWS;
  const rows = await data.rows(start, Math.min(start + PAGE_ROWS, data.numRows));
  const stats = statisticsOf(await data.rows(0, Math.min(data.numRows, 100_000)), data.features, (sha) =>
    cellContext(store, viewed, chosen.config, chosen.split, "").blobHead(sha),
  );
  const nav = [
    page > 0 ? `<a href="${viewerHref(meta, chosen.config, chosen.split, page - 1)}">← previous</a>` : "",
    `rows ${start}–${start + rows.length - 1} of ${data.numRows}`,
    page + 1 < pages ? `<a href="${viewerHref(meta, chosen.config, chosen.split, page + 1)}">next →</a>` : "",
  ].filter(Boolean);
  sendPage(
    res,
    200,
    title,
    `${heading}${splitLinks(meta, viewed, chosen)}<p>${nav.join(" · ")}</p>${await rowsTable(store, viewed, chosen.config, chosen.split, data.features, rows, start)}${statsTable(stats)}`,
  );
}
