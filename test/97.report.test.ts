// The report: colour scales (perceptually uniform, oriented so that darker = more similar), the figure
// components later features build on (heatmap with order/tooltips/marks, line plot, labelled scatter),
// PNG rendering without a browser, the files `nnsim pairwise` writes, and the demo page in a real
// browser (Chromium through playwright-core), which must lay the heatmaps out side by side.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { main } from '../src/cli.js';
import { seriesStyle } from '../src/report/axes.js';
import { type ColourScale, colourOf, colourRgb, lightness, mapRgb, measureScale } from '../src/report/colour.js';
import { heatmapPanel } from '../src/report/heatmap.js';
import { affixCaption, defaultModelNames, factorAffixes, modelNameOf } from '../src/report/labels.js';
import { linePlotPanel } from '../src/report/lineplot.js';
import { bestMatches, diagonalOf } from '../src/report/pairwise.js';
import { rasterize } from '../src/report/png.js';
import { scatterPanel } from '../src/report/scatter.js';
import { gridPanel, svgDocument } from '../src/report/svg.js';
import { errorOf } from './helpers/errors.js';

const ROOT = join(import.meta.dirname, '..');
const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', 'io', name);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'nnsim-report-'));

/** The CLI in-process: exit code and what it printed. */
function nnsim(args: string[]): { status: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const status = main(args, { out: (t) => out.push(t), err: (t) => err.push(t) }) as number;
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

const rgbOf = (fill: string): number[] => fill.match(/\d+/g)!.map(Number);

describe('colour scales', () => {
  it('viridis and cividis get lighter at an even pace; cool-warm is lightest at its centre and symmetric', () => {
    for (const map of ['viridis', 'cividis'] as const) {
      const L = Array.from({ length: 17 }, (_, k) => lightness(mapRgb(map, k / 16)));
      for (let k = 1; k < L.length; k++) {
        // Perceptually uniform: every sixteenth of the map adds 3.5–7 units of CIE L*.
        expect(L[k]! - L[k - 1]!, `${map} step ${k}`).toBeGreaterThan(3.5);
        expect(L[k]! - L[k - 1]!, `${map} step ${k}`).toBeLessThan(7);
      }
    }
    const L = Array.from({ length: 17 }, (_, k) => lightness(mapRgb('coolwarm', k / 16)));
    expect(L.indexOf(Math.max(...L))).toBe(8);
    for (let k = 0; k < 8; k++) {
      expect(L[k + 1]!).toBeGreaterThan(L[k]!);
      expect(Math.abs(L[k]! - L[16 - k]!)).toBeLessThan(1);
    }
  });

  it('draws the more similar end darker for similarities and for distances', () => {
    const similarity = measureScale({ kind: 'similarity', range: [0, 1], values: [0.31, 0.5, 0.987] });
    expect(similarity.map).toBe('viridis');
    expect(similarity.domain).toEqual([0.3, 1]);
    expect(lightness(colourRgb(similarity, 0.95))).toBeLessThan(lightness(colourRgb(similarity, 0.4)));
    const distance = measureScale({ kind: 'distance', range: [0, Infinity], values: [12, 480] });
    expect(distance.map).toBe('cividis');
    expect(distance.domain).toEqual([0, 500]);
    expect(lightness(colourRgb(distance, 20))).toBeLessThan(lightness(colourRgb(distance, 400)));
    // 0.79 and 0.95 are told apart: the old single-hue blue ramp gave them nearly the same colour.
    const cka = measureScale({ kind: 'similarity', range: [0, 1], values: [0.79, 0.95] });
    expect(lightness(colourRgb(cka, 0.79)) - lightness(colourRgb(cka, 0.95))).toBeGreaterThan(30);
  });

  it('centres measures in [−1, 1] at 0 on a diverging map', () => {
    const scale = measureScale({ kind: 'similarity', range: [-1, 1], values: [-0.2, 0.1, 0.43] });
    expect(scale.map).toBe('coolwarm');
    expect(scale.domain).toEqual([-0.5, 0.5]);
    const L0 = lightness(colourRgb(scale, 0));
    expect(L0).toBeGreaterThan(lightness(colourRgb(scale, 0.4)));
    expect(L0).toBeGreaterThan(lightness(colourRgb(scale, -0.4)));
    // Positive (more similar) is blue, negative red.
    const [r, , b] = colourRgb(scale, 0.45);
    expect(b).toBeGreaterThan(r!);
    const [r2, , b2] = colourRgb(scale, -0.45);
    expect(r2).toBeGreaterThan(b2!);
  });

  it("fits the declared range with fit: 'range' and the values where the range is unbounded", () => {
    expect(measureScale({ kind: 'similarity', range: [0, 1], values: [0.8, 0.9], fit: 'range' }).domain).toEqual([0, 1]);
    expect(measureScale({ kind: 'similarity', range: [-1, 1], values: [0.1], fit: 'range' }).domain).toEqual([-1, 1]);
    expect(measureScale({ kind: 'distance', range: [0, Infinity], values: [3, 7.2, null], fit: 'range' }).domain).toEqual([3, 8]);
    // No finite value at all: still a usable scale.
    expect(measureScale({ kind: 'distance', range: [0, Infinity], values: [null, NaN] }).domain).toEqual([0, 1]);
  });
});

describe('axis labels', () => {
  it('factors out common prefixes and suffixes at separators and letter-digit boundaries', () => {
    expect(factorAffixes(['encoder.layer.0.output', 'encoder.layer.1.output', 'encoder.layer.11.output'])).toEqual({
      prefix: 'encoder.layer.',
      suffix: '.output',
      labels: ['0', '1', '11'],
    });
    expect(factorAffixes(['layer1', 'layer2', 'layer10'])).toEqual({ prefix: 'layer', suffix: '', labels: ['1', '2', '10'] });
    expect(factorAffixes(['layer10', 'layer11']).labels).toEqual(['10', '11']);
    expect(factorAffixes(['conv1.weight', 'conv2.weight']).labels).toEqual(['1', '2']);
    // Nothing worth factoring: no shared text, text that ends mid-word, or a name that would be empty.
    expect(factorAffixes(['hidden1', 'hidden2', 'logits']).labels).toEqual(['hidden1', 'hidden2', 'logits']);
    expect(factorAffixes(['conv_a', 'convert']).labels).toEqual(['conv_a', 'convert']);
    expect(factorAffixes(['dense', 'tense']).labels).toEqual(['dense', 'tense']);
    expect(factorAffixes(['blocks.', 'blocks.1']).labels).toEqual(['blocks.', 'blocks.1']);
    expect(factorAffixes(['only.one']).labels).toEqual(['only.one']);
    expect(factorAffixes(['a.x', 'a.y'], false).labels).toEqual(['a.x', 'a.y']);
    expect(affixCaption(factorAffixes(['encoder.layer.0.output', 'encoder.layer.1.output']))).toBe('encoder.layer.*.output');
    expect(affixCaption(factorAffixes(['hidden1', 'logits']))).toBeUndefined();
  });

  it('names models after their files, with a parent folder when the stems are equal', () => {
    expect(modelNameOf('runs/resnet18-seed0.npz')).toBe('resnet18-seed0');
    expect(modelNameOf('acts/model-a/')).toBe('model-a');
    expect(modelNameOf('x.safetensors#blocks.3')).toBe('x');
    expect(defaultModelNames('a/seed0.npz', 'b/seed1.npz')).toEqual(['seed0', 'seed1']);
    expect(defaultModelNames('run1/acts.npz', 'run2/acts.npz')).toEqual(['run1/acts', 'run2/acts']);
  });
});

const SCALE: ColourScale = { map: 'viridis', domain: [0, 1], similarEnd: 'high' };
const VALUES = [
  [0.9, 0.2, 0.4],
  [0.1, null, 0.5],
];

/** (fill, tooltip) of every coloured cell in drawing order. */
function cells(svg: string): { fill: string; title: string }[] {
  return [...svg.matchAll(/<g><title>([^<]*)<\/title><rect [^>]*fill="(rgb\([^)]*\))"/g)].map((m) => ({ title: m[1]!, fill: m[2]! }));
}

describe('heatmap component', () => {
  const base = {
    title: 'cka',
    values: VALUES,
    rowLabels: ['first', 'second'],
    colLabels: ['x', 'y', 'z'],
    rowTitle: 'model A',
    colTitle: 'model B',
    scale: SCALE,
  };

  it('colours every cell by the scale and crosses cells without a value', () => {
    const svg = heatmapPanel({ ...base, cellSize: 20 }).body;
    const drawn = cells(svg);
    expect(drawn).toHaveLength(5);
    expect(drawn[0]).toEqual({ fill: colourOf(SCALE, 0.9), title: 'model A first × model B x: 0.9' });
    expect(drawn[4]!.fill).toBe(colourOf(SCALE, 0.5));
    expect(svg).toMatch(/<title>model A second × model B y: not computed<\/title><rect [^>]*fill="#e2e2e2"/);
    expect(svg).toMatch(/<rect x="[\d.]+" y="[\d.]+" width="20" height="20"/);
  });

  it('shows rows and columns in a given order (e.g. a clustering order)', () => {
    const svg = heatmapPanel({ ...base, rowOrder: [1, 0], colOrder: [2, 0, 1] }).body;
    const drawn = cells(svg);
    // First drawn cell: row 1, column 2.
    expect(drawn[0]).toEqual({ fill: colourOf(SCALE, 0.5), title: 'model A second × model B z: 0.5' });
    const rowLabels = [...svg.matchAll(/text-anchor="end">(first|second)<\/text>/g)].map((m) => m[1]);
    expect(rowLabels).toEqual(['second', 'first']);
    const cellYs = [...svg.matchAll(/<g><title>model A (first|second) [^<]*<\/title><rect x="[\d.]+" y="([\d.]+)"/g)];
    const yOf = (row: string): number => Number(cellYs.find((m) => m[1] === row)![2]);
    expect(yOf('second')).toBeLessThan(yOf('first'));
    expect(errorOf(() => heatmapPanel({ ...base, rowOrder: [0, 0] }))).toMatchObject({ code: 'E_OPTION' });
    expect(errorOf(() => heatmapPanel({ ...base, colOrder: [0, 1] }))).toMatchObject({ code: 'E_OPTION' });
  });

  it('adds per-cell hover text and hatches marked cells, with a legend only when some are marked', () => {
    const tooltips = [
      ['95% CI [0.85, 0.93]; p = 0.001', undefined, undefined],
      [undefined, 'E_DEGENERATE: zero variance', 'p = 0.4'],
    ];
    const marks = [
      [false, false, true],
      [true, false, true],
    ];
    const svg = heatmapPanel({ ...base, tooltips, marks, markLegend: 'not distinguishable from the null' }).body;
    expect(svg).toContain('<title>model A first × model B x: 0.9; 95% CI [0.85, 0.93]; p = 0.001</title>');
    expect(svg).toContain('<title>model A second × model B y: E_DEGENERATE: zero variance</title>');
    const hatches = svg.match(/stroke-opacity="0.7"/g) ?? [];
    expect(hatches).toHaveLength(3 + 1); // three marked cells and the legend's sample
    expect(svg).toContain('not distinguishable from the null');
    const unmarked = heatmapPanel({ ...base, marks: VALUES.map((r) => r.map(() => false)), markLegend: 'not distinguishable from the null' }).body;
    expect(unmarked).not.toContain('stroke-opacity="0.7"');
    expect(unmarked).not.toContain('not distinguishable');
    expect(errorOf(() => heatmapPanel({ ...base, marks: [[true]] }))).toMatchObject({ code: 'E_SHAPE' });
    expect(errorOf(() => heatmapPanel({ ...base, values: [[1, 2, 3]] }))).toMatchObject({ code: 'E_SHAPE' });
  });

  it('shows the text the labels share once, after the axis title, and full names on hover', () => {
    const input = { ...base, rowLabels: ['blocks.0.attn', 'blocks.1.attn'], colLabels: ['blocks.0.attn', 'blocks.1.attn', 'blocks.2.attn'], cellSize: 40 };
    const svg = heatmapPanel(input).body;
    expect(svg).toContain('<title>blocks.1.attn</title>1</text>');
    expect(svg).toContain('<tspan font-weight="bold">model B</tspan><tspan fill="#666" font-size="10"> · blocks.*.attn</tspan>');
    expect(svg).toContain('<title>model A blocks.1.attn × model B blocks.2.attn: 0.5</title>');
    const plain = heatmapPanel({ ...input, factorLabels: false }).body;
    expect(plain).toContain('>blocks.1.attn</text>');
    expect(plain).not.toContain('blocks.*');
  });

  it('writes values in the cells when they are large enough, and escapes every label', () => {
    expect(heatmapPanel({ ...base, cellSize: 36 }).body).toMatch(/>0\.9<\/text>/);
    expect(heatmapPanel({ ...base, cellSize: 16 }).body).not.toMatch(/>0\.9<\/text>/);
    const hostile = heatmapPanel({ ...base, title: 'a <b> & "c"', rowLabels: ['<first>', 'second\u0007'] });
    const doc = svgDocument(hostile);
    expect(doc).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(doc).not.toContain('\u0007');
    // resvg parses XML strictly: the document must be well-formed.
    expect(rasterize(doc, 1).width).toBe(Math.ceil(hostile.width));
  });
});

describe('line plot component', () => {
  const circles = (svg: string): { x: number; y: number }[] =>
    [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

  it('puts higher values higher and breaks lines at gaps', () => {
    const panel = linePlotPanel({
      title: 'cka along depth',
      xLabels: ['l1', 'l2', 'l3', 'l4'],
      xTitle: 'layer',
      yTitle: 'cka',
      series: [{ name: 'seed 1', values: [0.2, 0.5, null, 0.9] }],
    });
    const points = circles(panel.body);
    expect(points).toHaveLength(3);
    expect(points[0]!.y).toBeGreaterThan(points[1]!.y);
    expect(points[1]!.y).toBeGreaterThan(points[2]!.y);
    expect(points[0]!.x).toBeLessThan(points[1]!.x);
    const line = /<path d="(M[^"]*)" fill="none" stroke="#0072b2"/.exec(panel.body)![1]!;
    expect(line.match(/M/g)).toHaveLength(2);
    expect(panel.body).not.toContain('aria-label="legend');
  });

  it('plots positions on a categorical axis with a y = x reference and a legend per series', () => {
    const panel = linePlotPanel({
      title: 'best match',
      xLabels: ['a0', 'a1', 'a2'],
      yLabels: ['b0', 'b1', 'b2'],
      xTitle: 'A',
      yTitle: 'B',
      series: [
        { name: 'cka', values: [0, 1, 2] },
        { name: 'procrustes', values: [0, 2, 2] },
      ],
      reference: 'identity',
    });
    expect(panel.body).toContain('stroke-dasharray="4 3"');
    expect(panel.body).toContain('aria-label="legend: cka, procrustes"');
    expect(panel.body).toContain(`fill="${seriesStyle(1).colour}"`);
    expect(panel.body).toContain('<title>procrustes: a1 → b2</title>');
    expect(errorOf(() => linePlotPanel({ title: 't', xLabels: ['a'], yLabels: ['b'], xTitle: 'x', yTitle: 'y', series: [{ name: 's', values: [3] }] }))).toMatchObject({
      code: 'E_OPTION',
    });
    expect(errorOf(() => linePlotPanel({ title: 't', xLabels: ['a', 'b'], xTitle: 'x', yTitle: 'y', series: [{ name: 's', values: [1] }] }))).toMatchObject({
      code: 'E_SHAPE',
    });
  });
});

describe('scatter component', () => {
  const points = [
    { x: 0, y: 0, label: 'resnet-seed0', group: 'resnet' },
    { x: 1, y: 0, label: 'resnet-seed1', group: 'resnet' },
    { x: 0, y: 2, label: 'vit-seed0', group: 'vit' },
  ];
  const positions = (svg: string): { x: number; y: number }[] =>
    [...svg.matchAll(/<g><title>[^<]*<\/title>(?:<circle cx="([\d.]+)" cy="([\d.]+)"|<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)")/g)].map((m) =>
      m[1] !== undefined ? { x: Number(m[1]), y: Number(m[2]) } : { x: Number(m[3]) + Number(m[5]) / 2, y: Number(m[4]) + Number(m[5]) / 2 },
    );

  it('keeps distances true to the map with equal axis scales', () => {
    const equal = scatterPanel({ title: 'MDS', points, xTitle: 'dim 1', yTitle: 'dim 2', equalAspect: true });
    // Drawn in order of height on the page: vit (top), then the two resnets.
    const [vit, r0, r1] = positions(equal.body);
    const d01 = Math.hypot(r1!.x - r0!.x, r1!.y - r0!.y);
    const d02 = Math.hypot(vit!.x - r0!.x, vit!.y - r0!.y);
    expect(d02 / d01).toBeCloseTo(2, 1);
    const stretched = positions(scatterPanel({ title: 'MDS', points, xTitle: 'dim 1', yTitle: 'dim 2' }).body);
    expect(Math.hypot(stretched[0]!.x - stretched[1]!.x, stretched[0]!.y - stretched[1]!.y) / Math.abs(stretched[2]!.x - stretched[1]!.x)).toBeCloseTo(1, 1);
    for (const p of points) expect(equal.body).toContain(`>${p.label}</text>`);
    expect(equal.body).toContain('aria-label="legend: resnet, vit"');
  });

  it('refuses points it cannot place', () => {
    expect(errorOf(() => scatterPanel({ title: 't', points: [], xTitle: 'x', yTitle: 'y' }))).toMatchObject({ code: 'E_SHAPE' });
    expect(errorOf(() => scatterPanel({ title: 't', points: [{ x: NaN, y: 0, label: 'p' }], xTitle: 'x', yTitle: 'y' }))).toMatchObject({ code: 'E_NONFINITE' });
  });
});

describe('diagonal and best-matching layers', () => {
  it('picks the most similar layer by the measure direction (first on ties, null without values)', () => {
    const values = [
      [0.2, 0.9, 0.9],
      [null, null, null],
      [0.5, 0.1, 0.3],
    ];
    expect(bestMatches(values, 'similarity')).toEqual([1, null, 0]);
    expect(bestMatches(values, 'distance')).toEqual([0, null, 1]);
    expect(diagonalOf(values)).toEqual([0.2, null, 0.3]);
    expect(diagonalOf([[1, 2, 3]])).toEqual([1]);
  });
});

describe('PNG without a browser', () => {
  it('renders text with the bundled fonts at twice the size', () => {
    const panel = { width: 200, height: 40, body: '<text x="10" y="28" font-size="20">hidden1 × logits</text>', label: 'text' };
    const image = rasterize(svgDocument(panel));
    expect([image.width, image.height]).toEqual([400, 80]);
    expect(image.png.subarray(1, 4).toString()).toBe('PNG');
    let dark = 0;
    for (let k = 0; k < image.pixels.length; k += 4) if (image.pixels[k]! < 100) dark++;
    // Glyphs were drawn (no fonts → a blank image); ~15 % of the text's box is ink.
    expect(dark).toBeGreaterThan(1500);
    const blank = rasterize(svgDocument({ ...panel, body: '' }));
    expect(blank.pixels.every((v) => v === 255)).toBe(true);
  });

  it('lays grids of panels out cell for cell', () => {
    const p = (w: number, h: number): { width: number; height: number; body: string; label: string } => ({ width: w, height: h, body: '', label: 'p' });
    const grid = gridPanel([p(100, 50), p(80, 70), p(120, 40)], { columns: 2, gap: 10 });
    const moves = [...grid.body.matchAll(/translate\(([\d.]+) ([\d.]+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(moves).toEqual([
      [8, 8],
      [8 + 120 + 10, 8],
      [8, 8 + 70 + 10],
    ]);
    expect(grid.width).toBe(8 + 120 + 10 + 80 + 8);
  });
});

function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('nnsim pairwise report', () => {
  const models = [fixture('model-a'), fixture('model-b')];

  it('writes every figure as SVG and PNG, with the model names on the axes', () => {
    const out = tmp();
    const r = nnsim(['pairwise', ...models, '-m', 'cka,procrustes', '--name', 'A=resnet18-seed0', '--name', 'B=resnet18-seed1', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const files = readdirSync(out);
    for (const stem of ['cka', 'procrustes', 'heatmaps', 'best-match', 'diagonal']) {
      expect(files).toContain(`${stem}.svg`);
      const svg = readFileSync(join(out, `${stem}.svg`), 'utf8');
      const width = Number(/width="(\d+)"/.exec(svg)![1]);
      expect(pngSize(join(out, `${stem}.png`))[0]).toBe(2 * width);
    }
    const cka = readFileSync(join(out, 'cka.svg'), 'utf8');
    expect(cka).toContain('>resnet18-seed0</tspan>');
    expect(cka).toContain('>resnet18-seed1</tspan>');
    expect(cka).not.toMatch(/>A<\/tspan>/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { a: { label: string }; b: { label: string } };
    expect([results.a.label, results.b.label]).toEqual(['resnet18-seed0', 'resnet18-seed1']);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')[0]).toBe('measure,layerA,layerB,value');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toMatch(/<svg [^>]*class="heatmap"[^>]*role="img" aria-label="Centered kernel alignment/);
    expect(html).toContain('href="cka.png"');
  });

  it('names models after their files by default', () => {
    const out = tmp();
    expect(nnsim(['pairwise', ...models, '-m', 'cka', '--out', out, '--no-png']).status).toBe(0);
    const cka = readFileSync(join(out, 'cka.svg'), 'utf8');
    expect(cka).toContain('>model-a</tspan>');
    expect(cka).toContain('>model-b</tspan>');
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toEqual([]);
  });

  it('colours by the declared range with --shared-scale and by the values without', () => {
    const cellColours = (dir: string): string[] => cells(readFileSync(join(dir, 'cka.svg'), 'utf8')).map((c) => c.fill);
    const own = tmp();
    const shared = tmp();
    expect(nnsim(['pairwise', ...models, '-m', 'cka', '--out', own, '--no-png']).status).toBe(0);
    expect(nnsim(['pairwise', ...models, '-m', 'cka', '--out', shared, '--no-png', '--shared-scale']).status).toBe(0);
    const values = (JSON.parse(readFileSync(join(own, 'results.json'), 'utf8')) as { values: { cka: number[][] } }).values.cka.flat();
    const fixed: ColourScale = { map: 'viridis', domain: [0, 1], similarEnd: 'high' };
    expect(cellColours(shared)).toEqual(values.map((v) => colourOf(fixed, v)));
    const fitted = measureScale({ kind: 'similarity', range: [0, 1], values });
    expect(fitted.domain[1] - fitted.domain[0]).toBeLessThan(1);
    expect(cellColours(own)).toEqual(values.map((v) => colourOf(fitted, v)));
  });

  it('refuses a malformed --name', () => {
    const r = nnsim(['pairwise', ...models, '--name', 'C=x', '--out', tmp()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^nnsim: --name expects A=NAME or B=NAME; got 'C=x'$/);
    expect(nnsim(['pairwise', ...models, '--name', 'A=', '--out', tmp()]).status).toBe(2);
  });
});

// --------------------------------------------------------------------------------- in a real browser

const CHROMIUM = '/usr/bin/chromium';

interface Box {
  top: number;
  left: number;
  width: number;
}
interface Layout {
  height: number;
  width: number;
  /** Per comparison section, the boxes of its heatmaps (page coordinates). */
  heatmaps: Box[][];
  /** <svg> elements without an accessible name. */
  unlabelled: number;
}

/** Runs in the page (a string: the test's TypeScript has no DOM types). */
const LAYOUT_PROBE = `(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return { top: r.top + window.scrollY, left: r.left, width: r.width }; };
  const sections = [...document.querySelectorAll('section[aria-labelledby^="comparison-"]')];
  return {
    height: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
    heatmaps: sections.map((s) => [...s.querySelectorAll('svg.heatmap')].map(box)),
    unlabelled: [...document.querySelectorAll('svg')].filter((s) => !s.getAttribute('aria-label')).length,
  };
})()`;

describe('the demo page in Chromium', () => {
  it('renders at 1400 px with no console errors and the heatmaps side by side', async (context) => {
    if (!existsSync(CHROMIUM)) {
      context.skip(`${CHROMIUM} not found: install Debian's chromium package (.ci/run does) to run the browser test`);
      return;
    }
    const out = tmp();
    expect(nnsim(['demo', '--out', out, '--quiet']).status).toBe(0);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'nnsim-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      await page.goto(`file://${join(out, 'index.html')}`, { waitUntil: 'load' });
      const layout = (await page.evaluate(LAYOUT_PROBE)) as Layout;
      expect(problems).toEqual([]);
      expect(layout.unlabelled).toBe(0);
      expect(layout.width).toBeLessThanOrEqual(1400); // no horizontal scrolling
      const [first, second] = layout.heatmaps;
      expect(first!.length).toBeGreaterThanOrEqual(2);
      // The grid holds: the first two heatmaps share a row.
      expect(first![1]!.top).toBe(first![0]!.top);
      expect(first![1]!.left).toBeGreaterThan(first![0]!.left + first![0]!.width);
      // Both comparisons within a screen or so of each other (they were 3 800 px apart in a single column).
      expect(second![0]!.top - first![0]!.top).toBeLessThan(1200);
      console.log(`demo page: ${layout.height} px tall at 1400 px wide; comparisons ${second![0]!.top - first![0]!.top} px apart`);
      const shot = process.env.NNSIM_SCREENSHOT ?? join(out, 'report.png');
      // The top of the page: the along-depth plots and the first comparison's grid.
      await page.screenshot({ path: shot, fullPage: true, clip: { x: 0, y: 0, width: 1400, height: Math.min(layout.height, first![0]!.top + 650) } });
      // A page of flat colours compresses well (docs/report.png, made by this test, is under 300 KB).
      expect(statSync(shot).size).toBeLessThan(600_000);
      expect(pngSize(shot)[0]).toBe(1400);
    } finally {
      await browser.close();
    }
  });
});

// A report with an asymmetric layer count has no diagonal, and says so by leaving the figure out.
describe('models with different layer counts', () => {
  it('writes heatmaps and best matches but no diagonal', () => {
    const out = tmp();
    const dir = tmp();
    // Two layers of model-a as a model of its own.
    for (const name of ['layer1.npy', 'layer2.npy']) writeFileSync(join(dir, name), readFileSync(join(fixture('model-a'), name)));
    expect(nnsim(['pairwise', dir, fixture('model-b'), '-m', 'cka', '--out', out, '--no-png']).status).toBe(0);
    const files = readdirSync(out);
    expect(files).toContain('best-match.svg');
    expect(files).not.toContain('diagonal.svg');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).not.toContain('id="diagonal"');
  });
});
