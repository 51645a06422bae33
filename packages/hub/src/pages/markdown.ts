import MarkdownIt from "markdown-it";
import { escapeHtml } from "./layout.js";

/**
 * Markdown (model cards, READMEs, Markdown files in a repo) as HTML: markdown-it with raw HTML
 * turned off, so a card's `<script>` or `<img onerror>` shows as text; its link check refuses
 * `javascript:`, `vbscript:`, `file:` and non-image `data:` URLs. Relative links and images point
 * into the repo (`blob/` for links, `resolve/` for images), as on huggingface.co.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const isRelative = (href: string): boolean => !/^([a-z][a-z0-9+.-]*:|\/|#|\?)/i.test(href);

export function renderMarkdown(source: string, repoBase?: { blob: string; raw: string }): string {
  const env = {};
  const tokens = md.parse(source, env);
  if (repoBase) {
    for (const token of tokens) {
      for (const child of token.children ?? []) {
        const attr = child.type === "link_open" ? "href" : child.type === "image" ? "src" : undefined;
        const value = attr ? child.attrGet(attr) : null;
        if (attr && value && isRelative(value)) {
          child.attrSet(attr, `${child.type === "image" ? repoBase.raw : repoBase.blob}/${value.replace(/^\.\//, "")}`);
        }
      }
    }
  }
  return md.renderer.render(tokens, md.options, env);
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const shown = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";

/** The card's `model-index` results as a table (task, dataset, metric, value); empty when it has none. */
export function metricsTable(meta: Record<string, unknown>): string {
  const rows: string[] = [];
  for (const model of asArray(meta["model-index"])) {
    for (const result of asArray(asRecord(model).results)) {
      const { task, dataset, metrics } = asRecord(result);
      const taskName = shown(asRecord(task).name) || shown(asRecord(task).type);
      const data = asRecord(dataset);
      const datasetName = [shown(data.name) || shown(data.type), shown(data.split)].filter(Boolean).join(" · ");
      for (const metric of asArray(metrics)) {
        const { name, type, value } = asRecord(metric);
        rows.push(
          `<tr><td>${escapeHtml(taskName)}</td><td>${escapeHtml(datasetName)}</td><td>${escapeHtml(shown(name) || shown(type))}</td><td class="num">${escapeHtml(shown(value))}</td></tr>`,
        );
      }
    }
  }
  if (rows.length === 0) return "";
  return `<h2>Evaluation results</h2><table><thead><tr><th>task</th><th>dataset</th><th>metric</th><th>value</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The card's simple metadata (license, library, datasets, tags…) as one line of badges. */
export function metaBadges(meta: Record<string, unknown>): string {
  const out: string[] = [];
  for (const key of ["license", "library_name", "pipeline_tag", "datasets", "base_model", "tags"]) {
    const value = meta[key];
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const text = shown(item);
      if (text) out.push(`<span class="badge">${escapeHtml(key === "tags" ? text : `${key}: ${text}`)}</span>`);
    }
  }
  return out.length ? `<p>${out.join(" ")}</p>` : "";
}
