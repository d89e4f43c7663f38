// Neighbourhood and descriptive-statistics measures: values against an independent NumPy/SciPy/NetworkX
// implementation (scripts/neighbors_statistics_reference.py → fixtures/neighbors-statistics-reference.json),
// deterministic k-NN ties on duplicated rows, shared k-NN lists in compareMany, and typed errors on
// degenerate input and bad options.
import { describe, expect, it } from 'vitest';

import {
  compare,
  compareMany,
  getMeasure,
  intrinsicDimensionDifference,
  jointRankJaccard,
  knnJaccard,
  knnModularityDifference,
  neuronModularityDifference,
  rankSimilarity,
  secondOrderCosine,
  toleranceDifference,
  uniformityDifference,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { fromRows, readFixture, withinParity } from './helpers/fixtures.js';
import { map, permuteRows, randomMatrix, randomPermutation, relatedMatrix } from './helpers/random.js';
import { errorOf } from './helpers/errors.js';

interface ReferenceCase {
  id: string;
  description: string;
  A: number[][];
  B: number[][];
  labels: number[];
  results: { id: string; options: Record<string, unknown>; value: number }[];
}

const reference = readFixture<{ cases: ReferenceCase[] }>('neighbors-statistics-reference.json');

function withLabels(id: string, options: Record<string, unknown>, labels: readonly number[]): Record<string, unknown> {
  return getMeasure(id).requires.includes('labels') ? { ...options, labels } : options;
}

describe('reference values (independent NumPy/SciPy/NetworkX implementation)', () => {
  for (const testCase of reference.cases) {
    const a = fromRows(testCase.A);
    const b = fromRows(testCase.B);
    it(`${testCase.id}: ${testCase.description}`, () => {
      expect(testCase.results.length).toBeGreaterThan(30);
      for (const r of testCase.results) {
        const options = withLabels(r.id, r.options, testCase.labels);
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const got = compare(r.id, x, y, options);
          expect(withinParity(got, r.value), `${r.id} ${JSON.stringify(r.options)}: got ${got}, reference ${r.value}`).toBe(true);
        }
      }
    });
  }

  it('covers every neighbourhood and statistics measure', () => {
    const covered = new Set(reference.cases.flatMap((c) => c.results.map((r) => r.id)));
    for (const id of [
      'knn-jaccard',
      'second-order-cosine',
      'rank-similarity',
      'joint-rank-jaccard',
      'intrinsic-dimension-difference',
      'magnitude-difference',
      'concentricity-difference',
      'uniformity-difference',
      'tolerance-difference',
      'knn-modularity-difference',
      'neuron-modularity-difference',
    ]) {
      expect(covered.has(id), id).toBe(true);
    }
  });
});

describe('k-NN lists', () => {
  const a = randomMatrix(45, 6, 3, 1, 0.5);
  const b = relatedMatrix(a, 8, 4);

  it('do not depend on the order of the inputs when there are no ties', () => {
    const perm = randomPermutation(a.rows, 9);
    for (const f of [knnJaccard, rankSimilarity, jointRankJaccard, secondOrderCosine]) {
      expect(Math.abs(f(a, b) - f(permuteRows(a, perm), permuteRows(b, perm)))).toBeLessThan(1e-12);
    }
  });

  it('are shared by compareMany and give the same values as separate calls', () => {
    const many = compareMany(
      [
        'knn-jaccard',
        'rank-similarity',
        'joint-rank-jaccard',
        'second-order-cosine',
        { id: 'knn-jaccard', options: { k: 5, metric: 'euclidean' }, key: 'euclid5' },
        { id: 'knn-modularity-difference', options: { labels: Array.from({ length: 45 }, (_, i) => i % 3) } },
      ],
      a,
      b,
    );
    expect(many['knn-jaccard']).toBe(knnJaccard(a, b));
    expect(many['rank-similarity']).toBe(rankSimilarity(a, b));
    expect(many['joint-rank-jaccard']).toBe(jointRankJaccard(a, b));
    expect(many['second-order-cosine']).toBe(secondOrderCosine(a, b));
    expect(many.euclid5).toBe(knnJaccard(a, b, { k: 5, metric: 'euclidean' }));
  });

  it('break ties on exact duplicates by index, the same way every time', () => {
    const dup = map(a, (v, i, j) => (i === 20 || i === 30 ? a.data[5 * a.cols + j]! : v));
    const first = [knnJaccard(dup, b), rankSimilarity(dup, b), secondOrderCosine(dup, b)];
    for (let rep = 0; rep < 3; rep++) expect([knnJaccard(dup, b), rankSimilarity(dup, b), secondOrderCosine(dup, b)]).toEqual(first);
    expect(knnJaccard(dup, dup)).toBe(1);
    expect(rankSimilarity(dup, dup)).toBe(1);
  });

  it('k = N − 1 works (every other input is a neighbour) and k = N is E_TOO_FEW_ROWS', () => {
    expect(knnJaccard(a, b, { k: a.rows - 1 })).toBe(1);
    expect(errorOf(() => knnJaccard(a, b, { k: a.rows })).code).toBe('E_TOO_FEW_ROWS');
    const small = randomMatrix(10, 3, 5);
    expect(errorOf(() => rankSimilarity(small, small)).code).toBe('E_TOO_FEW_ROWS'); // default k = 10 needs 11 rows
    expect(errorOf(() => knnModularityDifference(small, small, { labels: Array(10).fill(0) })).code).toBe('E_TOO_FEW_ROWS');
  });

  it('reject bad options with E_OPTION', () => {
    for (const options of [{ k: 0 }, { k: 2.5 }, { k: -1 }, { metric: 'manhattan' }]) {
      expect(errorOf(() => compare('knn-jaccard', a, b, options as never)).code).toBe('E_OPTION');
    }
    expect(errorOf(() => compare('second-order-cosine', a, b, { vectors: 'angles' } as never)).code).toBe('E_OPTION');
    expect(errorOf(() => compare('second-order-cosine', a, b, { metric: 'euclidean' } as never)).code).toBe('E_OPTION');
  });
});

describe('second-order cosine', () => {
  const a = randomMatrix(30, 5, 11, 1, 0.5);
  const b = relatedMatrix(a, 6, 12);

  it('is E_DEGENERATE when an input is an all-zero row (its similarity vector is zero)', () => {
    const zero = map(a, (v, i) => (i === 7 ? 0 : v));
    expect(errorOf(() => secondOrderCosine(zero, b)).code).toBe('E_DEGENERATE');
    // With ReSi's distance vectors a zero row has distance 1 to everything: defined.
    expect(Number.isFinite(secondOrderCosine(zero, b, { vectors: 'distances' }))).toBe(true);
  });

  it('is in [0, 1] with distance vectors and in [−1, 1] with similarity vectors', () => {
    const v = secondOrderCosine(a, b, { vectors: 'distances' });
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
    const s = secondOrderCosine(a, map(b, (x) => -x));
    expect(s).toBeGreaterThanOrEqual(-1);
    expect(s).toBeLessThanOrEqual(1);
  });
});

describe('statistics: degenerate input and options', () => {
  const a = randomMatrix(40, 5, 21, 1, 0.5);
  const b = relatedMatrix(a, 7, 22);
  const labels = Array.from({ length: 40 }, (_, i) => i % 4);

  it('intrinsic dimension: duplicates and N < minRows are typed errors', () => {
    const dup = map(a, (v, i, j) => (i === 9 ? a.data[2 * a.cols + j]! : v));
    expect(errorOf(() => intrinsicDimensionDifference(dup, b)).code).toBe('E_DEGENERATE');
    expect(errorOf(() => intrinsicDimensionDifference(dup, b, { estimator: 'mle' })).code).toBe('E_DEGENERATE');
    const two = randomMatrix(2, 3, 1);
    expect(errorOf(() => intrinsicDimensionDifference(two, two)).code).toBe('E_TOO_FEW_ROWS');
    expect(errorOf(() => intrinsicDimensionDifference(a, b, { estimator: 'mle', k: 40 })).code).toBe('E_TOO_FEW_ROWS');
    expect(errorOf(() => intrinsicDimensionDifference(a, b, { k: 1 })).code).toBe('E_OPTION');
  });

  it('intrinsic dimension: TwoNN recovers the dimension of a flat manifold', () => {
    // 400 points uniform on a 2-D square embedded in 5-D by an orthogonal map, vs a 4-D cube.
    const flat = map(randomMatrix(400, 5, 31), (v, _i, j) => (j < 2 ? v : 0));
    const cube = map(randomMatrix(400, 5, 32), (v, _i, j) => (j < 4 ? v : 0));
    const d = intrinsicDimensionDifference(flat, cube);
    expect(d).toBeGreaterThan(1.4);
    expect(d).toBeLessThan(2.6);
  });

  it('uniformity: t must be positive; saturates to 0 for far-apart points', () => {
    expect(errorOf(() => uniformityDifference(a, b, { t: 0 })).code).toBe('E_OPTION');
    expect(errorOf(() => uniformityDifference(a, b, { t: -2 })).code).toBe('E_OPTION');
    const far = map(a, (v) => 1e3 * v);
    const farther = map(b, (v) => 1e3 * v);
    expect(uniformityDifference(far, farther)).toBe(0);
  });

  it('all-zero and constant inputs give documented values, not NaN', () => {
    const zeros = map(a, () => 0);
    expect(compare('magnitude-difference', zeros, zeros)).toBe(0);
    expect(compare('concentricity-difference', zeros, zeros)).toBe(0); // a zero vector has cosine 0 with everything
    expect(Number.isFinite(compare('concentricity-difference', zeros, a))).toBe(true);
    expect(compare('uniformity-difference', zeros, zeros)).toBe(0);
    expect(toleranceDifference(zeros, zeros, { labels })).toBe(0);
  });

  it('labelled measures need labels of the right length', () => {
    expect(errorOf(() => compare('tolerance-difference', a, b)).code).toBe('E_LABELS');
    expect(errorOf(() => toleranceDifference(a, b, { labels: labels.slice(1) })).code).toBe('E_LABELS');
    expect(errorOf(() => knnModularityDifference(a, b, { labels: [...labels.slice(1), -1] })).code).toBe('E_LABELS');
  });

  it('tolerance without any pair of one class is E_DEGENERATE; one class gives the mean pairwise cosine', () => {
    const distinct = Array.from({ length: 40 }, (_, i) => i);
    expect(errorOf(() => toleranceDifference(a, b, { labels: distinct })).code).toBe('E_DEGENERATE');
    expect(toleranceDifference(a, a, { labels })).toBe(0);
  });

  it('compareMany runs several labelled measures on one labels array (number[] too); different labels are E_LABELS', () => {
    const many = compareMany(
      [
        { id: 'tolerance-difference', options: { labels } },
        { id: 'knn-modularity-difference', options: { labels } },
      ],
      a,
      b,
    );
    expect(many['tolerance-difference']).toBe(toleranceDifference(a, b, { labels }));
    expect(many['knn-modularity-difference']).toBe(knnModularityDifference(a, b, { labels }));
    const other = labels.map((l) => (l + 1) % 4);
    expect(
      errorOf(() =>
        compareMany(
          [
            { id: 'tolerance-difference', options: { labels } },
            { id: 'knn-modularity-difference', options: { labels: other } },
          ],
          a,
          b,
        ),
      ).code,
    ).toBe('E_LABELS');
  });

  it('k-NN modularity: label ids need not be dense; relabelling the classes changes nothing', () => {
    const sparse = labels.map((l) => [7, 1000, 3, 42][l]!);
    expect(knnModularityDifference(a, b, { labels: sparse })).toBeCloseTo(knnModularityDifference(a, b, { labels }), 14);
    const single = Array(40).fill(5);
    expect(knnModularityDifference(a, b, { labels: single })).toBe(0); // one community: Q = 0 in both
  });
});

describe('neuron-graph modularity', () => {
  // Units driven by one latent factor per group: two groups of 3 strongly correlated units.
  const latent = randomMatrix(80, 2, 51);
  const noise = randomMatrix(80, 6, 52, 0.2);
  const planted = map(noise, (v, i, j) => v + latent.data[i * 2 + (j < 3 ? 0 : 1)]!);
  const independent = randomMatrix(80, 6, 53);

  it('finds planted modules (Q near 1/2 for two equal, nearly disconnected groups) and not in independent units', () => {
    const d = neuronModularityDifference(planted, independent);
    expect(d).toBeGreaterThan(0.3);
    expect(d).toBeLessThan(0.5);
  });

  it('is E_DEGENERATE when no two live units are correlated (one unit, or only constant units)', () => {
    const one = randomMatrix(20, 1, 54);
    expect(errorOf(() => neuronModularityDifference(one, one)).code).toBe('E_DEGENERATE');
    const constant = map(randomMatrix(20, 3, 55), (_v, _i, j) => j + 1);
    expect(errorOf(() => neuronModularityDifference(constant, constant)).code).toBe('E_DEGENERATE');
  });

  it('ignores the sign and scale of each unit (absolute correlation)', () => {
    const flipped = map(planted, (v, _i, j) => (j % 2 ? -3 * v : 0.5 * v + 1));
    expect(Math.abs(neuronModularityDifference(planted, flipped))).toBeLessThan(1e-12);
  });
});

function constantRows(m: Matrix): Matrix {
  return map(m, (_v, _i, j) => m.data[j]!);
}

describe('all rows equal', () => {
  const a = randomMatrix(20, 4, 41);
  it('neighbour measures on identical constant inputs give the identity value (ties by index)', () => {
    const c = constantRows(a);
    expect(knnJaccard(c, c, { k: 5 })).toBe(1);
    expect(jointRankJaccard(c, c, { k: 5, metric: 'euclidean' })).toBe(1);
  });
});
