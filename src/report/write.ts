/**
 * Report files of a layer sweep: results.json, results.csv (long format), one SVG heatmap per measure,
 * and a self-contained index.html (inline SVG and CSS, no scripts, no network) that shows every
 * heatmap with its layer names, colour scale, kind (similarity or distance) and the options used.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { escapeXml, heatmapSvg } from './heatmap.js';
import { type MeasureSummary, type PairwiseResult, pairwiseCsv } from './pairwise.js';

export interface WrittenSection {
  readonly title: string;
  readonly description?: string;
  /** Folder of this section's files relative to the report's index.html ('' = same folder). */
  readonly folder: string;
  readonly result: PairwiseResult;
  readonly svgs: Readonly<Record<string, { file: string; svg: string }>>;
}

function fileSafe(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** A declared range as text: [0, 1], [0, ∞), [0, π/2] … */
export function rangeText(range: readonly [number, number]): string {
  const end = (v: number): string =>
    v === Infinity
      ? '∞'
      : v === -Infinity
        ? '−∞'
        : v === Math.PI / 2
          ? 'π/2'
          : v === Math.PI
            ? 'π'
            : v === Math.SQRT2
              ? '√2'
              : v === Math.E
                ? 'e'
                : v === Math.LN2
                  ? 'ln 2'
                  : String(v);
  return `${range[0] === -Infinity ? '(' : '['}${end(range[0])}, ${end(range[1])}${range[1] === Infinity ? ')' : ']'}`;
}

function optionsText(options: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(options);
  return entries.length === 0 ? 'defaults' : entries.map(([k, v]) => `${k}=${String(v)}`).join(', ');
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** Writes results.json, results.csv and the SVG heatmaps of one sweep into `dir`. */
export function writeSectionFiles(dir: string, title: string, result: PairwiseResult): Record<string, { file: string; svg: string }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(result, jsonReplacer, 1) + '\n');
  writeFileSync(join(dir, 'results.csv'), pairwiseCsv(result));
  const svgs: Record<string, { file: string; svg: string }> = {};
  for (const m of result.measures) {
    const notes = result.a.layers.map((la) =>
      result.b.layers.map((lb) => {
        const e = result.errors.find((x) => x.measure === m.key && x.layerA === la.name && x.layerB === lb.name);
        return e ? `${e.code}: ${e.message}` : undefined;
      }),
    );
    const svg = heatmapSvg({
      title: `${m.name} (${m.key})`,
      subtitle: `${title} — ${m.kind}, range ${rangeText(m.range)}, options: ${optionsText(m.options)}`,
      rowLabels: result.a.layers.map((l) => l.name),
      colLabels: result.b.layers.map((l) => l.name),
      rowTitle: result.a.label,
      colTitle: result.b.label,
      values: result.values[m.key]!,
      kind: m.kind,
      range: m.range,
      notes,
    });
    const file = `${fileSafe(m.key)}.svg`;
    writeFileSync(join(dir, file), svg + '\n');
    svgs[m.key] = { file, svg };
  }
  return svgs;
}

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px auto; max-width: 1100px; color: #111; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 24px 0 6px; }
.note { color: #444; font-size: 13px; } .meta { font-size: 13px; color: #333; margin: 2px 0; }
.badge { display: inline-block; font-size: 11px; padding: 1px 7px; border-radius: 9px; margin-left: 6px; vertical-align: middle; }
.similarity { background: #deebf7; color: #08306b; } .distance { background: #fee6ce; color: #7f2704; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 8px 0 20px; overflow-x: auto; } .errors { color: #8a1c1c; font-size: 12px; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
`;

function layerTable(label: string, source: string, layers: PairwiseResult['a']['layers']): string {
  const rows = layers
    .map((l) => `<tr><td>${escapeXml(l.name)}</td><td>${l.shape.join(' × ')}</td><td class="num">${l.rows} × ${l.cols}</td></tr>`)
    .join('');
  return `<p class="meta"><b>${escapeXml(label)}</b>: <code>${escapeXml(source)}</code></p><table><tr><th>layer</th><th>shape in file</th><th>as matrix (N × D)</th></tr>${rows}</table>`;
}

function measureBlock(section: WrittenSection, m: MeasureSummary): string {
  const errors = section.result.errors.filter((e) => e.measure === m.key);
  const svg = section.svgs[m.key]!;
  const link = section.folder ? `${section.folder}/${svg.file}` : svg.file;
  return [
    `<h3>${escapeXml(m.name)} <code>${escapeXml(m.key)}</code><span class="badge ${m.kind}">${m.kind}: ${m.kind === 'similarity' ? 'higher' : 'lower'} = more similar</span></h3>`,
    `<p class="meta">range ${escapeXml(rangeText(m.range))}; ${m.symmetric ? 'symmetric' : 'asymmetric (rows = first argument)'}; options: <code>${escapeXml(optionsText(m.options))}</code>; <a href="${escapeXml(link)}">SVG</a></p>`,
    `<p class="meta note">${escapeXml(m.reference)}</p>`,
    `<figure>${svg.svg.replace(/^<svg /, '<svg style="max-width:100%;height:auto" ')}</figure>`,
    errors.length
      ? `<p class="errors">${errors.length} pair(s) not computed: ${errors
          .slice(0, 5)
          .map((e) => escapeXml(`${e.layerA} × ${e.layerB}: ${e.code} ${e.message}`))
          .join('; ')}${errors.length > 5 ? ' …' : ''}</p>`
      : '',
  ].join('\n');
}

export interface IndexInput {
  readonly title: string;
  readonly intro?: string;
  readonly sections: readonly WrittenSection[];
  /** Extra HTML appended at the end (already escaped). */
  readonly extraHtml?: string;
  readonly command?: string;
}

/** The self-contained report page. */
export function indexHtml(input: IndexInput): string {
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(input.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(input.title)}</h1>`,
  ];
  if (input.intro) parts.push(`<p class="note">${input.intro}</p>`);
  parts.push(
    '<p class="note">How to read the heatmaps: rows are the layers of the first model, columns those of the second. In every map a <b>darker cell means a more similar pair of layers</b>: for a <span class="badge similarity">similarity</span> (blue) that is a higher value, for a <span class="badge distance">distance</span> (orange) a lower value. The colour bar beside each map shows which value is dark. Crossed grey cells were not computed (hover for the reason).</p>',
  );
  if (input.command) parts.push(`<p class="meta">Command: <code>${escapeXml(input.command)}</code></p>`);
  for (const section of input.sections) {
    parts.push(`<h2>${escapeXml(section.title)}</h2>`);
    if (section.description) parts.push(`<p class="note">${section.description}</p>`);
    parts.push(layerTable(section.result.a.label, section.result.a.source, section.result.a.layers));
    parts.push(layerTable(section.result.b.label, section.result.b.source, section.result.b.layers));
    const prefix = section.folder ? `${section.folder}/` : '';
    parts.push(
      `<p class="meta">Data: <a href="${escapeXml(prefix)}results.json">results.json</a>, <a href="${escapeXml(prefix)}results.csv">results.csv</a> (measure, layerA, layerB, value)</p>`,
    );
    for (const m of section.result.measures) parts.push(measureBlock(section, m));
  }
  if (input.extraHtml) parts.push(input.extraHtml);
  parts.push(`<p class="note">Made by nnsim on ${new Date().toISOString().slice(0, 10)}.</p></body></html>`);
  return parts.join('\n') + '\n';
}
