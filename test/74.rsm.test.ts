// RSM family (native/core/rsm.cpp): values against independent numpy/scipy references
// (scripts/rsm_reference.py → test/fixtures/rsm-reference.json), identities between measures, and the
// typed errors of degenerate inputs. ReSi parity is in 50.resi-parity; metadata in 60.properties.
import { describe, expect, it } from 'vitest';

import { NnsimError, compare, compareMany, effectiveProperties, getMeasure, measureIds } from '../src/index.js';
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

  it('angular output: a distance, exactly 0 for identical inputs, arccos of CKA otherwise', () => {
    const { a, b } = relatedPair(4, 30, 5, 6);
    const copy = { ...a, data: Float64Array.from(a.data) };
    for (const estimator of ['biased', 'unbiased', 'lange'] as const) {
      expect(compare('cka', a, copy, { estimator, output: 'angular' })).toBe(0);
      const similarity = compare('cka', a, b, { estimator });
      expect(compare('cka', a, b, { estimator, output: 'angular' })).toBeCloseTo(Math.acos(similarity), 12);
    }
    const props = effectiveProperties(getMeasure('cka'), { output: 'angular', estimator: 'lange', kernel: 'laplace' });
    expect(props).toMatchObject({ kind: 'distance', metric: true, selfValue: 0, range: [0, Math.PI] });
    const absolute = effectiveProperties(getMeasure('cka'), { output: 'angular', kernel: 'rbf', bandwidth: 3 });
    expect(absolute.kind).toBe('distance');
    expect(absolute.invariances).not.toContain('isotropic-scaling');
  });

  it('sigma is relative, bandwidth absolute: they cannot be combined, and bandwidth needs a radial kernel', () => {
    const { a, b } = relatedPair(6, 30, 4, 5);
    const scaled = { ...a, data: a.data.map((v) => 3 * v) };
    expect(compare('cka', scaled, b, { kernel: 'laplace' })).toBeCloseTo(compare('cka', a, b, { kernel: 'laplace' }), 12);
    expect(compare('cka', scaled, b, { kernel: 'laplace', bandwidth: 2 })).not.toBeCloseTo(
      compare('cka', a, b, { kernel: 'laplace', bandwidth: 2 }),
      6,
    );
    expect(code(() => compare('cka', a, b, { kernel: 'rbf', sigma: 2, bandwidth: 1 }))).toBe('E_OPTION');
    expect(code(() => compare('cka', a, b, { bandwidth: 1 }))).toBe('E_OPTION');
    expect(code(() => compare('cka', a, b, { kernel: 'rbf', bandwidth: 0 }))).toBe('E_OPTION');
  });
});

describe("angular CKA equals repsim's AngularCKA (Lange et al. 2022; scripts/repsim_reference.py)", () => {
  interface RepsimValue {
    options: Record<string, unknown>;
    value: number;
    direct: number;
  }
  const repsim = readFixture<{ cases: { description: string; a: number[][]; b: number[][]; values: RepsimValue[] }[] }>(
    'repsim-reference.json',
  );
  for (const testCase of repsim.cases) {
    it(testCase.description, () => {
      const a = fromRows(testCase.a);
      const b = fromRows(testCase.b);
      expect(testCase.values.length).toBe(6);
      for (const { options, value, direct } of testCase.values) {
        const got = compare('cka', a, b, options);
        // The same angle from directly computed distances (NumPy) to 1e-9; repsim itself to 1e-9, except
        // that its Laplace kernel takes the square root of Gram-expansion distances (≈ 1e-9 of rounding).
        expect(Math.abs(got - direct), `${JSON.stringify(options)}: got ${got}, direct ${direct}`).toBeLessThanOrEqual(TOLERANCE);
        const tolerance = options.kernel === 'laplace' ? 1e-8 : TOLERANCE;
        expect(Math.abs(got - value), `${JSON.stringify(options)}: got ${got}, repsim ${value}`).toBeLessThanOrEqual(tolerance);
      }
    });
  }
});

describe('dcka against the numpy reference of Cui et al.’s deconfounding (scripts/dcka_reference.py)', () => {
  interface DckaCase {
    description: string;
    a: number[][];
    b: number[][];
    inputSimilarity: number[][];
    values: { options: Record<string, unknown>; value: number }[];
  }
  const dckaReference = readFixture<{ cases: DckaCase[] }>('dcka-reference.json');
  for (const testCase of dckaReference.cases) {
    it(testCase.description, () => {
      const a = fromRows(testCase.a);
      const b = fromRows(testCase.b);
      for (const { options, value } of testCase.values) {
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const got = compare('dcka', x, y, { ...options, inputSimilarity: testCase.inputSimilarity });
          expect(Math.abs(got - value), `${JSON.stringify(options)}: got ${got}, want ${value}`).toBeLessThanOrEqual(
            TOLERANCE * Math.max(1, Math.abs(value)),
          );
        }
      }
      // Deconfounding changes the value: plain CKA differs.
      expect(Math.abs(compare('cka', a, b) - testCase.values[0]!.value)).toBeGreaterThan(1e-3);
    });
  }

  it('the input similarity is validated: required, N × N, finite, symmetric; the scale of K0 does not matter', () => {
    const testCase = dckaReference.cases[0]!;
    const a = fromRows(testCase.a);
    const b = fromRows(testCase.b);
    const k0 = fromRows(testCase.inputSimilarity);
    const n = k0.rows;
    expect(code(() => compare('dcka', a, b))).toBe('E_OPTION');
    expect(code(() => compare('dcka', a, b, { inputSimilarity: { data: k0.data.slice(0, (n - 1) * n), rows: n - 1, cols: n } }))).toBe(
      'E_SHAPE',
    );
    const withNaN = Float64Array.from(k0.data, (v, i) => (i === 5 ? NaN : v));
    expect(code(() => compare('dcka', a, b, { inputSimilarity: { data: withNaN, rows: n, cols: n } }))).toBe('E_NONFINITE');
    const asymmetric = Float64Array.from(k0.data, (v, i) => (i === 1 ? v + 0.5 : v));
    expect(code(() => compare('dcka', a, b, { inputSimilarity: { data: asymmetric, rows: n, cols: n } }))).toBe('E_OPTION');
    expect(code(() => compare('dcka', a, b, { inputSimilarity: { data: new Float64Array(n * n), rows: n, cols: n } }))).toBe(
      'E_DEGENERATE',
    );
    const plain = compare('dcka', a, b, { inputSimilarity: k0 });
    // Any units, 1e-300 … 1e300 (⟨K0, K0⟩ would underflow or overflow unscaled).
    for (const factor of [7, 1e300, 1e-300]) {
      const scaled = { data: k0.data.map((v) => factor * v), rows: n, cols: n };
      expect(compare('dcka', a, b, { inputSimilarity: scaled }), `K0 × ${factor}`).toBeCloseTo(plain, 12);
    }
    // When K0 is the first representation's own centred kernel, nothing of it is left after deconfounding.
    expect(code(() => compare('dcka', a, b, { inputSimilarity: multiplyTransposed(a) }))).toBe('E_DEGENERATE');
  });
});

function multiplyTransposed(m: Matrix): Matrix {
  // The linear kernel of the column-centred rows of m.
  const means = Array.from({ length: m.cols }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + j]!;
    return s / m.rows;
  });
  const data = new Float64Array(m.rows * m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.rows; j++) {
      let s = 0;
      for (let c = 0; c < m.cols; c++) s += (m.data[i * m.cols + c]! - means[c]!) * (m.data[j * m.cols + c]! - means[c]!);
      data[i * m.rows + j] = s;
    }
  }
  return { data, rows: m.rows, cols: m.rows };
}

describe('identities between measures', () => {
  it('arccos(bures) is the angular shape metric', () => {
    for (const seed of [1, 2, 3]) {
      const { a, b } = relatedPair(seed, 30, 4, 9);
      expect(Math.abs(Math.acos(compare('bures', a, b)) - compare('angular-shape', a, b))).toBeLessThan(1e-12);
    }
  });

  it('gulp with λ = 0 is sqrt(r_X + r_Y − 2·‖U_XᵀU_Y‖²), so gulp² + 2·eigenspace-overlap·max(D, D′) = r_X + r_Y on centred data', () => {
    const { a, b } = relatedPair(5, 50, 4, 6);
    const g = compare('gulp', a, b);
    const overlap = compare('eigenspace-overlap', a, b, { center: true }) * 6;
    expect(Math.abs(g * g + 2 * overlap - 10)).toBeLessThan(1e-10);
  });

  it('gulp tends to 0 for large λ and is small but accurate for nearly identical inputs', () => {
    const { a, b } = relatedPair(6, 40, 5, 7);
    expect(compare('gulp', a, b, { lambda: 1e9 })).toBeLessThan(1e-8);
    const near = { ...a, data: a.data.map((v, i) => v + 1e-9 * Math.sin(i)) };
    const d = compare('gulp', a, near);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(1e-7);
    expect(compare('gulp', a, a)).toBe(0);
  });

  it('compareMany reuses the per-representation RSMs and gives the values of separate calls', () => {
    const { a, b } = relatedPair(7, 45, 5, 8);
    const specs = [
      'cka',
      { id: 'cka', options: { kernel: 'rbf' }, key: 'cka-rbf' },
      { id: 'cka', options: { kernel: 'rbf', estimator: 'unbiased' }, key: 'cka-rbf-u' },
      'rsm-norm-difference',
      'rsa',
      { id: 'rsa', options: { inner: 'euclidean', outer: 'kendall' }, key: 'rsa-k' },
      'distance-correlation',
      'bures',
      'eigenspace-overlap',
      'gulp',
      { id: 'riemannian', options: { regularization: 0.05 }, key: 'riem' },
    ] as const;
    const many = compareMany(specs, a, b);
    for (const spec of specs) {
      const id = typeof spec === 'string' ? spec : spec.id;
      const key = typeof spec === 'string' ? spec : spec.key;
      const options = typeof spec === 'string' ? {} : spec.options;
      expect(many[key], key).toBe(compare(id, a, b, options));
    }
  });
});

describe('degenerate inputs and options', () => {
  const constant: Matrix = { rows: 8, cols: 3, data: new Float64Array(24).fill(2) };
  const zeros: Matrix = { rows: 8, cols: 3, data: new Float64Array(24) };
  const x = randomMatrix(8, 3, 11);

  it('measures of centred data reject inputs with all rows equal', () => {
    for (const id of ['distance-correlation', 'bures', 'gulp', 'cka']) {
      expect(code(() => compare(id, constant, x)), id).toBe('E_DEGENERATE');
      expect(code(() => compare(id, x, constant)), id).toBe('E_DEGENERATE');
    }
    expect(code(() => compare('eigenspace-overlap', x, constant, { center: true }))).toBe('E_DEGENERATE');
    expect(code(() => compare('eigenspace-overlap', zeros, x))).toBe('E_DEGENERATE');
    expect(compare('eigenspace-overlap', constant, x)).toBeGreaterThan(0); // uncentred: a rank-1 column space
    expect(code(() => compare('rsa', constant, x, { inner: 'euclidean' }))).toBe('E_DEGENERATE');
    expect(code(() => compare('rsa', randomMatrix(2, 3, 1), randomMatrix(2, 3, 2)))).toBe('E_TOO_FEW_ROWS');
    expect(compare('rsm-norm-difference', constant, constant)).toBe(0);
  });

  it('riemannian needs positive definite kernels unless regularised', () => {
    const tall = randomMatrix(10, 4, 12);
    const err = (() => {
      try {
        compare('riemannian', tall, randomMatrix(10, 12, 13));
      } catch (e) {
        return e as NnsimError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('E_DEGENERATE');
    expect(err?.message).toContain('regularization');
    expect(compare('riemannian', tall, randomMatrix(10, 12, 13), { regularization: 0.01 })).toBeGreaterThan(0);
    const wide = randomMatrix(6, 9, 14);
    expect(compare('riemannian', wide, wide)).toBeLessThan(1e-12);
    // scaling one kernel by c shifts every log-eigenvalue by log c: d = sqrt(N)·|log c|
    const scaled = { ...wide, data: wide.data.map((v) => 2 * v) };
    expect(Math.abs(compare('riemannian', wide, scaled) - Math.sqrt(6) * Math.log(4))).toBeLessThan(1e-10);
  });

  it('validates options in the core', () => {
    expect(code(() => compare('gulp', x, x, { lambda: -1 }))).toBe('E_OPTION');
    expect(code(() => compare('riemannian', x, x, { regularization: -0.1 }))).toBe('E_OPTION');
    expect(code(() => compare('rsa', x, x, { outer: 'tau' } as never))).toBe('E_OPTION');
    expect(code(() => compare('rsm-norm-difference', x, x, { norm: 'nuclear' } as never))).toBe('E_OPTION');
  });
});
