// The mutual k-NN family (Huh et al. 2024): values equal the authors' own AlignmentMetrics
// (scripts/platonic_reference.py → fixtures/platonic-reference.json) to 1e-9, hand-computed lists on a
// line, the stated conventions (self excluded, ties to the smaller index, clipping), shared lists in
// compareMany and typed errors for k outside [1, N − 1].
import { describe, expect, it } from 'vitest';

import { cknna, compare, compareMany, cycleKnn, editDistanceKnn, lcsKnn, mutualKnn } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { errorOf } from './helpers/errors.js';
import { fromRows, readFixture, withinParity } from './helpers/fixtures.js';
import { map, randomMatrix, relatedMatrix } from './helpers/random.js';

interface PlatonicCase {
  id: string;
  description: string;
  A: number[][];
  B: number[][];
  results: { id: string; options: Record<string, unknown>; value: number; order?: 'ab' | 'ba' }[];
}

const reference = readFixture<{ commit: string; cases: PlatonicCase[] }>('platonic-reference.json');

describe("parity with the authors' AlignmentMetrics (platonic-rep)", () => {
  for (const testCase of reference.cases) {
    const a = fromRows(testCase.A);
    const b = fromRows(testCase.B);
    it(`${testCase.id}: ${testCase.description}`, () => {
      expect(testCase.results.length).toBeGreaterThan(50);
      for (const r of testCase.results) {
        const [x, y] = r.order === 'ba' ? [b, a] : [a, b];
        const got = compare(r.id, x, y, r.options as never);
        expect(withinParity(got, r.value), `${r.id} ${r.order ?? ''} ${JSON.stringify(r.options)}: got ${got}, authors ${r.value}`).toBe(
          true,
        );
        // Symmetric members of the family give the same value in both orders.
        if (r.order === undefined) expect(withinParity(compare(r.id, y, x, r.options as never), r.value)).toBe(true);
      }
    });
  }

  it('covers every measure of the family, with and without normalisation and clipping', () => {
    const results = reference.cases.flatMap((c) => c.results);
    const ids = new Set(results.map((r) => r.id));
    expect(ids).toEqual(new Set(['mutual-knn', 'cknna', 'cycle-knn', 'lcs-knn', 'edit-distance-knn']));
    const settings = new Set(results.map((r) => `${r.options.normalize ?? true}/${r.options.clipQuantile ?? 1}/${r.options.clipThreshold ?? 'row-mean'}`));
    expect(settings).toEqual(new Set(['true/1/row-mean', 'false/1/row-mean', 'true/0.95/row-mean', 'true/0.9/global']));
    // The values are informative: not all 0 or 1.
    expect(results.filter((r) => r.value > 0.05 && r.value < 0.95).length).toBeGreaterThan(60);
  });
});

describe('hand-computed neighbour lists', () => {
  // Unit vectors at angles θ (degrees): inner-product neighbours are the nearest angles.
  const angles = (degrees: readonly number[]): Matrix =>
    fromRows(degrees.map((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));
  // A: 0, 10, 30, 70, 150 → k = 1 lists 0→1, 1→0, 2→1, 3→2, 4→3.
  // B: 0, 40, 48, 100, 175 → k = 1 lists 0→1, 1→2, 2→1, 3→2, 4→3 (no two angles at equal distance).
  const a = angles([0, 10, 30, 70, 150]);
  const b = angles([0, 40, 48, 100, 175]);

  it('mutual-knn with k = 1: 4 of 5 first neighbours agree', () => {
    expect(mutualKnn(a, b, { k: 1 })).toBeCloseTo(4 / 5, 15);
  });

  it('cycle-knn: i is back among the A-neighbours of one of its B-neighbours', () => {
    // k = 1: i → N_B(i) → N_A(that): 0→1→0 ✓, 1→2→1 ✓, 2→1→0 ✗, 3→2→1 ✗, 4→3→2 ✗.
    expect(cycleKnn(a, b, { k: 1 })).toBeCloseTo(2 / 5, 15);
    // The other direction: 0→1→2 ✗, 1→0→1 ✓, 2→1→2 ✓, 3→2→1 ✗, 4→3→2 ✗.
    expect(cycleKnn(b, a, { k: 1 })).toBeCloseTo(2 / 5, 15);
  });

  it('lcs-knn and edit-distance-knn compare the ordered lists', () => {
    // k = 2 (nearest first). A: 0:[1,2] 1:[0,2] 2:[1,0] 3:[2,1] 4:[3,2]. B: 0:[1,2] 1:[2,0] 2:[1,0] 3:[2,1] 4:[3,2].
    // Row 1: [0,2] vs [2,0]: LCS 1, edit distance 2; every other row is equal (LCS 2, distance 0).
    expect(lcsKnn(a, b, { k: 2 })).toBeCloseTo((4 * 2 + 1) / (5 * 2), 15);
    expect(editDistanceKnn(a, b, { k: 2 })).toBeCloseTo(1 - 2 / (5 * 2), 15);
    expect(mutualKnn(a, b, { k: 2 })).toBeCloseTo(1, 15);
  });

  it('an input is never its own neighbour, and ties go to the smaller index', () => {
    // Rows 1, 2 and 3 are the same direction: each row's first neighbour is the smaller of the other two.
    const x = fromRows([[1, 0], [0, 1], [0, 2], [0, 3], [-1, -1]]);
    const y = fromRows([[1, 0], [0, 1], [0, 1], [0, 1], [-1, -1]]);
    // Lists (k = 1): 1→2, 2→1, 3→1 in both; 0 and 4 depend only on angles, equal in both.
    expect(mutualKnn(x, y, { k: 1 })).toBe(1);
    // Raw inner products: in X rows 1 and 2 go to row 3 (the longest) and row 3 to row 2; in Y rows 1–3 are
    // equal, so 1→2, 2→1, 3→1. Rows 0 (→1) and 4 (→0, a tie with 1) agree: 2 of 5.
    expect(mutualKnn(x, y, { k: 1, normalize: false })).toBeCloseTo(2 / 5, 15);
  });

  it('cknna of a representation with itself is 1; the authors’ epsilon lowers it slightly', () => {
    const r = randomMatrix(40, 6, 3);
    expect(cknna(r, r)).toBeCloseTo(1, 14);
    const withEpsilon = cknna(r, r, { epsilon: 1e-6 });
    expect(withEpsilon).toBeLessThan(1);
    expect(withEpsilon).toBeGreaterThan(0.99);
  });
});

describe('conventions and sharing', () => {
  const a = randomMatrix(80, 10, 5, 1, 0.5);
  const b = relatedMatrix(a, 12, 6);

  it('clipping: a quantile of 1 changes nothing; the two thresholds differ', () => {
    expect(mutualKnn(a, b, { clipQuantile: 1 })).toBe(mutualKnn(a, b));
    const heavy = map(a, (v, i, j) => (i % 7 === 0 && j === 2 ? v * 40 : v));
    const rowMean = cknna(heavy, b, { clipQuantile: 0.8 });
    const global = cknna(heavy, b, { clipQuantile: 0.8, clipThreshold: 'global' });
    expect(rowMean).not.toBe(global);
    expect(cknna(heavy, b)).not.toBe(rowMean);
  });

  it('compareMany shares the neighbour lists and gives the same values as separate calls', () => {
    const ids = ['mutual-knn', 'cknna', 'cycle-knn', 'lcs-knn', 'edit-distance-knn'] as const;
    const many = compareMany([...ids], a, b);
    for (const id of ids) expect(many[id]).toBe(compare(id, a, b));
  });

  it('not translation-invariant with the default (uncentred) rows', () => {
    const shifted = map(a, (v, _i, j) => v + (j === 0 ? 3 : 0));
    expect(mutualKnn(shifted, b)).not.toBe(mutualKnn(a, b));
  });
});

describe('bad k: typed errors that state the valid range', () => {
  const a = randomMatrix(8, 3, 1);
  const b = randomMatrix(8, 4, 2);

  it('k ≥ N', () => {
    for (const id of ['mutual-knn', 'cknna', 'cycle-knn', 'lcs-knn', 'edit-distance-knn']) {
      const error = errorOf(() => compare(id, a, b, { k: 8 }));
      expect(error.code).toBe('E_TOO_FEW_ROWS');
      expect(error.message).toMatch(id === 'cknna' ? /choose k in \[2, 7\]/ : /choose k in \[1, 7\]/);
    }
  });

  it('k < 1 (k < 2 for cknna), fractional k', () => {
    expect(errorOf(() => compare('mutual-knn', a, b, { k: 0 })).code).toBe('E_OPTION');
    expect(errorOf(() => compare('mutual-knn', a, b, { k: 0 })).message).toMatch(/≥ 1/);
    expect(errorOf(() => compare('cknna', a, b, { k: 1 })).message).toMatch(/≥ 2/);
    expect(errorOf(() => compare('lcs-knn', a, b, { k: 2.5 })).code).toBe('E_OPTION');
  });

  it('clipQuantile outside (0, 1]', () => {
    expect(errorOf(() => compare('mutual-knn', a, b, { clipQuantile: 0 })).code).toBe('E_OPTION');
    expect(errorOf(() => compare('mutual-knn', a, b, { clipQuantile: 1.5 })).code).toBe('E_OPTION');
  });
});
