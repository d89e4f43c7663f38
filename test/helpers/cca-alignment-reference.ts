/**
 * Reference values for the CCA and alignment measures that ReSi lacks or computes differently:
 * test/fixtures/cca-alignment-reference.json, written by scripts/cca_alignment_reference.py (an
 * independent NumPy/SciPy implementation; the tests never run Python).
 */
import { expect, it } from 'vitest';

import { compare, measureIds } from '../../src/index.js';
import type { Matrix } from '../../src/matrix.js';
import { fromRows, readFixture, withinParity } from './fixtures.js';

export interface ReferenceResult {
  order: 'AB' | 'BA';
  measure: string;
  options: Record<string, unknown>;
  value: number | { error: string };
}

export interface ReferenceCase {
  id: string;
  description: string;
  A: number[][];
  B: number[][];
  results: ReferenceResult[];
  checks: Record<string, number>;
}

export const reference = readFixture<{
  generator: string;
  cases: ReferenceCase[];
  /** Procrustes of pairs equal up to rotation, offset and scale but for a small perturbation (no checks). */
  procrustesNearZero: Omit<ReferenceCase, 'checks'>[];
}>('cca-alignment-reference.json');

/** The pair of a case in the given order. */
export function inputsOf(testCase: ReferenceCase, order: 'AB' | 'BA'): [Matrix, Matrix] {
  const a = fromRows(testCase.A);
  const b = fromRows(testCase.B);
  return order === 'AB' ? [a, b] : [b, a];
}

/**
 * One test per case for the given measures: every reference value within 1e-9 relative. Values that are
 * 0 in exact arithmetic come out of the reference's arccos as ~1e-8 (arccos amplifies roundoff near 1),
 * so below 1e-6 the tolerance is 1e-7 absolute.
 */
export function referenceTests(ids: readonly string[]): void {
  const registered = new Set<string>(measureIds());
  for (const testCase of reference.cases) {
    it(`matches the NumPy/SciPy reference on '${testCase.id}' (${testCase.description})`, () => {
      let compared = 0;
      for (const result of testCase.results) {
        if (!ids.includes(result.measure) || !registered.has(result.measure)) continue;
        const [x, y] = inputsOf(testCase, result.order);
        const label = `${result.measure} ${JSON.stringify(result.options)} (${result.order})`;
        if (typeof result.value !== 'number') throw new Error(`reference failed for ${label}: ${result.value.error}`);
        const got = compare(result.measure, x, y, result.options);
        const want = result.value;
        const ok = Math.abs(want) < 1e-6 ? Math.abs(got - want) < 1e-7 : withinParity(got, want);
        expect(ok, `${label}: got ${got}, reference ${want}`).toBe(true);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
}
