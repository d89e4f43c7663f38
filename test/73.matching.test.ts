// Neuron-matching measures of the alignment family (correlation-match, permutation-procrustes,
// soft-matching, maximum-match) against independent reference values computed by
// scripts/matching_reference.py (numpy corrcoef, scipy linear_sum_assignment on squared column
// distances, scipy linprog/HiGHS for the transport LP, lstsq projections for the maximum match).
import { describe, expect, it } from 'vitest';

import {
  compare,
  compareMany,
  correlationMatch,
  maximumMatch,
  permutationProcrustes,
  softMatching,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { fromRows, readFixture, withinParity } from './helpers/fixtures.js';
import { randomMatrix, relatedMatrix } from './helpers/random.js';
import { errorOf } from './helpers/errors.js';

interface MatchingCase {
  id: string;
  R: number[][];
  Rp: number[][];
  values: Record<string, number>;
}

const reference = readFixture<{ cases: MatchingCase[] }>('matching-reference.json');

/** Fixture key → measure id and options. */
const KEYS: Record<string, { id: string; options?: Record<string, unknown> }> = {
  'correlation-match': { id: 'correlation-match' },
  'correlation-match/soft': { id: 'correlation-match', options: { mode: 'soft' } },
  'permutation-procrustes': { id: 'permutation-procrustes' },
  'soft-matching': { id: 'soft-matching' },
  'maximum-match/0.25': { id: 'maximum-match', options: { epsilon: 0.25 } },
  'maximum-match/0.5': { id: 'maximum-match', options: { epsilon: 0.5 } },
};

function columns(m: Matrix, order: readonly number[], sign = 1): Matrix {
  const data = new Float64Array(m.rows * order.length);
  for (let i = 0; i < m.rows; i++) order.forEach((c, j) => (data[i * order.length + j] = sign * m.data[i * m.cols + c]!));
  return { data, rows: m.rows, cols: order.length };
}

describe('matching measures against the scipy reference', () => {
  it('has every fixture key for every case', () => {
    expect(reference.cases.length).toBeGreaterThanOrEqual(6);
    for (const c of reference.cases) expect(Object.keys(c.values).sort()).toEqual(Object.keys(KEYS).sort());
  });

  for (const c of reference.cases) {
    it(`${c.id}: every measure, both argument orders`, () => {
      const R = fromRows(c.R);
      const Rp = fromRows(c.Rp);
      for (const [key, want] of Object.entries(c.values)) {
        const { id, options } = KEYS[key]!;
        for (const [x, y] of [
          [R, Rp],
          [Rp, R],
        ] as const) {
          const got = compare(id, x, y, options);
          if (id === 'maximum-match') expect(got, key).toBe(want); // a ratio of counts: exact
          else expect(withinParity(got, want), `${key}: got ${got}, reference ${want}`).toBe(true);
        }
      }
    });
  }

  it('the reference cases exercise the measures (non-trivial maximum match, anti-correlated copy)', () => {
    const byId = Object.fromEntries(reference.cases.map((c) => [c.id, c.values]));
    expect(byId['subspace-4x5']!['maximum-match/0.25']).toBeCloseTo(5 / 9, 15);
    expect(byId['negated-copy']!['maximum-match/0.25']).toBe(1);
    // Hard matching maximises the signed correlation, so a negated copy is far from 1 (as in ReSi).
    expect(byId['negated-copy']!['correlation-match']).toBeLessThan(0.5);
  });
});

describe('matching measures: relations and edge cases', () => {
  const a = randomMatrix(40, 6, 1);
  const b = relatedMatrix(a, 6, 2);
  const wide = relatedMatrix(a, 9, 3);

  it('named exports agree with compare', () => {
    expect(correlationMatch(a, wide)).toBe(compare('correlation-match', a, wide));
    expect(correlationMatch(a, wide, { mode: 'soft' })).toBe(compare('correlation-match', a, wide, { mode: 'soft' }));
    expect(permutationProcrustes(a, wide)).toBe(compare('permutation-procrustes', a, wide));
    expect(softMatching(a, wide)).toBe(compare('soft-matching', a, wide));
    expect(maximumMatch(a, wide, { epsilon: 0.6 })).toBe(compare('maximum-match', a, wide, { epsilon: 0.6 }));
  });

  it('soft matching equals permutation Procrustes / √D when D = D′ (the optimal coupling is a permutation)', () => {
    expect(withinParity(softMatching(a, b), permutationProcrustes(a, b) / Math.sqrt(6), 1e-12)).toBe(true);
  });

  it('distances scale exactly with the data, down to tiny and up to huge magnitudes (no absolute tolerances)', () => {
    for (const factor of [1e-150, 1e-9, 1e9, 1e150]) {
      const scale = (m: Matrix) => ({ ...m, data: m.data.map((v) => v * factor) });
      expect(withinParity(softMatching(scale(a), scale(wide)) / factor, softMatching(a, wide), 1e-12)).toBe(true);
      expect(withinParity(permutationProcrustes(scale(a), scale(wide)) / factor, permutationProcrustes(a, wide), 1e-12)).toBe(true);
      expect(correlationMatch(scale(a), scale(wide))).toBeCloseTo(correlationMatch(a, wide), 12);
      expect(maximumMatch(scale(a), scale(wide), { epsilon: 0.6 })).toBe(maximumMatch(a, wide, { epsilon: 0.6 }));
    }
  });

  it('soft matching between a set of neurons and the same neurons repeated is 0 (D ≠ D′)', () => {
    const doubled = columns(a, [0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0]);
    expect(softMatching(a, doubled)).toBe(0);
    expect(permutationProcrustes(a, doubled)).toBeGreaterThan(0); // zero-padding: unmatched copies count
  });

  it('a permuted copy is matched exactly', () => {
    const permuted = columns(a, [4, 2, 0, 5, 1, 3]);
    expect(permutationProcrustes(a, permuted)).toBe(0);
    expect(softMatching(a, permuted)).toBe(0);
    expect(correlationMatch(a, permuted)).toBeCloseTo(1, 14);
    expect(correlationMatch(a, permuted, { mode: 'soft' })).toBeCloseTo(1, 14);
    expect(maximumMatch(a, permuted)).toBe(1);
  });

  it('N < D works (maximum match: D ≥ N neurons span all of ℝᴺ)', () => {
    const x = randomMatrix(8, 12, 4);
    const y = randomMatrix(8, 10, 5);
    expect(maximumMatch(x, y)).toBe(1);
    for (const id of ['correlation-match', 'permutation-procrustes', 'soft-matching']) {
      expect(Number.isFinite(compare(id, x, y))).toBe(true);
    }
  });

  it('constant neurons: correlation 0 (ReSi convention); all constant: E_DEGENERATE', () => {
    const withConstant = { ...a, data: a.data.map((v, i) => (i % a.cols === 2 ? 1.5 : v)) };
    expect(correlationMatch(withConstant, withConstant)).toBeCloseTo(5 / 6, 14);
    const constant = { ...a, data: a.data.map((_, i) => (i % a.cols) + 1) };
    expect(errorOf(() => correlationMatch(constant, b)).code).toBe('E_DEGENERATE');
    expect(errorOf(() => correlationMatch(b, constant, { mode: 'soft' })).code).toBe('E_DEGENERATE');
    // The distances and the maximum match are defined for constant neurons.
    expect(Number.isFinite(softMatching(constant, b))).toBe(true);
    expect(maximumMatch(constant, constant)).toBe(1);
  });

  it('all-zero neurons are never matched by the maximum match', () => {
    const zeros = { ...a, data: a.data.map((v, i) => (i % a.cols < 2 ? 0 : v)) };
    expect(maximumMatch(zeros, zeros)).toBeCloseTo(8 / 12, 15);
    const allZero = { ...a, data: new Float64Array(a.data.length) };
    expect(maximumMatch(allZero, a)).toBe(0);
    expect(permutationProcrustes(allZero, a)).toBeCloseTo(Math.sqrt(a.data.reduce((s, v) => s + v * v, 0)), 12);
  });

  it('rejects bad options and too few rows', () => {
    expect(errorOf(() => compare('correlation-match', a, b, { mode: 'medium' } as never)).code).toBe('E_OPTION');
    expect(errorOf(() => maximumMatch(a, b, { epsilon: 0 })).code).toBe('E_OPTION');
    expect(errorOf(() => maximumMatch(a, b, { epsilon: 1.5 })).code).toBe('E_OPTION');
    const one = randomMatrix(1, 3, 6);
    expect(errorOf(() => correlationMatch(one, one)).code).toBe('E_TOO_FEW_ROWS');
    expect(permutationProcrustes(one, one)).toBe(0);
  });

  it('shares the neuron inner products in compareMany', () => {
    const many = compareMany(['correlation-match', 'permutation-procrustes', 'soft-matching', 'maximum-match'], a, wide);
    expect(many['correlation-match']).toBe(correlationMatch(a, wide));
    expect(many['permutation-procrustes']).toBe(permutationProcrustes(a, wide));
    expect(many['soft-matching']).toBe(softMatching(a, wide));
    expect(many['maximum-match']).toBe(maximumMatch(a, wide));
  });
});
