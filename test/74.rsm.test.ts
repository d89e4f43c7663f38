// RSM family (native/core/rsm.cpp): values against independent numpy/scipy references
// (scripts/rsm_reference.py → test/fixtures/rsm-reference.json), identities between measures, and the
// typed errors of degenerate inputs. ReSi parity is in 50.resi-parity; metadata in 60.properties.
import { describe, expect, it } from 'vitest';

import { NnsimError, compare, compareMany, measureIds } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { fromRows, readFixture } from './helpers/fixtures.js';
import { relatedPair } from './helpers/properties.js';
import { randomMatrix } from './helpers/random.js';

interface ReferenceValue {
  id: string;
  options: Record<string, unknown>;
  value: number | { error: true };
}
interface ReferenceCase {
  description: string;
  a: number[][];
  b: number[][];
  values: ReferenceValue[];
}

const reference = readFixture<{ cases: ReferenceCase[] }>('rsm-reference.json');
const registered = new Set<string>(measureIds());
const TOLERANCE = 1e-9;

function code(body: () => unknown): string {
  try {
    body();
  } catch (e) {
    if (e instanceof NnsimError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('RSM measures against the numpy/scipy reference', () => {
  for (const testCase of reference.cases) {
    const a = fromRows(testCase.a);
    const b = fromRows(testCase.b);
    for (const ref of testCase.values) {
      if (!registered.has(ref.id)) continue;
      it(`${testCase.description}: ${ref.id} ${JSON.stringify(ref.options)}`, () => {
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          if (typeof ref.value === 'number') {
            const got = compare(ref.id, x, y, ref.options);
            expect(Math.abs(got - ref.value), `got ${got}, want ${ref.value}`).toBeLessThanOrEqual(
              TOLERANCE * Math.max(1, Math.abs(ref.value)),
            );
          } else {
            expect(code(() => compare(ref.id, x, y, ref.options))).toBe('E_DEGENERATE');
          }
        }
      });
    }
  }
});

describe('cka', () => {
  it('unbiased linear CKA in feature space equals the U-centred N × N route of the reference', () => {
    const { a, b } = relatedPair(3, 40, 5, 7);
    const v = compare('cka', a, b, { estimator: 'unbiased' });
    expect(v).toBeGreaterThan(-1);
    expect(v).toBeLessThan(1);
    // a large bandwidth makes the RBF kernel nearly linear: 1 − d²/2σ² (the constant is removed by centring)
    const wide = compare('cka', a, b, { kernel: 'rbf', sigma: 1e3 });
    expect(Math.abs(wide - compare('cka', a, b))).toBeLessThan(1e-5);
    const wideUnbiased = compare('cka', a, b, { kernel: 'rbf', sigma: 1e3, estimator: 'unbiased' });
    expect(Math.abs(wideUnbiased - v)).toBeLessThan(1e-5);
  });

  it('rejects N < 4 for the unbiased estimator, constant inputs and a zero median distance', () => {
    const small = randomMatrix(3, 2, 1);
    expect(code(() => compare('cka', small, small, { estimator: 'unbiased' }))).toBe('E_TOO_FEW_ROWS');
    expect(compare('cka', small, small)).toBeCloseTo(1, 12);
    const constant: Matrix = { rows: 6, cols: 2, data: new Float64Array(12).fill(3) };
    expect(code(() => compare('cka', constant, randomMatrix(6, 2, 2)))).toBe('E_DEGENERATE');
    // 5 copies of one row and 2 others: 10 of the 21 pairs are at distance 0, 11 not … make it a majority
    const rows = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [1, 2], [3, 1]];
    const dup = fromRows(rows);
    expect(code(() => compare('cka', dup, randomMatrix(8, 2, 3), { kernel: 'rbf' }))).toBe('E_DEGENERATE');
    expect(code(() => compare('cka', dup, dup, { sigma: 0 }))).toBe('E_OPTION');
  });
});
