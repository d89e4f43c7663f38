/**
 * Report files of one or more layer sweeps. Per comparison (in its folder): results.json,
 * results.csv (long format), one heatmap per measure, all heatmaps as small multiples
 * (heatmaps.svg) and the best-matching layers (best-match.svg); for the report: the measures along
 * the diagonal (diagonal.svg) and a self-contained index.html (inline SVG and CSS, no scripts, no
 * network) that lays the same figures out in a grid. Every figure is written as SVG and as PNG.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { NnsimError } from '../errors.js';
import { jsonDocument } from '../json-output.js';
import {
  type ReportComparison,
  bestMatchPanel,
  comparisonHeatmaps,
  diagonalLegend,
  diagonalPanels,
  directionText,
  optionsText,
  rangeText,
  reportCellSize,
  reportScales,
} from './figures.js';
import { affixCaption, factorAffixes } from './labels.js';
import { type MeasureSummary, type PairwiseResult, pairwiseCsv } from './pairwise.js';
import { svgToPng } from './png.js';
import { type Panel, escapeXml, gridPanel, svgDocument } from './svg.js';

export { rangeText } from './figures.js';
export type { ReportComparison } from './figures.js';

export interface ReportInput {
  readonly title: string;
  /** HTML (already escaped) under the title. */
  readonly intro?: string;
  readonly comparisons: readonly ReportComparison[];
  /** One colour scale per measure for all comparisons (see reportScales). */
  readonly sharedScale?: boolean;
  /** HTML (already escaped) appended after the comparisons. */
  readonly extraHtml?: string;
  readonly command?: string;
  /** Write PNG copies of the figures (default true). */
  readonly png?: boolean;
}

export interface WrittenReport {
  /** Paths relative to the report folder, in the order written. */
  readonly files: readonly string[];
  /** Set when the PNG renderer is unavailable: the SVG figures and the page are complete without it. */
  readonly pngError?: NnsimError;
}

function fileSafe(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Writes figures as SVG and (while the renderer works) PNG. */
class FigureWriter {
  readonly files: string[] = [];
  pngError: NnsimError | undefined;

  constructor(
    private readonly dir: string,
    private readonly png: boolean,
  ) {}

  write(relative: string, content: string | Buffer): void {
    writeFileSync(join(this.dir, relative), content);
    this.files.push(relative);
  }

  figure(relativeStem: string, panel: Panel): void {
    const svg = svgDocument(panel);
    this.write(`${relativeStem}.svg`, svg);
    if (!this.png || this.pngError) return;
    try {
      this.write(`${relativeStem}.png`, svgToPng(svg));
    } catch (error) {
      if (!(error instanceof NnsimError && error.code === 'E_NATIVE_UNAVAILABLE')) throw error;
      this.pngError = error;
    }
  }

  /** "SVG · PNG" links to a figure written by figure(). */
  links(relativeStem: string): string {
    const href = (ext: string): string => `<a href="${escapeXml(`${relativeStem}.${ext}`)}">${ext.toUpperCase()}</a>`;
    return this.png && !this.pngError ? `${href('svg')} · ${href('png')}` : href('svg');
  }
}

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 20px auto; max-width: 1360px; color: #111; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 26px 0 4px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
p { margin: 4px 0; } .note { color: #444; font-size: 13px; max-width: 1100px; } .meta { font-size: 12.5px; color: #333; }
nav { font-size: 13px; margin: 6px 0; } nav a { margin-right: 14px; }
.panels { display: flex; flex-wrap: wrap; gap: 12px 18px; align-items: flex-start; margin: 8px 0; }
figure { margin: 0; } figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 11px; color: #555; margin-top: 2px; }
.errors { color: #8a1c1c; font-size: 12px; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0; } td, th { border: 1px solid #ddd; padding: 2px 7px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; }
.similarity { background: #e4f2e8; color: #1d4d2f; } .distance { background: #eceadf; color: #3f3a1e; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
@media print {
  body { max-width: none; margin: 0; padding: 0 6mm; } nav, figcaption { display: none; }
  figure, tr { break-inside: avoid; } h2 { break-after: avoid; } a { color: inherit; text-decoration: none; }
}
`;

function layersLine(label: string, source: string, layers: PairwiseResult['a']['layers']): string {
  const names = factorAffixes(layers.map((l) => l.name));
  const widths = new Set(layers.map((l) => l.cols));
  const list = layers
    .map((l, k) => `<span title="${escapeXml(`${l.name}: ${l.shape.join(' × ')} in the file`)}">${escapeXml(names.labels[k]!)}${widths.size > 1 ? ` (${l.cols})` : ''}</span>`)
    .join(', ');
  const caption = affixCaption(names);
  const features = widths.size === 1 ? `; ${[...widths][0]} features each` : '';
  return `<p class="meta"><b>${escapeXml(label)}</b> <code>${escapeXml(source)}</code> — ${layers.length} layers${caption ? ` <code>${escapeXml(caption)}</code>` : ''}${
    widths.size > 1 ? ' (features)' : ''
  }: ${list}${features}</p>`;
}

function errorsLine(result: PairwiseResult): string {
  if (result.errors.length === 0) return '';
  const shown = result.errors.slice(0, 6).map((e) => escapeXml(`${e.measure} ${e.layerA} × ${e.layerB}: ${e.code} ${e.message}`));
  return `<p class="errors">${result.errors.length} cell(s) not computed (crossed grey; hover for the reason): ${shown.join('; ')}${result.errors.length > 6 ? ' …' : ''}</p>`;
}

function measuresTable(measures: readonly MeasureSummary[]): string {
  const rows = measures.map(
    (m) =>
      `<tr><td><code>${escapeXml(m.key)}</code></td><td>${escapeXml(m.name)}</td><td><span class="badge ${m.kind}">${escapeXml(directionText(m.kind))}</span></td>` +
      `<td>${escapeXml(rangeText(m.range))}</td><td>${m.symmetric ? 'symmetric' : 'asymmetric (rows = first argument)'}</td>` +
      `<td>${escapeXml(optionsText(m.options) || 'defaults')}</td><td>${escapeXml(m.reference)}</td></tr>`,
  );
  return `<table><tr><th>id</th><th>measure</th><th>direction</th><th>range</th><th>symmetry</th><th>options</th><th>reference</th></tr>${rows.join('')}</table>`;
}

function inlineFigure(panel: Panel, className: string, caption: string, attributes = ''): string {
  return `<figure class="${className}"${attributes}>${svgDocument(panel, className)}<figcaption>${caption}</figcaption></figure>`;
}

/** Writes every file of the report into `dir` and returns what it wrote. */
export function writeReport(dir: string, input: ReportInput): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const out = new FigureWriter(dir, input.png ?? true);
  const scales = reportScales(input.comparisons, input.sharedScale ?? false);
  const cellSize = reportCellSize(input.comparisons);
  const sections: string[] = [];
  input.comparisons.forEach((comparison, c) => {
    const { result, folder } = comparison;
    const at = (name: string): string => (folder ? `${folder}/${name}` : name);
    if (folder) mkdirSync(join(dir, folder), { recursive: true });
    out.write(at('results.json'), jsonDocument('pairwise', result) + '\n');
    out.write(at('results.csv'), pairwiseCsv(result));
    const heatmaps = comparisonHeatmaps(comparison, scales[c]!, cellSize);
    const figures: string[] = [];
    for (const m of result.measures) {
      const stem = at(fileSafe(m.key));
      out.figure(stem, heatmaps[m.key]!);
      figures.push(inlineFigure(heatmaps[m.key]!, 'heatmap', `<code>${escapeXml(m.key)}</code> ${out.links(stem)}`, ` data-measure="${escapeXml(m.key)}"`));
    }
    const panels = result.measures.map((m) => heatmaps[m.key]!);
    out.figure(at('heatmaps'), gridPanel(panels, { title: comparison.title, columns: Math.min(4, panels.length) }));
    const best = bestMatchPanel(comparison);
    out.figure(at('best-match'), best);
    figures.push(inlineFigure(best, 'lineplot best-match', `best-matching layers ${out.links(at('best-match'))}`));
    sections.push(
      [
        `<section aria-labelledby="comparison-${c + 1}"><h2 id="comparison-${c + 1}">${escapeXml(comparison.title)}</h2>`,
        comparison.description ? `<p class="note">${comparison.description}</p>` : '',
        layersLine(result.a.label, result.a.source, result.a.layers),
        result.b.source === result.a.source && result.b.label === result.a.label ? '' : layersLine(result.b.label, result.b.source, result.b.layers),
        `<p class="meta">All heatmaps: ${out.links(at('heatmaps'))}. Data: <a href="${escapeXml(at('results.json'))}">results.json</a>, <a href="${escapeXml(at('results.csv'))}">results.csv</a> (measure, layerA, layerB, value)</p>`,
        `<div class="panels">${figures.join('\n')}</div>`,
        errorsLine(result),
        '</section>',
      ].join('\n'),
    );
  });
  // The measures along the diagonal, all comparisons in each panel.
  const diagonal = diagonalPanels(input.comparisons);
  let diagonalSection = '';
  if (diagonal.length > 0) {
    const legendPanel = diagonalLegend(input.comparisons);
    out.figure('diagonal', gridPanel(diagonal, { title: 'Layer i vs layer i', header: legendPanel ?? undefined, columns: Math.min(4, diagonal.length) }));
    diagonalSection = [
      `<section aria-labelledby="diagonal"><h2 id="diagonal">Along depth: layer i vs layer i</h2>`,
      `<p class="meta">Each measure on the diagonal of its heatmap (the same layer index in both models). ${out.links('diagonal')}</p>`,
      legendPanel ? `<div class="legend">${svgDocument(legendPanel, 'legend')}</div>` : '',
      `<div class="panels">${diagonal.map((p) => inlineFigure(p, 'lineplot diagonal', '')).join('\n')}</div>`,
      '</section>',
    ].join('\n');
  }
  const measures = [...new Map(input.comparisons.flatMap((c) => c.result.measures.map((m) => [m.key, m] as const))).values()];
  const nav = input.comparisons.length > 1 || diagonalSection
    ? `<nav>${diagonalSection ? '<a href="#diagonal">Along depth</a>' : ''}${input.comparisons.map((c, k) => `<a href="#comparison-${k + 1}">${escapeXml(c.title)}</a>`).join('')}<a href="#measures">Measures</a></nav>`
    : '';
  const scaleNote = input.sharedScale
    ? "Each measure has one colour scale for the whole report: its declared range where that is finite, else the extent of all values (<code>--shared-scale</code>)."
    : "Each heatmap's colours span its own values (rounded out; the ticks under it say where): compare colours within a map, numbers across maps (<code>--shared-scale</code> gives every measure one scale).";
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(input.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(input.title)}</h1>`,
    input.intro ? `<p class="note">${input.intro}</p>` : '',
    `<p class="note">How to read: in each heatmap rows are layers of the first model, columns layers of the second; <b>darker (on the red–blue maps: more saturated blue) = more similar</b>. ` +
      `Similarities (viridis; blue–red for measures in [−1, 1], 0 light) are dark at high values; distances (cividis) are drawn reversed, dark at low values — the arrow under each colour bar points to the more similar end. ` +
      `${scaleNote} Crossed grey cells were not computed; hover a cell for its exact value.</p>`,
    input.command ? `<p class="meta">Command: <code>${escapeXml(input.command)}</code></p>` : '',
    nav,
    diagonalSection,
    ...sections,
    input.extraHtml ?? '',
    `<section aria-labelledby="measures"><h2 id="measures">Measures</h2>${measuresTable(measures)}</section>`,
    `<p class="note">Made by nnsim on ${new Date().toISOString().slice(0, 10)}.</p></body></html>`,
  ];
  out.write('index.html', parts.filter(Boolean).join('\n') + '\n');
  return { files: out.files, pngError: out.pngError };
}
