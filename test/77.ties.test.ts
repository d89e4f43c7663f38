// Exactly tied distances (quantised activations, duplicated rows) stay tied: RSA with every inner and
// outer choice, RSM norm differences, the k-NN measures and the intrinsic dimension against an
// independent SciPy/NetworkX implementation that decides every comparison on exact integer or rational
// keys (scripts/ties_reference.py → fixtures/ties-reference.json). A Gram-expansion rounding that
// splits a tie, or Spearman ranks that give tied values anything but their average rank, fail here.
import { describe, expect, it } from 'vitest';

import { compare, getMeasure } from '../src/index.js';
import { errorOf } from './helpers/errors.js';
import { fromRows, readFixture } from './helpers/fixtures.js';

interface TiesCase {
  name: string;
  a: number[][];
  b: number[][];
  labels: number[];
  values: { measure: string; options: Record<string, unknown>; value?: number; error?: string }[];
}

const reference = readFixture<{ cases: TiesCase[] }>('ties-reference.json');

describe('exact ties (SciPy/NetworkX on exact keys)', () => {
  for (const testCase of reference.cases) {
    it(`${testCase.name}: every measure equals the exact-key reference`, () => {
      const a = fromRows(testCase.a);
      const b = fromRows(testCase.b);
      expect(testCase.values.length).toBeGreaterThan(40);
      for (const r of testCase.values) {
        const options = getMeasure(r.measure).requires.includes('labels') ? { ...r.options, labels: testCase.labels } : r.options;
        const what = `${r.measure} ${JSON.stringify(r.options)}`;
        if (r.error !== undefined) {
          expect(errorOf(() => compare(r.measure, a, b, options)).code, what).toBe(r.error);
          continue;
        }
        const got = compare(r.measure, a, b, options);
        expect(Math.abs(got - r.value!), `${what}: got ${got}, reference ${r.value}`).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(r.value!)));
      }
    });
  }

  it('covers every inner and outer of RSA and the k-NN measures', () => {
    const seen = new Set(reference.cases.flatMap((c) => c.values.map((v) => `${v.measure} ${JSON.stringify(v.options)}`)));
    for (const inner of ['euclidean', 'cosine', 'correlation']) {
      for (const outer of ['spearman', 'pearson', 'kendall']) expect(seen.has(`rsa ${JSON.stringify({ inner, outer })}`)).toBe(true);
    }
    const measures = new Set(reference.cases.flatMap((c) => c.values.map((v) => v.measure)));
    for (const id of [
      'rsm-norm-difference',
      'knn-jaccard',
      'rank-similarity',
      'joint-rank-jaccard',
      'second-order-cosine',
      'knn-modularity-difference',
      'intrinsic-dimension-difference',
    ]) {
      expect(measures.has(id), id).toBe(true);
    }
  });

  it('gives the six-point example SciPy’s Spearman ρ (5 distinct distances, not 7)', () => {
    const a = [[0, 0], [1, 0], [0, 1], [1, 1], [2, 0], [0, 2]];
    const b = [[0, 0], [2, 1], [1, 2], [3, 3], [1, 0], [5, 1]];
    // scipy.stats.spearmanr(pdist(a), pdist(b)).statistic
    expect(compare('rsa', a, b, { inner: 'euclidean' })).toBeCloseTo(0.20463540548918072, 14);
  });

  it('gives duplicated rows equal neighbourhoods: a duplicate of every input is its nearest neighbour', () => {
    const rows = [[3, 1, 0], [0, 2, 2], [1, 1, 1], [4, 0, 1], [2, 2, 0]];
    const doubled = [...rows, ...rows];
    // With k = 1 each input's only neighbour is its twin in both representations (ties by index would
    // otherwise decide): Jaccard 1 however the second representation is scaled or rotated.
    const rotated = doubled.map(([x, y, z]) => [y!, -x!, 2 * z!]);
    expect(compare('knn-jaccard', doubled, rotated, { k: 1, metric: 'euclidean' })).toBe(1);
    expect(compare('knn-jaccard', doubled, doubled.map((r) => r.map((v) => 1e6 * v + 1e9)), { k: 1, metric: 'euclidean' })).toBe(1);
  });
});
