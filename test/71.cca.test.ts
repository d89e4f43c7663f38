// CCA family: cca-mean, cca-r2, svcca, pwcca — reference values from an independent NumPy/SciPy CCA
// (covariance whitening, not principal cosines), rank deficiency, N < D, degenerate input and options.
// ReSi parity (SVCCA, PWCCA) is in test/50; invariances, symmetry and ranges in test/60.
import { describe, expect, it } from 'vitest';

import { ccaMean, ccaR2, compare, compareMany, measureIds, pwcca, svcca } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { inputsOf, reference, referenceTests } from './helpers/cca-alignment-reference.js';
import { fromRows } from './helpers/fixtures.js';
import { map, multiply, randomMatrix, relatedMatrix } from './helpers/random.js';
import { errorOf } from './helpers/errors.js';

function caseNamed(id: string): [Matrix, Matrix] {
  return inputsOf(reference.cases.find((c) => c.id === id)!, 'AB');
}

/** Column-centred copy. */
function centre(m: Matrix): Matrix {
  const means = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) means[j]! += m.data[i * m.cols + j]! / m.rows;
  return map(m, (v, _i, j) => v - means[j]!);
}

/** Scores on the first principal component by power iteration on XᵀX (plain JS, independent of the core). */
function firstPcScores(m: Matrix): number[] {
  const c = centre(m);
  let v = Array.from({ length: c.cols }, (_, j) => 1 + j / 10);
  for (let iteration = 0; iteration < 2000; iteration++) {
    const xv = Array.from({ length: c.rows }, (_, i) => v.reduce((s, vj, j) => s + c.data[i * c.cols + j]! * vj, 0));
    const next = v.map((_, j) => xv.reduce((s, xi, i) => s + c.data[i * c.cols + j]! * xi, 0));
    const norm = Math.hypot(...next);
    v = next.map((x) => x / norm);
  }
  return Array.from({ length: c.rows }, (_, i) => v.reduce((s, vj, j) => s + c.data[i * c.cols + j]! * vj, 0));
}

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const CCA_IDS = ['cca-mean', 'cca-r2', 'svcca', 'pwcca'];

describe('CCA family', () => {
  it('registers its measures', () => {
    for (const id of CCA_IDS) expect(measureIds()).toContain(id);
  });

  describe('reference values (scripts/cca_alignment_reference.py)', () => {
    referenceTests(CCA_IDS);
  });

  it('agrees with SciPy principal angles (an independent route to the canonical correlations)', () => {
    for (const testCase of reference.cases) {
      const [a, b] = inputsOf(testCase, 'AB');
      expect(Math.abs(ccaMean(a, b) - testCase.checks.cca_mean_principal_angles!)).toBeLessThan(1e-9);
    }
  });

  it('orders the summaries: 0 ≤ R²_CCA ≤ ρ̄ ≤ 1', () => {
    for (const testCase of reference.cases) {
      const [a, b] = inputsOf(testCase, 'AB');
      const r2 = ccaR2(a, b);
      const mean = ccaMean(a, b);
      expect(r2).toBeGreaterThanOrEqual(0);
      expect(r2).toBeLessThanOrEqual(mean + 1e-15);
      expect(r2).toBeGreaterThanOrEqual(mean * mean - 1e-15); // Jensen
      expect(mean).toBeLessThanOrEqual(1);
    }
  });

  it('counts canonical pairs over the numerical ranks: exactly collinear or constant columns add no pair', () => {
    const a = randomMatrix(50, 4, 1);
    const b = relatedMatrix(a, 5, 2);
    // a with a duplicated column, a constant column and a linear combination: the same column space.
    const widened = fromRows(
      Array.from({ length: 50 }, (_, i) => {
        const row = Array.from(a.data.subarray(i * 4, i * 4 + 4));
        return [...row, row[0]!, 7, row[1]! - 2 * row[2]!];
      }),
    );
    for (const id of ['cca-mean', 'cca-r2', 'svcca']) {
      expect(Math.abs(compare(id, widened, b) - compare(id, a, b)), id).toBeLessThan(1e-10);
    }
  });

  it('gives 1 when N ≤ D + 1 (the centred data spans every direction; documented CCA degeneracy)', () => {
    const a = randomMatrix(12, 11, 3);
    const b = randomMatrix(12, 20, 4);
    expect(ccaMean(a, b)).toBeCloseTo(1, 12);
    expect(ccaR2(a, b)).toBeCloseTo(1, 12);
    // SVCCA reduces dimensions first and stays informative.
    expect(svcca(a, b, { varianceKept: 0.5 })).toBeLessThan(0.9);
  });

  it('stays accurate on ill-conditioned inputs (no covariance is inverted)', () => {
    const a = randomMatrix(60, 5, 27);
    const b = relatedMatrix(a, 4, 28);
    // Column scales 1 … 1e-7: κ(X) ≈ 1e7, so whitening XᵀX (κ² ≈ 1e14) would keep ~2 digits; the
    // principal cosines of orthonormal bases lose only ~eps·κ.
    const squeezed = map(a, (v, _i, j) => v * 10 ** (-(7 * j) / 4));
    expect(Math.abs(ccaMean(squeezed, b) - ccaMean(a, b))).toBeLessThan(1e-8);
    expect(Math.abs(ccaR2(squeezed, b) - ccaR2(a, b))).toBeLessThan(1e-8);
    expect(Math.abs(pwcca(b, squeezed) - pwcca(b, a))).toBeLessThan(1e-8);
  });

  it('the epsilon option drops directions below epsilon·σ_max', () => {
    const [a, b] = caseNamed('anisotropic'); // column scales 10 … 0.01: the smallest fall below 1e-3·σ_max
    expect(ccaMean(a, b, { epsilon: 1e-3 })).not.toBeCloseTo(ccaMean(a, b), 6);
    expect(ccaMean(a, b, { epsilon: 0 })).toBeCloseTo(ccaMean(a, b), 12);
  });

  describe('svcca', () => {
    it('with one component is |corr(PC1, PC1′)| (ReSi SVCCA)', () => {
      const a = randomMatrix(40, 5, 5);
      const b = relatedMatrix(a, 7, 6);
      expect(Math.abs(svcca(a, b, { components: 1 }) - Math.abs(pearson(firstPcScores(a), firstPcScores(b))))).toBeLessThan(
        1e-10,
      );
    });

    it('keeping all variance is plain CCA; components beyond the rank are capped at it', () => {
      const a = randomMatrix(40, 5, 7);
      const b = relatedMatrix(a, 6, 8);
      expect(svcca(a, b, { varianceKept: 1 })).toBeCloseTo(ccaMean(a, b), 12);
      const b5 = relatedMatrix(a, 5, 8);
      expect(svcca(a, b5, { components: 5 })).toBeCloseTo(ccaMean(a, b5), 12);
      const lowRank = multiply(randomMatrix(40, 2, 9), randomMatrix(2, 6, 10));
      expect(svcca(lowRank, b, { components: 6 })).toBeCloseTo(ccaMean(lowRank, b), 12);
    });

    it('components takes precedence over varianceKept', () => {
      const a = randomMatrix(40, 5, 11);
      const b = relatedMatrix(a, 6, 12);
      expect(svcca(a, b, { components: 2, varianceKept: 0.1 })).toBe(svcca(a, b, { components: 2 }));
    });

    it('rejects absurd options', () => {
      const a = randomMatrix(10, 5, 13);
      const b = randomMatrix(10, 30, 14);
      expect(errorOf(() => svcca(a, b, { components: 6 })).code).toBe('E_OPTION'); // > min(N, D) of a
      expect(errorOf(() => svcca(a, b, { components: 0 })).code).toBe('E_OPTION');
      expect(errorOf(() => svcca(a, b, { components: 1.5 })).code).toBe('E_OPTION');
      expect(errorOf(() => svcca(a, b, { varianceKept: 0 })).code).toBe('E_OPTION');
      expect(errorOf(() => svcca(a, b, { varianceKept: 1.01 })).code).toBe('E_OPTION');
    });
  });

  describe('pwcca', () => {
    it('with a single neuron in the first input is its multiple correlation sqrt(R²)', () => {
      const x = randomMatrix(40, 1, 21);
      const y = relatedMatrix(randomMatrix(40, 4, 22), 5, 23);
      const r = Math.sqrt(compare('linear-regression', x, y));
      expect(pwcca(x, y)).toBeCloseTo(r, 12);
      expect(pwcca(x, y, { directions: 'svcca-code' })).toBeCloseTo(r, 12);
    });

    it('is a weighted mean of the canonical correlations: between the smallest and the largest', () => {
      const a = randomMatrix(50, 5, 24);
      const b = relatedMatrix(a, 7, 25);
      const v = pwcca(a, b);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
      // All correlations equal (an invertible linear image): every weighting gives that value.
      expect(pwcca(a, multiply(a, randomMatrix(5, 5, 26)))).toBeCloseTo(1, 12);
    });

    it('works for D > D′ (weights from the first input) and N < D', () => {
      const [a, b] = caseNamed('related'); // 8 and 5 columns
      expect(pwcca(a, b)).toBeGreaterThan(0.9);
      const [wide, other] = caseNamed('n_less_than_d');
      expect(pwcca(wide, other)).toBeCloseTo(1, 12); // N ≤ D + 1: every canonical correlation is 1
    });

    it("the svcca-code mode needs full column rank (as ReSi's code)", () => {
      const [lowRank, b] = caseNamed('low_rank');
      expect(errorOf(() => pwcca(lowRank, b, { directions: 'svcca-code' })).code).toBe('E_DEGENERATE');
      const [wide, other] = caseNamed('n_less_than_d');
      expect(errorOf(() => pwcca(wide, other, { directions: 'svcca-code' })).code).toBe('E_DEGENERATE');
      expect(pwcca(lowRank, b)).toBeGreaterThan(0.9); // the canonical mode handles it
      expect(errorOf(() => pwcca(b, b, { directions: 'paper' as never })).code).toBe('E_OPTION');
    });
  });

  it('compareMany shares the SVDs across the family and gives the values of separate calls', () => {
    const [a, b] = caseNamed('related');
    const specs = [
      'cca-mean',
      'cca-r2',
      'svcca',
      'pwcca',
      { id: 'cca-mean', options: { epsilon: 1e-3 }, key: 'cca-mean-eps' },
      { id: 'svcca', options: { components: 2 }, key: 'svcca-2' },
      'shape-metric',
      'linear-regression',
    ] as const;
    const together = compareMany(specs, a, b);
    expect(together['cca-mean']).toBe(ccaMean(a, b));
    expect(together['cca-r2']).toBe(ccaR2(a, b));
    expect(together.svcca).toBe(svcca(a, b));
    expect(together.pwcca).toBe(pwcca(a, b));
    expect(together['cca-mean-eps']).toBe(ccaMean(a, b, { epsilon: 1e-3 }));
    expect(together['svcca-2']).toBe(svcca(a, b, { components: 2 }));
    expect(together['shape-metric']).toBe(compare('shape-metric', a, b));
    expect(together['linear-regression']).toBe(compare('linear-regression', a, b));
  });

  it('degenerate input: typed errors, never NaN', () => {
    const a = randomMatrix(30, 4, 15);
    const constant = map(randomMatrix(30, 4, 16), (_v, _i, j) => j + 0.5);
    for (const id of CCA_IDS) {
      expect(errorOf(() => compare(id, a, constant)).code, id).toBe('E_DEGENERATE');
      expect(errorOf(() => compare(id, constant, a)).code, id).toBe('E_DEGENERATE');
      expect(errorOf(() => compare(id, randomMatrix(1, 4, 17), randomMatrix(1, 3, 18))).code, id).toBe('E_TOO_FEW_ROWS');
    }
    expect(errorOf(() => ccaMean(a, a, { epsilon: -1 })).code).toBe('E_OPTION');
    expect(errorOf(() => ccaMean(a, a, { epsilon: 1 })).code).toBe('E_OPTION');
    // N = 2: one centred direction each, perfectly correlated.
    expect(ccaMean(randomMatrix(2, 3, 19), randomMatrix(2, 1, 20))).toBeCloseTo(1, 12);
  });
});
