import { metricNames, type ProjectTables, paramNames, runNames } from "./track-table.js";

/**
 * What a person opens to compare a project's runs: a Markdown table (one row per run: its params
 * and the last value of each metric, the best run's in bold) and an SVG of the curves (one panel
 * per metric, one line per run). Every name and value in them comes from logged data, so each is
 * escaped for where it goes: Markdown cells, SVG text.
 */

const SHOWN_METRICS = 8;
const SHOWN_PARAMS = 8;
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Names where a smaller number is the better one. */
const LOWER_IS_BETTER = /(loss|error|err\b|perplexity|ppl|mse|mae|rmse|wer|cer|_time|seconds|latency)/i;
export const lowerIsBetter = (metric: string): boolean => LOWER_IS_BETTER.test(metric);

/** Text safe in a Markdown table cell on huggingface.co and the local Hub (raw HTML off or sanitised). */
export function markdownCell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|#!~]/g, (c) => `\\${c}`)
    .replace(/\s+/g, " ")
    .slice(0, 200);
}

const xml = (text: string): string =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/** Each run's last logged value of each metric (by step). */
export function lastValues(tables: ProjectTables): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const rows = [...tables.metrics].sort((a, b) => a.step - b.step);
  for (const row of rows) {
    const values = out.get(row.run_name) ?? new Map<string, number>();
    for (const [name, value] of Object.entries(row.metrics)) if (typeof value === "number") values.set(name, value);
    out.set(row.run_name, values);
  }
  return out;
}

/** The run whose last value of `metric` is best, when any run logged it as a finite number. */
export function bestRun(last: Map<string, Map<string, number>>, metric: string): string | undefined {
  let best: { run: string; value: number } | undefined;
  for (const [run, values] of last) {
    const value = values.get(metric);
    if (value === undefined || !Number.isFinite(value)) continue;
    if (!best || (lowerIsBetter(metric) ? value < best.value : value > best.value)) best = { run, value };
  }
  return best?.run;
}

/** The comparison table, Markdown. */
export function comparisonTable(tables: ProjectTables): string {
  const runs = runNames(tables);
  if (runs.length === 0) return "No runs logged yet.";
  const metrics = metricNames(tables).slice(0, SHOWN_METRICS);
  const params = paramNames(tables)
    .filter((name) => !name.startsWith("_"))
    .slice(0, SHOWN_PARAMS);
  const last = lastValues(tables);
  const steps = new Map<string, number>();
  for (const row of tables.metrics) steps.set(row.run_name, (steps.get(row.run_name) ?? 0) + 1);
  const best = new Map(metrics.map((metric) => [metric, bestRun(last, metric)]));
  const header = [
    "run",
    "steps",
    ...params.map(markdownCell),
    ...metrics.map((m) => `${markdownCell(m)} (${lowerIsBetter(m) ? "↓" : "↑"})`),
  ];
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`];
  for (const run of runs) {
    const config = tables.configs.find((row) => row.run_name === run)?.config ?? {};
    const cells = [
      markdownCell(run),
      String(steps.get(run) ?? 0),
      ...params.map((name) => {
        const value = config[name];
        return value === undefined || value === null
          ? ""
          : markdownCell(typeof value === "number" ? formatNumber(value) : String(value));
      }),
      ...metrics.map((metric) => {
        const value = last.get(run)?.get(metric);
        if (value === undefined) return "";
        return best.get(metric) === run ? `**${formatNumber(value)}**` : formatNumber(value);
      }),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const hidden = metricNames(tables).length - metrics.length;
  if (hidden > 0) lines.push("", `${hidden} more metric${hidden === 1 ? "" : "s"} in the Parquet file.`);
  return lines.join("\n");
}

const PANEL_W = 360;
const PANEL_H = 220;
const PAD = { left: 56, right: 12, top: 26, bottom: 28 };

/** The curves, SVG: one panel per metric (up to 8), one line per run, a legend below. */
export function curvesSvg(tables: ProjectTables, title: string): string {
  const runs = runNames(tables);
  const metrics = metricNames(tables).slice(0, SHOWN_METRICS);
  const color = new Map(runs.map((run, i) => [run, PALETTE[i % PALETTE.length] as string]));
  const columns = metrics.length > 1 ? 2 : 1;
  const rows = Math.max(1, Math.ceil(metrics.length / columns));
  const legendRows = Math.ceil(runs.length / 3);
  const width = columns * PANEL_W;
  const height = 30 + rows * PANEL_H + 10 + legendRows * 18;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${xml(title)}</text>`,
  ];
  metrics.forEach((metric, index) => {
    const x0 = (index % columns) * PANEL_W;
    const y0 = 30 + Math.floor(index / columns) * PANEL_H;
    const points = tables.metrics
      .map((row) => ({ run: row.run_name, step: row.step, value: row.metrics[metric] }))
      .filter((p): p is { run: string; step: number; value: number } => typeof p.value === "number");
    const finite = points.filter((p) => Number.isFinite(p.value));
    const left = x0 + PAD.left;
    const right = x0 + PANEL_W - PAD.right;
    const top = y0 + PAD.top;
    const bottom = y0 + PANEL_H - PAD.bottom;
    parts.push(`<text x="${left}" y="${y0 + 16}" font-weight="bold">${xml(metric)}</text>`);
    parts.push(
      `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#cccccc"/>`,
    );
    if (finite.length === 0) {
      parts.push(`<text x="${left + 8}" y="${top + 20}" fill="#888888">no finite values</text>`);
      return;
    }
    const minStep = Math.min(...finite.map((p) => p.step));
    const maxStep = Math.max(...finite.map((p) => p.step));
    let lo = Math.min(...finite.map((p) => p.value));
    let hi = Math.max(...finite.map((p) => p.value));
    if (lo === hi) {
      lo -= Math.abs(lo) * 0.05 || 1;
      hi += Math.abs(hi) * 0.05 || 1;
    }
    const sx = (step: number) =>
      left + (maxStep === minStep ? 0.5 : (step - minStep) / (maxStep - minStep)) * (right - left);
    const sy = (value: number) => bottom - ((value - lo) / (hi - lo)) * (bottom - top);
    parts.push(`<text x="${left - 4}" y="${top + 4}" text-anchor="end">${xml(formatNumber(hi))}</text>`);
    parts.push(`<text x="${left - 4}" y="${bottom}" text-anchor="end">${xml(formatNumber(lo))}</text>`);
    parts.push(`<text x="${left}" y="${bottom + 14}">${minStep}</text>`);
    parts.push(`<text x="${right}" y="${bottom + 14}" text-anchor="end">step ${maxStep}</text>`);
    for (const run of runs) {
      // A NaN or infinite value breaks the line: a diverged run shows where it stopped being a number.
      const segments: string[][] = [[]];
      for (const p of points.filter((q) => q.run === run).sort((a, b) => a.step - b.step)) {
        if (Number.isFinite(p.value)) segments.at(-1)?.push(`${sx(p.step).toFixed(1)},${sy(p.value).toFixed(1)}`);
        else if ((segments.at(-1)?.length ?? 0) > 0) segments.push([]);
      }
      for (const segment of segments) {
        if (segment.length === 1)
          parts.push(
            `<circle cx="${segment[0]?.split(",")[0]}" cy="${segment[0]?.split(",")[1]}" r="2.5" fill="${color.get(run)}"/>`,
          );
        else if (segment.length > 1)
          parts.push(
            `<polyline fill="none" stroke="${color.get(run)}" stroke-width="1.5" points="${segment.join(" ")}"/>`,
          );
      }
    }
  });
  const legendTop = 30 + rows * PANEL_H + 10;
  runs.forEach((run, i) => {
    const x = 8 + (i % 3) * (width / 3);
    const y = legendTop + Math.floor(i / 3) * 18;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="3" fill="${color.get(run)}"/>`);
    parts.push(`<text x="${x + 16}" y="${y + 5}">${xml(run.length > 40 ? `${run.slice(0, 40)}…` : run)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Where a project's files live in the dataset. */
export const projectFiles = (project: string) => ({
  metrics: `${project}.parquet`,
  configs: `${project}_configs.parquet`,
  curves: `${project}_curves.svg`,
});

export const CARD_MARKER = "<!-- pincer-experiment-tracking -->";
const sectionStart = (project: string) => `<!-- project: ${project} -->`;
const sectionEnd = (project: string) => `<!-- /project: ${project} -->`;

/** The projects a card made by `trackingCard` holds, in order. */
export function cardProjects(card: string): string[] {
  return [...card.matchAll(/<!-- project: ([A-Za-z0-9_-]{1,64}) -->/g)].map((m) => m[1] as string);
}

/** One project's section of the card: its comparison table, curves and artifacts. */
export function projectSection(project: string, tables: ProjectTables, artifacts: Map<string, string[]>): string {
  const files = projectFiles(project);
  const lines = [
    sectionStart(project),
    `## ${project}`,
    "",
    comparisonTable(tables),
    "",
    `![${project} curves](${files.curves})`,
    "",
    `Data: [\`${files.metrics}\`](${files.metrics}) (one row per logged step), [\`${files.configs}\`](${files.configs}) (one row per run's params).`,
  ];
  const logged = [...artifacts].filter(([, paths]) => paths.length > 0);
  if (logged.length > 0) {
    lines.push("", "Artifacts:");
    for (const [run, paths] of logged) {
      const links = paths.map((path) => `[${markdownCell(path.split("/").at(-1) ?? path)}](${encodeURI(path)})`);
      lines.push(`- ${markdownCell(run)}: ${links.join(", ")}`);
    }
  }
  lines.push(sectionEnd(project));
  return lines.join("\n");
}

/**
 * The dataset's README: front matter naming each project's two Parquet files as viewer configs
 * (so the Hub's viewer shows them), a word on the layout, then one section per project. `previous`
 * is the card as it was (sections of other projects are kept); `project`'s section is replaced.
 */
export function trackingCard(dataset: string, previous: string | undefined, project: string, section: string): string {
  const sections = new Map<string, string>();
  for (const name of previous ? cardProjects(previous) : []) {
    const start = previous?.indexOf(sectionStart(name)) ?? -1;
    const end = previous?.indexOf(sectionEnd(name), start) ?? -1;
    if (start >= 0 && end > start) sections.set(name, previous?.slice(start, end + sectionEnd(name).length) ?? "");
  }
  sections.set(project, section);
  const projects = [...sections.keys()];
  const configs = projects.flatMap((name) => {
    const files = projectFiles(name);
    return [
      `- config_name: ${name}`,
      `  data_files: "${files.metrics}"`,
      `- config_name: ${name}_configs`,
      `  data_files: "${files.configs}"`,
    ];
  });
  return [
    "---",
    "tags:",
    "- trackio",
    "- pincer",
    "- experiment-tracking",
    "configs:",
    ...configs,
    "---",
    "",
    CARD_MARKER,
    `# ${markdownCell(dataset)}: experiment tracking`,
    "",
    "Runs logged by Pincer's `hf_track_log` in trackio's dataset layout: `<project>.parquet` holds one row per",
    "logged step (`id`, `timestamp`, `run_name`, `step`, then one column per metric), `<project>_configs.parquet`",
    "one row per run (`id`, `run_name`, `created_at`, then one column per param), `artifacts/<project>/<run>/`",
    "the files a run logged. It is the layout trackio's dataset sync writes and imports back; pandas and the",
    "datasets library read the Parquet files as they are.",
    "",
    ...projects.map((name) => `${sections.get(name)}\n`),
  ].join("\n");
}
