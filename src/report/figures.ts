/**
 * The figures of a layer-by-layer report, built from the components: per comparison (model A vs
 * model B) one heatmap per measure at one shared cell size and the best-matching layer of B for each
 * layer of A; across comparisons, each measure along the diagonal (layer i vs layer i).
 */
import { legend, seriesStyle } from './axes.js';
import { type ColourScale, measureScale } from './colour.js';
import { defaultCellSize, heatmapPanel } from './heatmap.js';
import { linePlotPanel } from './lineplot.js';
import { type MeasureSummary, type PairwiseResult, bestMatches, diagonalOf } from './pairwise.js';
import { type Panel, formatValue } from './svg.js';

export interface ReportComparison {
  /** e.g. "resnet18-seed0 vs resnet18-seed1". */
  readonly title: string;
  /** HTML (already escaped) shown under the title. */
  readonly description?: string;
  /** Folder of this comparison's files relative to index.html ('' = the same folder). */
  readonly folder: string;
  /** a.label and b.label are the models' names, shown on the axes. */
  readonly result: PairwiseResult;
}

/** A declared range as text: [0, 1], [0, ∞), [0, π/2] … */
export function rangeText(range: readonly [number, number]): string {
  const named = new Map<number, string>([
    [Infinity, '∞'],
    [-Infinity, '−∞'],
    [Math.PI / 2, 'π/2'],
    [Math.PI, 'π'],
    [Math.SQRT2, '√2'],
    [Math.E, 'e'],
    [Math.LN2, 'ln 2'],
  ]);
  const end = (v: number): string => named.get(v) ?? String(v).replace('-', '−');
  return `${range[0] === -Infinity ? '(' : '['}${end(range[0])}, ${end(range[1])}${range[1] === Infinity ? ')' : ']'}`;
}

export function optionsText(options: Readonly<Record<string, unknown>>): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

export function directionText(kind: 'similarity' | 'distance'): string {
  return kind === 'similarity' ? 'similarity: higher = more similar' : 'distance: lower = more similar';
}

/**
 * Colour scales per comparison and measure key. Each comparison's own values by default; with
 * `shared`, one scale per measure for every comparison: the declared range where it is finite (the
 * same colours in every run), else the extent of all comparisons' values.
 */
export function reportScales(comparisons: readonly ReportComparison[], shared: boolean): Record<string, ColourScale>[] {
  const all = new Map<string, (number | null)[]>();
  for (const c of comparisons) {
    for (const m of c.result.measures) all.set(m.key, [...(all.get(m.key) ?? []), ...c.result.values[m.key]!.flat()]);
  }
  return comparisons.map((c) =>
    Object.fromEntries(
      c.result.measures.map((m) => [
        m.key,
        measureScale({ kind: m.kind, range: m.range, values: shared ? all.get(m.key)! : c.result.values[m.key]!.flat(), fit: shared ? 'range' : 'data' }),
      ]),
    ),
  );
}

/** One cell size for every heatmap of a report, from its largest matrix. */
export function reportCellSize(comparisons: readonly ReportComparison[]): number {
  return defaultCellSize(Math.max(1, ...comparisons.map((c) => Math.max(c.result.a.layers.length, c.result.b.layers.length))));
}

type Grid = readonly (readonly (number | null)[])[];

/** Names of per-cell inference results shown on hover in their own notation. */
const SHOWN_AS: Readonly<Record<string, string>> = { pValue: 'p', qValue: 'q' };

/**
 * The hover text of a cell's further results: `[lower, upper]` for an interval, `p = …, q = …`, any
 * other extra as `name = …` (the standard error is only in the data files); undefined when none.
 */
export function extrasTooltip(extras: Readonly<Record<string, Grid>> | undefined, i: number, j: number): string | undefined {
  if (!extras) return undefined;
  const lower = extras.lower?.[i]?.[j];
  const upper = extras.upper?.[i]?.[j];
  const parts = typeof lower === 'number' && typeof upper === 'number' ? [`[${formatValue(lower)}, ${formatValue(upper)}]`] : [];
  for (const [name, grid] of Object.entries(extras)) {
    const v = grid[i]?.[j];
    if (name === 'lower' || name === 'upper' || name === 'standardError' || v === null || v === undefined) continue;
    parts.push(`${SHOWN_AS[name] ?? name} = ${formatValue(v)}`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Cells not distinguishable from a random pairing: q-value above the false discovery level. */
export function nullMarks(qValues: Grid, level: number): boolean[][] {
  return qValues.map((row) => row.map((q) => q !== null && q > level));
}

/** The heatmap legend of {@link nullMarks}. */
export function nullLegend(level: number, tests: number): string {
  return `hatched: not different from a random pairing of the inputs (Benjamini–Hochberg q > ${level} over the ${tests} cells tested)`;
}

/** Short title of a measure: its name. */
export function measureSubtitle(m: MeasureSummary): string {
  const options = optionsText(m.options);
  return `${m.key} · ${m.kind} · ${rangeText(m.range)}${options ? ` · ${options}` : ''}`;
}

/** One heatmap per measure of a comparison, keyed by measure key. */
export function comparisonHeatmaps(comparison: ReportComparison, scales: Readonly<Record<string, ColourScale>>, cellSize: number): Record<string, Panel> {
  const { result } = comparison;
  const panels: Record<string, Panel> = {};
  const inference = result.inference;
  for (const m of result.measures) {
    const extras = inference?.values[m.key];
    const tooltips = result.a.layers.map((la, i) =>
      result.b.layers.map((lb, j) => {
        const e = result.errors.find((x) => x.measure === m.key && x.layerA === la.name && x.layerB === lb.name);
        return e ? `${e.code}: ${e.message}` : extrasTooltip(extras, i, j);
      }),
    );
    const q = extras?.qValue;
    panels[m.key] = heatmapPanel({
      title: m.name,
      subtitle: measureSubtitle(m),
      values: result.values[m.key]!,
      rowLabels: result.a.layers.map((l) => l.name),
      colLabels: result.b.layers.map((l) => l.name),
      rowTitle: result.a.label,
      colTitle: result.b.label,
      scale: scales[m.key]!,
      cellSize,
      tooltips,
      ...(q && inference ? { marks: nullMarks(q, inference.fdr), markLegend: nullLegend(inference.fdr, inference.tests[m.key] ?? 0) } : {}),
      scaleCaption: directionText(m.kind),
    });
  }
  return panels;
}

/** For each layer of A, the best-matching layer of B by each measure (one series per measure). */
export function bestMatchPanel(comparison: ReportComparison): Panel {
  const { result } = comparison;
  const series = result.measures.map((m) => {
    const values = result.values[m.key]!;
    const best = bestMatches(values, m.kind);
    return {
      name: m.key,
      values: best,
      tooltips: best.map((j, i) =>
        j === null ? undefined : `${m.key}: ${result.a.layers[i]!.name} → ${result.b.layers[j]!.name} (${formatValue(values[i]![j]!)})`,
      ),
    };
  });
  const same = result.a.layers.length === result.b.layers.length;
  return linePlotPanel({
    title: `Best-matching layer of ${result.b.label}`,
    subtitle: `for each layer of ${result.a.label}: the most similar by each measure${same ? '; dashed: same layer' : ''}`,
    xLabels: result.a.layers.map((l) => l.name),
    yLabels: result.b.layers.map((l) => l.name),
    xTitle: result.a.label,
    yTitle: result.b.label,
    series,
    reference: same ? 'identity' : undefined,
    plotWidth: Math.max(170, Math.min(360, result.a.layers.length * 18)),
    plotHeight: Math.max(150, Math.min(320, result.b.layers.length * 14)),
    legend: true,
  });
}

/**
 * Each measure along the diagonal (layer i of A vs layer i of B), one line per comparison whose
 * models have the same number of layers; [] when none has.
 */
export function diagonalPanels(comparisons: readonly ReportComparison[]): Panel[] {
  const eligible = comparisons.filter((c) => c.result.a.layers.length === c.result.b.layers.length);
  if (eligible.length === 0) return [];
  const n = Math.max(...eligible.map((c) => c.result.a.layers.length));
  const axis = eligible.find((c) => c.result.a.layers.length === n)!;
  const keys = [...new Set(eligible.flatMap((c) => c.result.measures.map((m) => m.key)))];
  return keys.map((key) => {
    const withKey = eligible.filter((c) => c.result.measures.some((m) => m.key === key));
    const m = withKey[0]!.result.measures.find((x) => x.key === key)!;
    const series = withKey.map((c) => {
      const d = diagonalOf(c.result.values[key]!);
      return { name: `${c.result.a.label} vs ${c.result.b.label}`, values: [...d, ...Array<null>(n - d.length).fill(null)] };
    });
    return linePlotPanel({
      title: key,
      subtitle: m.name,
      compactHeading: true,
      xLabels: axis.result.a.layers.map((l) => l.name),
      xTitle: 'layer i vs layer i',
      yTitle: m.kind,
      yNote: m.kind === 'similarity' ? 'more similar →' : '← more similar',
      yLimits: [m.range[0], m.range[1]],
      series,
      plotWidth: Math.max(88, Math.min(300, n * 22)),
      legend: false,
    });
  });
}

/** The legend of the diagonal panels (which line is which comparison); null for a single comparison. */
export function diagonalLegend(comparisons: readonly ReportComparison[]): Panel | null {
  const eligible = comparisons.filter((c) => c.result.a.layers.length === c.result.b.layers.length);
  if (eligible.length < 2) return null;
  const items = eligible.map((c, k) => ({ name: `${c.result.a.label} vs ${c.result.b.label}`, style: seriesStyle(k), line: true }));
  const l = legend(items, 0, 0, 1200);
  return { width: l.width, height: l.height, body: l.svg, label: `lines: ${items.map((i) => i.name).join('; ')}` };
}
