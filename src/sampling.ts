/**
 * Reproducible random subsets of the inputs, for measures that need all N × N pairs of inputs when N is
 * too large for them: the same seed gives the same rows on every platform (the core's xoshiro256**
 * generator, native/core/random.hpp), and stratification by label keeps each class's share.
 */
import { invalidParameter } from './errors.js';
import { type Matrix, type MatrixInput, toMatrix } from './matrix.js';
import { nativeAddon } from './native.js';
import { type Labels, toLabels } from './options.js';

export interface SampleRowsOptions {
  /** How many rows to keep (all n when rows ≥ n). */
  readonly rows: number;
  /** Seed of the generator (an integer in [0, 2^53)); default 0. */
  readonly seed?: number;
  /** One label per row: sample within each class, in proportion to its size (largest remainders). */
  readonly labels?: Labels;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter('E_OPTION', what, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/**
 * Sorted indices of a random subset of `options.rows` of the `n` rows, the same for the same seed on
 * every platform. Take the same indices from both representations (and from the labels) with takeRows.
 */
export function sampleRows(n: number, options: SampleRowsOptions): Int32Array {
  const total = integer(n, 'n', 1, 0x7fffffff);
  if (options === null || typeof options !== 'object') throw invalidParameter('E_OPTION', 'sampleRows options', '{ rows, seed?, labels? }', options);
  const rows = integer(options.rows, 'rows', 1, 0x7fffffff);
  const seed = integer(options.seed ?? 0, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const labels = options.labels === undefined ? undefined : toLabels(options.labels, 'labels', total);
  return nativeAddon().sampleRows(total, rows, seed, labels);
}

/** The rows `indices` of a matrix input, in that order, as a new matrix. */
export function takeRows(input: MatrixInput, indices: ArrayLike<number>, name = 'matrix'): Matrix {
  const m = toMatrix(input, name);
  if (indices.length < 1) throw invalidParameter('E_SHAPE', 'indices', 'at least one row index', indices);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
      throw invalidParameter('E_SHAPE', `row index ${k}`, `an integer in [0, ${m.rows - 1}]`, i);
    }
  }
  return gatherRows(m, indices);
}

/**
 * @internal takeRows on a validated matrix with indices already known to be in range (inference draws
 * them by the thousand); predicted-label vectors (functional inputs) keep their labels.
 */
export function gatherRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new Float64Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  const taken = { data, rows: indices.length, cols: m.cols };
  const hard = (m as { hard?: Int32Array }).hard;
  return hard ? Object.assign(taken, { hard: Int32Array.from(indices, (i) => hard[i]!) }) : taken;
}
