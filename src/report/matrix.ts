/**
 * The report of a many-model run (`nnsim matrix`, `nnsim merge`): per measure the K × K matrix as a
 * heatmap (optionally in hierarchical-clustering order) and, for measures that are metrics, a classical
 * MDS map of the K rows; the layer × layer matrix beside a model × model reduction; results.json and
 * results.csv; one self-contained index.html (inline SVG and CSS, no scripts, no network).
 */
import { mkdirSync } from 'node:fs';

import { averageLinkage, matrixDistances } from './cluster.js';
import { measureScale } from './colour.js';
import { directionText, extrasTooltip, measureSubtitle } from './figures.js';
import { defaultCellSize, heatmapPanel } from './heatmap.js';
import { classicalMds } from './mds.js';
import { type MeasureSummary, csvText } from './pairwise.js';
import { scatterPanel } from './scatter.js';
import { type Panel, escapeXml, formatValue } from './svg.js';
import { jsonDocument } from '../json-output.js';
import { FigureWriter, type WrittenReport, fileSafe, inlineFigure, measuresTable, pageStart } from './write.js';

/** A measure of the report: its summary, and whether it is a metric under the options (and reduction) used. */
export interface MatrixReportMeasure extends MeasureSummary {
  readonly metric: boolean;
}

export interface MatrixErrorRecord {
  readonly measure: string;
  readonly row: string;
  readonly col: string;
  readonly code: string;
  readonly message: string;
}

/** K × K values of every measure over named rows. */
export interface MatrixTable {
  /** What a row is: 'model' or 'layer' (axis titles; 'models'/'layers' in the text). */
  readonly axis: 'model' | 'layer';
  readonly names: readonly string[];
  /** The model of each row (rows of one model share a colour in the MDS map) … */
  readonly groups?: readonly string[];
  /** … and the row's label beside its point (default: its name). */
  readonly labels?: readonly string[];
  /** values[key][i][j]; null where the cell failed. */
  readonly values: Readonly<Record<string, readonly (readonly (number | null)[])[]>>;
  readonly errors: readonly MatrixErrorRecord[];
  /** Further per-cell results by measure key and name (intervals, p-values …), shown on hover and in the CSV. */
  readonly extras?: Readonly<Record<string, Readonly<Record<string, readonly (readonly (number | null)[])[]>>>>;
  /** Cells to hatch by measure key (e.g. not distinguishable from a null), explained by `markLegends`. */
  readonly marks?: Readonly<Record<string, readonly (readonly boolean[])[]>>;
  readonly markLegends?: Readonly<Record<string, string>>;
}

export interface MatrixReportInput {
  readonly title: string;
  /** HTML (already escaped) under the title. */
  readonly intro?: string;
  readonly command?: string;
  readonly measures: readonly MatrixReportMeasure[];
  /** The matrix shown first: models × models, or every (model, layer) row. */
  readonly main: MatrixTable;
  /** With a reduction: the layer × layer matrix it was made from (shown under each model × model map). */
  readonly detail?: MatrixTable;
  /** HTML (already escaped) saying how `main` was made from `detail`. */
  readonly reduction?: string;
  /** HTML (already escaped) saying what the per-cell inference (extras, marks) is. */
  readonly inference?: string;
  /** The JSON document written as results.json. */
  readonly results: object;
  /** Rows in hierarchical-clustering order (average linkage). */
  readonly cluster?: boolean;
  readonly sharedScale?: boolean;
  readonly png?: boolean;
}

/** Long format: one line per (measure, row, column), extras as further columns; empty where a cell failed. */
export function matrixCsv(table: MatrixTable, measures: readonly MeasureSummary[]): string {
  const extraNames = [...new Set(measures.flatMap((m) => Object.keys(table.extras?.[m.key] ?? {})))];
  const lines = [['measure', 'row', 'col', 'value', ...extraNames].join(',')];
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  for (const m of measures) {
    table.names.forEach((row, i) => {
      table.names.forEach((col, j) => {
        const extras = extraNames.map((name) => cell(table.extras?.[m.key]?.[name]?.[i]?.[j]));
        lines.push([...[m.key, row, col].map(csvText), cell(table.values[m.key]![i]![j]), ...extras].join(','));
      });
    });
  }
  return lines.join('\n') + '\n';
}

interface MeasureFigures {
  readonly panels: { readonly stem: string; readonly panel: Panel; readonly className: string; readonly caption: string }[];
  readonly notes: string[];
}

function flatValues(table: MatrixTable, key: string): Float64Array {
  const k = table.names.length;
  const out = new Float64Array(k * k);
  table.values[key]!.forEach((row, i) => row.forEach((v, j) => (out[i * k + j] = v ?? NaN)));
  return out;
}

function tooltips(table: MatrixTable, key: string): (string | undefined)[][] {
  const errors = new Map(table.errors.filter((e) => e.measure === key).map((e) => [`${e.row}\u0000${e.col}`, `${e.code}: ${e.message}`]));
  return table.names.map((row, i) => table.names.map((col, j) => errors.get(`${row}\u0000${col}`) ?? extrasTooltip(table.extras?.[key], i, j)));
}

/** The heatmap (and its clustering note) of one measure over one table. */
function heatmapOf(table: MatrixTable, m: MatrixReportMeasure, cluster: boolean, sharedScale: boolean, title: string, label: string): { panel: Panel; note?: string } {
  const k = table.names.length;
  const flat = flatValues(table, m.key);
  let order: number[] | undefined;
  let note: string | undefined;
  if (cluster) {
    const distances = matrixDistances(flat, k, m.kind, m.range);
    if (distances) {
      order = [...averageLinkage(distances.distances, k).order];
      note = `${label}: rows and columns in average-linkage clustering order; distances = ${escapeXml(distances.how)}.`;
    } else {
      note = `${label}: not clustered (failed cells have no distance); rows in input order.`;
    }
  }
  const panel = heatmapPanel({
    title,
    subtitle: measureSubtitle(m),
    values: table.values[m.key]!,
    rowLabels: table.names,
    colLabels: table.names,
    rowTitle: table.axis,
    colTitle: table.axis,
    scale: measureScale({ kind: m.kind, range: m.range, values: flat, fit: sharedScale ? 'range' : 'data' }),
    cellSize: defaultCellSize(k),
    tooltips: tooltips(table, m.key),
    marks: table.marks?.[m.key],
    markLegend: table.markLegends?.[m.key],
    rowOrder: order,
    colOrder: order,
    scaleCaption: directionText(m.kind),
  });
  return { panel, note };
}

/** The classical-MDS map of a metric measure, or why there is none. */
function mdsOf(table: MatrixTable, m: MatrixReportMeasure): { panel?: Panel; note?: string } {
  if (!m.metric) return {};
  const k = table.names.length;
  const distances = matrixDistances(flatValues(table, m.key), k, m.kind, m.range);
  if (!distances) return { note: `<code>${escapeXml(m.key)}</code>: no MDS map (failed cells have no distance).` };
  if (k < 3) return { note: `<code>${escapeXml(m.key)}</code>: no MDS map for fewer than three ${table.axis}s.` };
  const map = classicalMds(distances.distances, k);
  const percent = (v: number): string => `${Math.round(100 * v)}%`;
  const panel = scatterPanel({
    title: `${m.name}: classical MDS`,
    subtitle: `${m.key} · axes hold ${percent(map.explained[0])} and ${percent(map.explained[1])} of the positive eigenvalues`,
    points: table.names.map((name, i) => ({
      x: map.x[i]!,
      y: map.y[i]!,
      label: table.labels?.[i] ?? name,
      group: table.groups?.[i],
      tooltip: name,
    })),
    xTitle: 'MDS axis 1',
    yTitle: 'MDS axis 2',
    equalAspect: true,
  });
  const note =
    `<code>${escapeXml(m.key)}</code> is a metric: the map places the ${k} ${table.axis}s so that their distances on the page approximate ` +
    `its values (classical MDS; ${percent(map.explained[0] + map.explained[1])} of the positive eigenvalues on the two axes).`;
  return { panel, note };
}

/** Writes results.json, results.csv, one heatmap (and MDS map) per measure and index.html into `dir`. */
export function writeMatrixReport(dir: string, input: MatrixReportInput): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const out = new FigureWriter(dir, input.png ?? true);
  out.write('results.json', jsonDocument('matrix', input.results) + '\n');
  out.write('results.csv', matrixCsv(input.main, input.measures));
  if (input.detail) out.write('layers.csv', matrixCsv(input.detail, input.measures));
  const cluster = input.cluster === true;
  const shared = input.sharedScale === true;
  const sections: string[] = [];
  input.measures.forEach((m, index) => {
    const figures: MeasureFigures = { panels: [], notes: [] };
    const main = heatmapOf(input.main, m, cluster, shared, m.name, `<code>${escapeXml(m.key)}</code>`);
    figures.panels.push({ stem: fileSafe(m.key), panel: main.panel, className: 'heatmap', caption: `<code>${escapeXml(m.key)}</code>` });
    if (main.note) figures.notes.push(main.note);
    const mds = mdsOf(input.main, m);
    if (mds.panel) figures.panels.push({ stem: `${fileSafe(m.key)}-mds`, panel: mds.panel, className: 'scatter mds', caption: 'classical MDS' });
    if (mds.note) figures.notes.push(mds.note);
    if (input.detail) {
      const detail = heatmapOf(input.detail, m, cluster, shared, `${m.name}: every layer`, `<code>${escapeXml(m.key)}</code> (every layer)`);
      figures.panels.push({ stem: `${fileSafe(m.key)}-layers`, panel: detail.panel, className: 'heatmap layers', caption: 'layer × layer' });
      if (detail.note) figures.notes.push(detail.note);
    }
    const inline = figures.panels.map((f) => {
      out.figure(f.stem, f.panel);
      return inlineFigure(f.panel, f.className, `${f.caption} ${out.links(f.stem)}`, ` data-measure="${escapeXml(m.key)}"`);
    });
    const failed = input.main.errors.filter((e) => e.measure === m.key);
    const errorsLine = failed.length
      ? `<p class="errors">${failed.length} cell(s) not computed (crossed grey; hover for the reason): ${failed
          .slice(0, 6)
          .map((e) => escapeXml(`${e.row} × ${e.col}: ${e.code} ${e.message}`))
          .join('; ')}${failed.length > 6 ? ' …' : ''}</p>`
      : '';
    sections.push(
      [
        `<section aria-labelledby="measure-${index + 1}"><h2 id="measure-${index + 1}">${escapeXml(m.name)} <code>${escapeXml(m.key)}</code></h2>`,
        `<div class="panels">${inline.join('\n')}</div>`,
        figures.notes.map((n) => `<p class="note">${n}</p>`).join('\n'),
        errorsLine,
        '</section>',
      ].join('\n'),
    );
  });
  const k = input.main.names.length;
  const nav =
    input.measures.length > 1
      ? `<nav>${input.measures.map((m, i) => `<a href="#measure-${i + 1}">${escapeXml(m.key)}</a>`).join('')}<a href="#measures">Measures</a></nav>`
      : '';
  const scaleNote = shared
    ? "Each measure's colours span its declared range where that is finite, else the extent of its values (<code>--shared-scale</code>)."
    : "Each heatmap's colours span its own values (rounded out; the ticks under it say where).";
  const parts = [
    ...pageStart(input.title, input.intro),
    `<p class="note">How to read: each heatmap shows one measure for every pair of the ${k} ${input.main.axis}s (row against column; ` +
      `asymmetric measures take the row as their first argument). <b>Darker (on the red–blue maps: more saturated blue) = more similar</b>: ` +
      `similarities are dark at high values, distances at low values — the arrow under each colour bar points to the more similar end. ${scaleNote} ` +
      `Crossed grey cells were not computed; hover a cell for its exact value.</p>`,
    input.reduction ? `<p class="note">${input.reduction}</p>` : '',
    input.inference ? `<p class="note">${input.inference}</p>` : '',
    input.command ? `<p class="meta">Command: <code>${escapeXml(input.command)}</code></p>` : '',
    `<p class="meta">Data: <a href="results.json">results.json</a>, <a href="results.csv">results.csv</a> (measure, row, col, value)${
      input.detail ? ', <a href="layers.csv">layers.csv</a> (every layer pair)' : ''
    }</p>`,
    nav,
    ...sections,
    `<section aria-labelledby="measures"><h2 id="measures">Measures</h2>${measuresTable(input.measures)}</section>`,
    `<p class="note">Made by nnsim on ${new Date().toISOString().slice(0, 10)}.</p></body></html>`,
  ];
  out.write('index.html', parts.filter(Boolean).join('\n') + '\n');
  return { files: out.files, pngError: out.pngError };
}
