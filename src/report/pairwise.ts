/**
 * Layer-by-layer comparison of two models: every layer of A against every layer of B, for several
 * measures at once. Each layer is prepared once (its centred data, factors, neighbour lists … are
 * cached by the core for all its pairs), and each pair runs all measures in one compareMany call so
 * they share the pair's intermediates.
 */
import { compareMany, prepare, type PreparedRepresentation } from '../compare.js';
import { NnsimError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { effectiveProperties, getMeasure } from '../registry.js';
import { benjaminiHochberg } from '../inference/statistics.js';
import {
  FALSE_DISCOVERY_FAMILY,
  FALSE_DISCOVERY_FAMILY_ALL_CELLS,
  type InferenceSettings,
  cellSeed,
  inferenceRefusal,
  matrixQValues,
  measureInference,
  skippedParts,
} from '../inference/matrix.js';

export interface LayerInfo {
  readonly name: string;
  /** Shape in the file. */
  readonly shape: readonly number[];
  readonly rows: number;
  readonly cols: number;
}

export interface Layer extends LayerInfo {
  readonly matrix: Matrix;
}

/** One measure of the run, with the options it was run with. */
export interface MeasureRun {
  readonly key: string;
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface MeasureSummary extends MeasureRun {
  readonly name: string;
  readonly family: string;
  readonly kind: 'similarity' | 'distance';
  readonly range: readonly [number, number];
  readonly symmetric: boolean;
  readonly reference: string;
}

export interface CellError {
  readonly measure: string;
  readonly layerA: string;
  readonly layerB: string;
  readonly code: string;
  readonly message: string;
}

export interface PairwiseResult {
  readonly a: { readonly source: string; readonly label: string; readonly layers: readonly LayerInfo[] };
  readonly b: { readonly source: string; readonly label: string; readonly layers: readonly LayerInfo[] };
  readonly measures: readonly MeasureSummary[];
  /** values[key][i][j]: layer i of A vs layer j of B; null where the measure failed (see errors). */
  readonly values: Readonly<Record<string, (number | null)[][]>>;
  readonly errors: readonly CellError[];
  readonly inference?: PairwiseInference;
}

/** Settings of a layer sweep's inference: what to run, and the false discovery level of the report's marks. */
export type PairwiseInferenceSettings = InferenceSettings & { readonly fdr: number };

/** Per-cell permutation p-values and/or bootstrap intervals of a layer sweep (see runPairwise). */
export interface PairwiseInference extends PairwiseInferenceSettings {
  /** Over which cells the q-values are computed. */
  readonly family: string;
  /** m per measure key: the number of p-values of its Benjamini–Hochberg family. */
  readonly tests: Readonly<Record<string, number>>;
  /** values[key][name][i][j], name: pValue, qValue, lower, upper, standardError; null where not computed. */
  readonly values: Readonly<Record<string, Readonly<Record<string, (number | null)[][]>>>>;
  /** Cells whose value was computed but whose permutation test or bootstrap failed. */
  readonly errors: readonly CellError[];
  /** Parts a whole measure does not get, and why. */
  readonly skipped: readonly { readonly measure: string; readonly part: 'permutation' | 'bootstrap'; readonly code: string; readonly message: string }[];
}

export interface Side {
  readonly source: string;
  readonly label: string;
  readonly layers: readonly Layer[];
}

export function summarize(run: MeasureRun): MeasureSummary {
  const info = getMeasure(run.id);
  // Under the options it ran with: e.g. CKA with output: 'angular' is a distance in [0, π/2], jsd in bits
  // has range [0, 1].
  const { kind, range } = effectiveProperties(info, run.options);
  return {
    ...run,
    name: info.name,
    family: info.family,
    kind,
    range,
    symmetric: info.symmetric,
    reference: info.reference.citation + (info.reference.url ? ` ${info.reference.url}` : ''),
  };
}

/**
 * Runs every measure on every layer pair; `onPair` is called after each pair (for progress bars).
 * When `b` is `a` itself (one model against itself) the layers are prepared once for both sides, and
 * symmetric measures are computed on the upper triangle only and mirrored.
 *
 * With `inference`, each cell also gets each measure's permutation p-value and/or bootstrap interval,
 * seeded by cellSeed(seed, layer of A, layer of B); q-values are Benjamini–Hochberg over each measure's
 * cells — every cell for two models, the off-diagonal cells (each unordered pair once for a symmetric
 * measure) for a model against itself.
 */
export function runPairwise(
  a: Side,
  b: Side,
  runs: readonly MeasureRun[],
  onPair?: (done: number, total: number) => void,
  inference?: PairwiseInferenceSettings,
): PairwiseResult {
  const preparedA: PreparedRepresentation[] = a.layers.map((l) => prepare(l.matrix, `${a.label}:${l.name}`));
  const same = a === b;
  const preparedB: PreparedRepresentation[] = same ? preparedA : b.layers.map((l) => prepare(l.matrix, `${b.label}:${l.name}`));
  const spec = (r: MeasureRun): { id: string; options: object; key: string } => ({ id: r.id, options: r.options, key: r.key });
  const mirrored = same ? runs.filter((r) => getMeasure(r.id).symmetric) : [];
  const values: Record<string, (number | null)[][]> = {};
  for (const r of runs) values[r.key] = a.layers.map(() => b.layers.map(() => null));
  const errors: CellError[] = [];
  const tested = inference ? startInference(a, b, runs, inference) : undefined;
  const total = a.layers.length * b.layers.length;
  let done = 0;
  for (let i = 0; i < a.layers.length; i++) {
    for (let j = 0; j < b.layers.length; j++) {
      // Below the diagonal of a self-comparison, symmetric measures are copies of (j, i).
      const lower = same && j < i;
      const todo = lower ? runs.filter((r) => !mirrored.includes(r)) : runs;
      const outcomes = todo.length > 0 ? compareMany(todo.map(spec), preparedA[i]!, preparedB[j]!, { errors: 'return' }) : {};
      for (const r of runs) {
        if (lower && mirrored.includes(r)) {
          values[r.key]![i]![j] = values[r.key]![j]![i]!;
          if (tested) for (const grid of Object.values(tested.values[r.key]!)) grid[i]![j] = grid[j]![i]!;
          const e = errors.find((x) => x.measure === r.key && x.layerA === a.layers[j]!.name && x.layerB === b.layers[i]!.name);
          if (e) errors.push({ ...e, layerA: a.layers[i]!.name, layerB: b.layers[j]!.name });
          continue;
        }
        const o = outcomes[r.key];
        if (typeof o === 'number') {
          values[r.key]![i]![j] = o;
          if (tested && !(same && i === j)) tested.run(r, preparedA[i]!, preparedB[j]!, i, j);
        } else {
          const e = o instanceof NnsimError ? o : new NnsimError('E_INTERNAL', String(o));
          errors.push({ measure: r.key, layerA: a.layers[i]!.name, layerB: b.layers[j]!.name, code: e.code, message: e.message });
        }
      }
      onPair?.(++done, total);
    }
    // Row i of A is finished: free its cached intermediates (B's layers are reused by every row).
    if (!same) preparedA[i]!.release();
  }
  for (const p of preparedB) p.release();
  const info = (l: Layer): LayerInfo => ({ name: l.name, shape: l.shape, rows: l.rows, cols: l.cols });
  return {
    a: { source: a.source, label: a.label, layers: a.layers.map(info) },
    b: { source: b.source, label: b.label, layers: b.layers.map(info) },
    measures: runs.map(summarize),
    values,
    errors,
    ...(tested ? { inference: tested.finish() } : {}),
  };
}

/** The inference of a layer sweep: grids per measure, filled cell by cell, q-values at the end. */
function startInference(a: Side, b: Side, runs: readonly MeasureRun[], settings: PairwiseInferenceSettings) {
  const same = a === b;
  const names = [...(settings.permutations !== undefined ? ['pValue', 'qValue'] : []), ...(settings.bootstrap !== undefined ? ['lower', 'upper', 'standardError'] : [])];
  const values: Record<string, Record<string, (number | null)[][]>> = {};
  const skipped: PairwiseInference['skipped'][number][] = [];
  const refused = new Set(runs.filter((r) => inferenceRefusal(r)).map((r) => r.key));
  for (const r of runs) {
    values[r.key] = Object.fromEntries(names.map((name) => [name, a.layers.map(() => b.layers.map(() => null))]));
    for (const { part, error } of skippedParts(r, settings)) skipped.push({ measure: r.key, part, code: error.code, message: error.message });
  }
  const errors: CellError[] = [];
  return {
    values,
    run(r: MeasureRun, pa: PreparedRepresentation, pb: PreparedRepresentation, i: number, j: number): void {
      if (refused.has(r.key)) return;
      const layerA = a.layers[i]!.name;
      const layerB = b.layers[j]!.name;
      const outcome = measureInference(r, pa, pb, settings, cellSeed(settings.seed, layerA, layerB));
      const grids = values[r.key]!;
      const put = (name: string, v: number | undefined): void => {
        if (v !== undefined) grids[name]![i]![j] = v;
      };
      put('pValue', outcome.permutation?.pValue);
      put('lower', outcome.bootstrap?.lower);
      put('upper', outcome.bootstrap?.upper);
      put('standardError', outcome.bootstrap?.standardError);
      if (outcome.error) errors.push({ measure: r.key, layerA, layerB, code: outcome.error.code, message: outcome.error.message });
    },
    finish(): PairwiseInference {
      const tests: Record<string, number> = {};
      for (const r of runs) {
        const grids = values[r.key]!;
        if (!grids.pValue) continue;
        if (same) {
          const k = a.layers.length;
          const q = matrixQValues(Float64Array.from(grids.pValue.flat(), (v) => v ?? NaN), k, getMeasure(r.id).symmetric);
          grids.qValue = grids.pValue.map((row, i) => row.map((_, j) => (Number.isNaN(q.qValues[i * k + j]!) ? null : q.qValues[i * k + j]!)));
          tests[r.key] = q.tests;
        } else {
          const bh = benjaminiHochberg(grids.pValue);
          grids.qValue = bh.adjusted;
          tests[r.key] = bh.tests;
        }
      }
      return { ...settings, family: same ? FALSE_DISCOVERY_FAMILY : FALSE_DISCOVERY_FAMILY_ALL_CELLS, tests, values, errors, skipped };
    },
  };
}

/**
 * A text cell (measure key, layer name): layer names come from tensor names in the input files, so a
 * cell that a spreadsheet would read as a formula (starting with = + - @ tab or CR) gets a leading
 * apostrophe and quotes, as the OWASP guidance on CSV injection recommends; cells holding quotes, commas
 * or line breaks are quoted (RFC 4180).
 */
export function csvText(text: string): string {
  const formula = /^[=+\-@\t\r]/.test(text);
  if (!formula && !/[",\n\r]/.test(text)) return text;
  return `"${formula ? "'" : ''}${text.replace(/"/g, '""')}"`;
}

/**
 * Long format: one line per (measure, layer of A, layer of B); empty value where it failed. With
 * inference, the columns pValue, qValue, lower, upper, standardError follow (empty where not computed).
 */
export function pairwiseCsv(result: PairwiseResult): string {
  const extraNames = [...new Set(Object.values(result.inference?.values ?? {}).flatMap((grids) => Object.keys(grids)))];
  const lines = [['measure', 'layerA', 'layerB', 'value', ...extraNames].join(',')];
  // Values are finite numbers (a leading '-' is a sign, not a formula) or empty where not computed.
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  for (const m of result.measures) {
    result.a.layers.forEach((la, i) => {
      result.b.layers.forEach((lb, j) => {
        const extras = extraNames.map((name) => cell(result.inference?.values[m.key]?.[name]?.[i]?.[j]));
        lines.push([m.key, la.name, lb.name].map(csvText).concat(cell(result.values[m.key]![i]![j]), ...extras).join(','));
      });
    });
  }
  return lines.join('\n') + '\n';
}

/** values[i][i] for i < min(rows, cols): layer i of A against layer i of B. */
export function diagonalOf(values: readonly (readonly (number | null)[])[]): (number | null)[] {
  const n = Math.min(values.length, values[0]?.length ?? 0);
  return Array.from({ length: n }, (_, i) => values[i]![i] ?? null);
}

/**
 * For each row (layer of A), the column (layer of B) that is most similar by the measure's direction:
 * the largest value of a similarity, the smallest of a distance (the first on ties); null for a row
 * without any value.
 */
export function bestMatches(values: readonly (readonly (number | null)[])[], kind: 'similarity' | 'distance'): (number | null)[] {
  return values.map((row) => {
    let best: number | null = null;
    row.forEach((v, j) => {
      if (v === null || !Number.isFinite(v)) return;
      const current = best === null ? null : row[best]!;
      if (current === null || (kind === 'similarity' ? v > current : v < current)) best = j;
    });
    return best;
  });
}
