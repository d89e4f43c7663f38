// Inference is calibrated (fixed seeds, so every run is the same): permutation p-values are uniform under
// independence and their power grows with N; the subsampling standard error is conservative. (Interval
// coverage: 49.inference-coverage.test.ts.)
//
// 99 permutations per test: p-values on the grid 1/100 … 1, fine for a uniformity test of 200 p-values
// (whose 1 % critical distance is 0.115), and cheap.
import { describe, expect, it } from 'vitest';

import { bootstrap, permutationTest } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { map, multiply, randomMatrix } from './helpers/random.js';

/** One-sample Kolmogorov–Smirnov test against U(0, 1): the distance and its asymptotic p-value (Stephens' correction). */
function ksUniform(values: readonly number[]): { distance: number; pValue: number } {
  const sorted = [...values].sort((x, y) => x - y);
  const n = sorted.length;
  let distance = 0;
  sorted.forEach((v, i) => (distance = Math.max(distance, (i + 1) / n - v, v - i / n)));
  const k = distance * (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n));
  let pValue = 0;
  for (let j = 1; j <= 100; j++) pValue += 2 * (-1) ** (j - 1) * Math.exp(-2 * j * j * k * k);
  return { distance, pValue: Math.min(1, Math.max(0, pValue)) };
}

const PAIRS = 200;
const N = 100;
const D = 20;
const ALPHA = 0.05;
// Binomial error of the rejection rate of 200 tests at 5 %: 3 standard deviations.
const RATE_TOLERANCE = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / PAIRS);

describe('calibration: independent Gaussian pairs (N = 100, D = 20, 200 pairs, 99 permutations)', () => {
  const independent = (k: number, cols = D): { a: Matrix; b: Matrix } => ({
    a: randomMatrix(N, cols, 10_000 + k),
    b: randomMatrix(N, cols, 20_000 + k),
  });
  const pValues = (id: string, cols = D): number[] =>
    Array.from({ length: PAIRS }, (_, k) => {
      const { a, b } = independent(k, cols);
      return permutationTest(id, a, b, { permutations: 99, seed: k }).pValue;
    });

  for (const id of ['cka', 'procrustes', 'rsa', 'knn-jaccard']) {
    it(`${id}: p-values uniform (KS at 1 %), rejection rate at 5 % within binomial error`, () => {
      const p = pValues(id);
      const ks = ksUniform(p);
      expect(ks.pValue, `KS distance ${ks.distance}`).toBeGreaterThan(0.01);
      const rate = p.filter((v) => v <= ALPHA).length / PAIRS;
      expect(Math.abs(rate - ALPHA)).toBeLessThanOrEqual(RATE_TOLERANCE);
    });
  }

  it('disagreement (model outputs as logits, 2 and 20 classes): conservative p-values', () => {
    // A chance agreement of two predictions has probability 1/C: the null of the disagreement of N = 100
    // predictions is a discrete Binomial(100, 1/C) share, and a permutation p-value of a discrete
    // statistic (ties count as extreme) is conservative, P(p ≤ u) ≤ u, not uniform. Checked: no excess of
    // small p-values (one-sided Kolmogorov–Smirnov D⁺ at 1 %) and a rejection rate at 5 % at most the
    // nominal one within binomial error.
    for (const classes of [2, D]) {
      const p = pValues('disagreement', classes);
      const sorted = [...p].sort((x, y) => x - y);
      const excess = Math.max(0, ...sorted.map((v, i) => (i + 1) / PAIRS - v));
      expect(Math.exp(-2 * PAIRS * excess * excess), `D⁺ = ${excess} with ${classes} classes`).toBeGreaterThan(0.01);
      expect(p.filter((v) => v <= ALPHA).length / PAIRS).toBeLessThanOrEqual(ALPHA + RATE_TOLERANCE);
    }
  });

  it('power on dependent data (B = A + 3·noise) rises with N: 10, 20, 40, 80 inputs', () => {
    const rates = [10, 20, 40, 80].map((n) => {
      let rejected = 0;
      for (let r = 0; r < 40; r++) {
        const a = randomMatrix(n, D, 5000 + r);
        const noise = randomMatrix(n, D, 9000 + r);
        const b = { data: a.data.map((v, k) => v + 3 * noise.data[k]!), rows: n, cols: D };
        if (permutationTest('cka', a, b, { permutations: 99, seed: r }).pValue <= ALPHA) rejected++;
      }
      return rejected / 40;
    });
    for (let i = 1; i < rates.length; i++) expect(rates[i]!, JSON.stringify(rates)).toBeGreaterThan(rates[i - 1]!);
    expect(rates[0]!).toBeLessThan(0.3);
    expect(rates.at(-1)!).toBeGreaterThan(0.95);
  });
});

describe('subsampling: the standard error of a measure that subsamples', () => {
  it('knn-jaccard: the reported standard error is conservative: 1 to 2.5 times the spread between data sets', () => {
    // One fixed pair of distributions (B = tanh(A W / 3) + noise, W fixed); the sampling spread at N = 200 is
    // measured directly over 40 independent data sets, and compared with the mean subsampling estimate.
    const weights = randomMatrix(5, 4, 777);
    const values: number[] = [];
    const errors: number[] = [];
    for (let r = 0; r < 40; r++) {
      const a = randomMatrix(200, 5, 30_000 + r);
      const noise = randomMatrix(200, 4, 40_000 + r);
      const b = map(multiply(a, weights), (v, i, j) => Math.tanh(v / 3) + 0.6 * noise.data[i * 4 + j]!);
      const out = bootstrap('knn-jaccard', a, b, { resamples: 60, seed: r });
      expect(out.scheme).toBe('subsample');
      values.push(out.value);
      errors.push(out.standardError);
    }
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const spread = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    const reported = errors.reduce((s, v) => s + v, 0) / errors.length;
    // The delete-half jackknife overestimates the variance of statistics that are not smooth functions of
    // the data (Efron & Stein 1981): neighbour lists are rebuilt on every subsample.
    expect(reported / spread).toBeGreaterThan(1);
    expect(reported / spread).toBeLessThan(2.5);
  });
});
