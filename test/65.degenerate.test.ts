// Degenerate input for every representational measure, registry-driven: the edge cases on which ReSi
// fails (constant, duplicated and collinear rows …) plus N < D and exact rank deficiency. Each cell must be a finite value in
// the measure's declared range or a typed NnsimError with the code that names the defect — never NaN,
// never a crash, never a silently truncated input (ReSi gives NaN, garbage or raises in many cells).
import { describe, expect, it } from 'vitest';

import { NnsimError, compare, effectiveProperties, listMeasures } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { map, randomMatrix, relatedMatrix } from './helpers/random.js';

/** Quick settings for the slow stochastic measures; they do not change what is defined. */
const QUICK: Readonly<Record<string, Record<string, unknown>>> = {
  rtd: { trials: 2, batch: 30 },
  'geometry-score': { repetitions: 5, landmarks: 16, gamma: 0.1 },
};

function labelsFor(rows: number): Int32Array {
  return Int32Array.from({ length: rows }, (_, i) => i % 3);
}

function withRows(m: Matrix, rows: number): Matrix {
  return { data: m.data.slice(0, rows * m.cols), rows, cols: m.cols };
}

const base = randomMatrix(40, 6, 7);
const other = relatedMatrix(base, 5, 8);

interface Defect {
  name: string;
  a: Matrix;
  b: Matrix;
  /** Codes allowed instead of a value. */
  codes: readonly string[];
  /** The defect must be refused (no value allowed). */
  mustFail?: boolean;
}

const DEFINED_OR_DEGENERATE = ['E_DEGENERATE', 'E_TOO_FEW_ROWS'];

const DEFECTS: Defect[] = [
  { name: 'NaN in the first input', a: map(base, (v, i, j) => (i === 3 && j === 2 ? NaN : v)), b: other, codes: ['E_NONFINITE'], mustFail: true },
  { name: 'Inf in the first input', a: map(base, (v, i, j) => (i === 3 && j === 2 ? Infinity : v)), b: other, codes: ['E_NONFINITE'], mustFail: true },
  { name: 'mismatched N (40 vs 39)', a: base, b: withRows(other, 39), codes: ['E_SHAPE'], mustFail: true },
  { name: 'a constant column', a: map(base, (v, _i, j) => (j === 1 ? 3 : v)), b: other, codes: DEFINED_OR_DEGENERATE },
  {
    name: 'an all-zero row in both',
    a: map(base, (v, i) => (i === 5 ? 0 : v)),
    b: map(other, (v, i) => (i === 5 ? 0 : v)),
    codes: DEFINED_OR_DEGENERATE,
  },
  { name: 'N = 8', a: withRows(base, 8), b: withRows(other, 8), codes: DEFINED_OR_DEGENERATE },
  {
    name: 'N = 2, D = 1',
    a: { data: new Float64Array([0.3, -1.2]), rows: 2, cols: 1 },
    b: { data: new Float64Array([2.0, 0.5]), rows: 2, cols: 1 },
    codes: DEFINED_OR_DEGENERATE,
  },
  { name: 'first input all zeros', a: map(base, () => 0), b: other, codes: DEFINED_OR_DEGENERATE },
  {
    name: 'all rows equal in both',
    a: map(base, (_v, _i, j) => base.data[j]!),
    b: map(other, (_v, _i, j) => other.data[j]!),
    codes: DEFINED_OR_DEGENERATE,
  },
  { name: 'N < D (12 × 30 vs 12 × 20)', a: randomMatrix(12, 30, 11), b: randomMatrix(12, 20, 12), codes: DEFINED_OR_DEGENERATE },
  {
    name: 'exactly rank-deficient (rank 2 of 6 columns)',
    a: map(base, (_v, i, j) => base.data[i * 6 + (j % 2)]! * (1 + j)),
    b: other,
    codes: DEFINED_OR_DEGENERATE,
  },
];

const measures = listMeasures({ domain: 'representational' }).filter((m) => m.arity === 'pair');

describe('degenerate input: a value in range or a typed error, never NaN', () => {
  for (const info of measures) {
    it(info.id, () => {
      const options: Record<string, unknown> = { ...(QUICK[info.id] ?? {}) };
      const range = effectiveProperties(info, options).range;
      for (const defect of DEFECTS) {
        const opts = info.requires.includes('labels') ? { ...options, labels: labelsFor(defect.a.rows) } : options;
        let outcome: number | NnsimError;
        try {
          outcome = compare(info.id, defect.a, defect.b, opts);
        } catch (e) {
          expect(e, `${defect.name}: ${String(e)}`).toBeInstanceOf(NnsimError);
          outcome = e as NnsimError;
        }
        if (typeof outcome === 'number') {
          expect(defect.mustFail, `${defect.name}: expected an error, got ${outcome}`).not.toBe(true);
          expect(Number.isFinite(outcome), `${defect.name}: ${outcome}`).toBe(true);
          expect(outcome, defect.name).toBeGreaterThanOrEqual(range[0] - 1e-9);
          expect(outcome, defect.name).toBeLessThanOrEqual(range[1] + 1e-9);
        } else {
          expect(defect.codes, `${defect.name}: ${outcome.code} ${outcome.message}`).toContain(outcome.code);
          expect(outcome.message.length, defect.name).toBeGreaterThan(10);
        }
      }
    });
  }
});
