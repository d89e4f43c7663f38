// Float32 input read in place, and the opt-in single-precision products.
import { describe, expect, it } from 'vitest';

import {
  bootstrap,
  compare,
  compareMany,
  createAccumulator,
  crossValidate,
  listMeasures,
  permutationTest,
  prepare,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { errorOf } from './helpers/errors.js';
import { relatedPair } from './helpers/properties.js';
import { randomMatrix, relatedMatrix } from './helpers/random.js';
import { requiredOptions } from './helpers/required.js';

function toFloat32(m: Matrix): { data: Float32Array; rows: number; cols: number } {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

function widen(m: { data: Float32Array; rows: number; cols: number }): Matrix {
  return { data: Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}

describe('Float32Array input', () => {
  it('gives every representational measure the value of the same numbers in float64', () => {
    const { a, b } = relatedPair(5, 60, 6, 8);
    const a32 = toFloat32(a);
    const b32 = toFloat32(b);
    const labels = Int32Array.from({ length: 60 }, (_, i) => i % 4);
    for (const m of listMeasures({ domain: 'representational' })) {
      const options = requiredOptions(m, 60, () => labels);
      if (m.id === 'riemannian') options.regularization = 0.01;  // N > D: the kernels are singular otherwise
      const want = compare(m.id, widen(a32), widen(b32), options);
      const got = compare(m.id, a32, b32, options);
      expect(Math.abs(got - want), m.id).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
    }
  });

  it('is read in place: feature-space measures make no float64 copy, full-matrix measures make one', () => {
    const { a, b } = relatedPair(6, 500, 12, 10);
    const pa = prepare(toFloat32(a));
    const pb = prepare(toFloat32(b));
    const copyBytes = 500 * 12 * 8;
    expect(pa.nativeHandle().float64CopyBytes).toBe(copyBytes);
    compareMany(['cka', 'procrustes', 'angular-shape', 'bures', 'magnitude-difference', 'concentricity-difference'], pa, pb);
    expect(pa.nativeHandle().float64CopyBytes).toBe(copyBytes);
    compare('knn-jaccard', pa, pb, { metric: 'cosine' });
    expect(pa.nativeHandle().float64CopyBytes).toBe(0);
    // Float64 input never needs a copy.
    expect(prepare(a).nativeHandle().float64CopyBytes).toBe(0);
  });

  it('permutation tests, bootstraps and cross-validation read float32 inputs: the values of the same numbers in float64', () => {
    const { a, b } = relatedPair(7, 80, 6, 5);
    const a32 = toFloat32(a);
    const b32 = toFloat32(b);
    const [a64, b64] = [widen(a32), widen(b32)];
    for (const [id, measureOptions] of [
      ['cka', {}],
      ['cka', { estimator: 'minibatch', batch: 16 }],
      ['knn-jaccard', {}],
    ] as const) {
      const what = `${id} ${JSON.stringify(measureOptions)}`;
      const run = { permutations: 20, seed: 3, measureOptions };
      expect(permutationTest(id, a32, b32, run).null, what).toEqual(permutationTest(id, a64, b64, run).null);
      const boot = { resamples: 8, seed: 5, measureOptions };
      expect(bootstrap(id, a32, b32, boot).distribution, what).toEqual(bootstrap(id, a64, b64, boot).distribution);
    }
    // Held-out rows of float32 inputs go through the fitted map as float64 rows of the same numbers.
    const folds = { folds: 4, seed: 2 };
    expect(crossValidate('procrustes', a32, b32, folds).folds).toEqual(crossValidate('procrustes', a64, b64, folds).folds);
  });

  it('reports NaN with the input name, row and column', () => {
    const bad = toFloat32(randomMatrix(10, 3, 1));
    bad.data[4 * 3 + 1] = NaN;
    const error = errorOf(() => compare('cka', bad, randomMatrix(10, 3, 2)));
    expect(error.code).toBe('E_NONFINITE');
    expect(error.message).toMatch(/^a: entry \(4, 1\) is NaN/);
  });
});

describe("precision: 'single'", () => {
  const a = randomMatrix(20000, 48, 11, 1, 0.5);
  const b = relatedMatrix(a, 40, 12);
  const a32 = toFloat32(a);
  const b32 = toFloat32(b);

  it('runs the products in float32: within 1e-5 relative of double, and not equal to it', () => {
    for (const id of ['cka', 'procrustes', 'angular-shape', 'bures']) {
      const double = compare(id, a32, b32);
      const single = compare(id, a32, b32, {}, { precision: 'single' });
      const relative = Math.abs(single - double) / Math.abs(double);
      expect(relative, id).toBeLessThanOrEqual(1e-5);
      expect(relative, id).toBeGreaterThan(0);
    }
    const many = compareMany(['cka', 'procrustes'], a32, b32, { precision: 'single' });
    expect(Math.abs(many.cka! - compare('cka', a32, b32)) / many.cka!).toBeLessThanOrEqual(1e-5);
  });

  it('scales each input by a power of two before rounding to float32: float32 data near 1e30 gives the same value', () => {
    // Squares of entries above ~2^64 overflow float32; the products are taken of 2^-e-scaled rows instead.
    const big = (m: typeof a32) => ({ ...m, data: Float32Array.from(m.data, (v) => v * 2 ** 100) });
    for (const id of ['cka', 'angular-shape']) {
      const double = compare(id, a32, b32);
      const single = compare(id, big(a32), big(b32), {}, { precision: 'single' });
      expect(Math.abs(single - double) / Math.abs(double), id).toBeLessThanOrEqual(1e-5);
    }
    const procrustes = compare('procrustes', big(a32), big(b32), {}, { precision: 'single' });
    expect(Math.abs(procrustes / 2 ** 100 - compare('procrustes', a32, b32)) / compare('procrustes', a32, b32)).toBeLessThanOrEqual(1e-5);
  });

  it('applies to accumulators as well', () => {
    const single = createAccumulator(['cka', 'cca-mean', 'procrustes'], { colsA: 48, colsB: 40, precision: 'single' });
    const double = createAccumulator(['cka', 'cca-mean', 'procrustes'], { colsA: 48, colsB: 40 });
    for (let begin = 0; begin < 20000; begin += 3000) {
      const end = Math.min(20000, begin + 3000);
      const rows = (m: typeof a32): typeof a32 => ({ data: m.data.subarray(begin * m.cols, end * m.cols), rows: end - begin, cols: m.cols });
      single.push(rows(a32), rows(b32));
      double.push(rows(a32), rows(b32));
    }
    const s = single.result();
    const d = double.result();
    for (const key of Object.keys(d)) {
      const relative = Math.abs(s[key]! - d[key]!) / Math.abs(d[key]!);
      expect(relative, key).toBeLessThanOrEqual(1e-5);
      expect(relative, key).toBeGreaterThan(0);
    }
  });

  it('is validated', () => {
    expect(errorOf(() => compare('cka', a, b, {}, { precision: 'half' as never })).code).toBe('E_OPTION');
    expect(errorOf(() => compareMany(['cka'], a, b, { precision: 'quad' as never })).code).toBe('E_OPTION');
  });
});
