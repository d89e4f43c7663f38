// Alignment family (this file: shape-metric, linear-regression, aligned-cosine) — reference values from
// an independent NumPy/SciPy implementation, cross-checks against the other measures (alpha = 1 is
// angular-shape, alpha = 0 is CCA), rank deficiency, N < D, zero rows and degenerate input. ReSi parity
// (LinearRegression, AlignedCosineSimilarity) is in test/50; invariances and metric axioms in test/60.
import { describe, expect, it } from 'vitest';

import {
  alignedCosine,
  angularShape,
  compare,
  linearRegression,
  procrustes,
  shapeMetric,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { type ReferenceCase, inputsOf, reference, referenceTests } from './helpers/cca-alignment-reference.js';
import { fromRows } from './helpers/fixtures.js';
import { map, multiply, randomInvertible, randomMatrix, randomOrthogonal, relatedMatrix } from './helpers/random.js';
import { errorOf } from './helpers/errors.js';

function rowsOf(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function withRow(m: Matrix, row: number, values: number[]): Matrix {
  const rows = rowsOf(m);
  rows[row] = values;
  return fromRows(rows);
}

const pairs: [string, Matrix, Matrix][] = reference.cases.map((c) => [c.id, ...inputsOf(c, 'AB')]);

describe('alignment family', () => {
  describe('reference values (scripts/cca_alignment_reference.py)', () => {
    referenceTests(['shape-metric', 'linear-regression', 'aligned-cosine']);
  });

  describe('procrustes near 0 (the aligned residual, not the closed form)', () => {
    // Below 1e-6 of ‖X‖² + ‖Y‖² the closed form has lost its digits and nnsim forms ‖XQ − Y‖ explicitly;
    // NumPy forms it too (scripts/cca_alignment_reference.py), so both agree to ~1e-9 relative even at 1e-8.
    for (const testCase of reference.procrustesNearZero) {
      it(`matches the NumPy residual on '${testCase.id}' (${testCase.description}), every centre/normalise setting`, () => {
        let nearZero = 0;
        for (const result of testCase.results) {
          const [x, y] = inputsOf(testCase as ReferenceCase, result.order);
          const want = result.value as number;
          const got = procrustes(x, y, result.options);
          const label = `${JSON.stringify(result.options)} (${result.order}): got ${got}, NumPy ${want}`;
          expect(Math.abs(got - want), label).toBeLessThanOrEqual(1e-9 * Math.abs(want) + 1e-14);
          if (want < 1e-3) nearZero++;
        }
        expect(nearZero).toBeGreaterThan(0);
      });
    }
  });

  describe('shape-metric', () => {
    it('alpha = 1 equals angular-shape, and its euclidean form equals normalized procrustes', () => {
      for (const [id, a, b] of pairs) {
        expect(Math.abs(shapeMetric(a, b) - angularShape(a, b)), id).toBeLessThan(1e-12);
        expect(
          Math.abs(shapeMetric(a, b, { distance: 'euclidean' }) - procrustes(a, b, { normalize: true })),
          id,
        ).toBeLessThan(1e-12);
      }
    });

    it('alpha = 0 is arccos of the mean canonical correlation when the ranks agree', () => {
      const a = randomMatrix(50, 6, 1);
      const b = relatedMatrix(a, 6, 2);
      expect(shapeMetric(a, b, { alpha: 0 })).toBeCloseTo(Math.acos(compare('cca-mean', a, b)), 12);
    });

    it('is 0 for shapes equal up to the invariances, also near 0 (no arccos cancellation)', () => {
      const a = randomMatrix(40, 5, 3);
      const rotatedScaled = map(multiply(a, randomInvertible(5, 4)), (v) => 2 * v + 1);
      expect(shapeMetric(a, rotatedScaled, { alpha: 0 })).toBeLessThan(1e-12);
      expect(shapeMetric(a, map(a, (v) => 3 * v - 2), { alpha: 0.3 })).toBeLessThan(1e-12);
      expect(shapeMetric(a, a, { alpha: 0.7, distance: 'euclidean' })).toBeLessThan(1e-12);
    });

    it('moves monotonically between the two ends on a typical pair and stays in range', () => {
      const a = randomMatrix(60, 8, 5);
      const b = relatedMatrix(a, 7, 6);
      for (const alpha of [0, 0.1, 0.5, 0.9, 1]) {
        const angle = shapeMetric(a, b, { alpha });
        expect(angle).toBeGreaterThanOrEqual(0);
        expect(angle).toBeLessThanOrEqual(Math.PI / 2);
        const chord = shapeMetric(a, b, { alpha, distance: 'euclidean' });
        expect(chord).toBeCloseTo(2 * Math.sin(angle / 2), 12);
      }
    });

    it('rejects bad options and constant inputs', () => {
      const a = randomMatrix(30, 4, 7);
      const constant = map(a, (_v, _i, j) => j);
      expect(errorOf(() => shapeMetric(a, a, { alpha: 1.5 })).code).toBe('E_OPTION');
      expect(errorOf(() => shapeMetric(a, a, { alpha: -0.1 })).code).toBe('E_OPTION');
      expect(errorOf(() => shapeMetric(a, a, { distance: 'cosine' as never })).code).toBe('E_OPTION');
      expect(errorOf(() => shapeMetric(a, constant)).code).toBe('E_DEGENERATE');
      expect(errorOf(() => shapeMetric(constant, a, { alpha: 0 })).code).toBe('E_DEGENERATE');
    });
  });

  describe('linear-regression', () => {
    it('is the R² of the least-squares fit with intercept (normal equations in plain JS)', () => {
      const x = randomMatrix(30, 3, 8);
      const y = randomMatrix(30, 1, 9, 1, 2);
      // Simple regression of each column of x on the single column of y: R² = Σ_j r_j² var_j / Σ_j var_j.
      const ys = Array.from(y.data);
      const my = ys.reduce((s, v) => s + v, 0) / 30;
      let explained = 0;
      let total = 0;
      for (let j = 0; j < 3; j++) {
        const xs = Array.from({ length: 30 }, (_, i) => x.data[i * 3 + j]!);
        const mx = xs.reduce((s, v) => s + v, 0) / 30;
        let sxy = 0;
        let sxx = 0;
        let syy = 0;
        for (let i = 0; i < 30; i++) {
          sxy += (xs[i]! - mx) * (ys[i]! - my);
          sxx += (xs[i]! - mx) ** 2;
          syy += (ys[i]! - my) ** 2;
        }
        explained += (sxy * sxy) / syy;
        total += sxx;
      }
      expect(linearRegression(x, y)).toBeCloseTo(explained / total, 13);
    });

    it('handles rank-deficient predictors and N ≤ D′ + 1 exactly', () => {
      const a = randomMatrix(40, 4, 10);
      const b = relatedMatrix(a, 3, 11);
      const widened = fromRows(rowsOf(b).map((r) => [...r, r[0]! + r[1]!, 5, r[2]!]));
      expect(Math.abs(linearRegression(a, widened) - linearRegression(a, b))).toBeLessThan(1e-12);
      expect(linearRegression(randomMatrix(10, 4, 12), randomMatrix(10, 9, 13))).toBeCloseTo(1, 12);
    });

    it('a constant predictor explains nothing (R² = 0); a constant target is an error', () => {
      const a = randomMatrix(20, 3, 14);
      const constant = map(a, () => 4);
      expect(linearRegression(a, constant)).toBe(0);
      expect(errorOf(() => linearRegression(constant, a)).code).toBe('E_DEGENERATE');
    });
  });

  describe('aligned-cosine', () => {
    it('skips inputs whose row is zero in either representation', () => {
      const a = randomMatrix(30, 4, 15, 1, 0.5);
      const b = relatedMatrix(a, 5, 16);
      const zeroed = withRow(b, 7, [0, 0, 0, 0, 0]);
      const without = (m: Matrix): Matrix => fromRows(rowsOf(m).filter((_, i) => i !== 7));
      expect(alignedCosine(a, zeroed)).toBeCloseTo(alignedCosine(without(a), without(zeroed)), 12);
      expect(alignedCosine(withRow(a, 7, [0, 0, 0, 0]), zeroed)).toBeCloseTo(alignedCosine(without(a), without(zeroed)), 12);
    });

    it('is 1 for a rotated, scaled copy; below 1 after a translation or a non-orthogonal map', () => {
      const a = randomMatrix(30, 6, 17, 1, 0.5);
      expect(alignedCosine(a, a)).toBeCloseTo(1, 12);
      expect(alignedCosine(a, map(multiply(a, randomOrthogonal(6, 18)), (v) => 3 * v))).toBeCloseTo(1, 12);
      expect(alignedCosine(a, map(a, (v) => v + 1))).toBeLessThan(0.999);
      expect(alignedCosine(a, multiply(a, randomInvertible(6, 18)))).toBeLessThan(0.999);
    });

    it('works when D > N on one or both sides (row-space factor path)', () => {
      const [a, b] = inputsOf(reference.cases.find((c) => c.id === 'mixed_widths')!, 'AB');
      expect(alignedCosine(a, b)).toBeCloseTo(alignedCosine(b, a), 12);
      const wideA = randomMatrix(8, 20, 19);
      expect(alignedCosine(wideA, map(wideA, (v) => 2 * v))).toBeCloseTo(1, 12);
    });

    it('rejects all-zero input', () => {
      const a = randomMatrix(10, 3, 20);
      const zeros = map(a, () => 0);
      expect(errorOf(() => alignedCosine(a, zeros)).code).toBe('E_DEGENERATE');
      expect(errorOf(() => alignedCosine(zeros, a)).code).toBe('E_DEGENERATE');
    });
  });
});
