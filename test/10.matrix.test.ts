// Matrix inputs: the shapes and values nnsim accepts, and the typed errors for everything else.
import { describe, expect, it } from 'vitest';

import { NnsimError } from '../src/errors.js';
import { matrix, toMatrix } from '../src/matrix.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NnsimError);
    return (e as NnsimError).code;
  }
  return undefined;
}

describe('toMatrix', () => {
  it('uses a Float64Array in place (zero-copy)', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const m = toMatrix({ data, rows: 2, cols: 3 });
    expect(m.data).toBe(data);
    expect([m.rows, m.cols]).toEqual([2, 3]);
  });

  it('copies Float32Array, number[] and row arrays into Float64Array', () => {
    const f32 = toMatrix(matrix(new Float32Array([1.5, 2, 3, 4]), 2, 2));
    expect(f32.data).toBeInstanceOf(Float64Array);
    expect(Array.from(f32.data)).toEqual([1.5, 2, 3, 4]);
    expect(Array.from(toMatrix({ data: [1, 2, 3, 4], rows: 1, cols: 4 }).data)).toEqual([1, 2, 3, 4]);
    const rows = toMatrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect([rows.rows, rows.cols]).toEqual([3, 2]);
    expect(Array.from(rows.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses shapes that do not match the data', () => {
    expect(codeOf(() => toMatrix({ data: new Float64Array(5), rows: 2, cols: 3 }))).toBe('E_SHAPE');
    expect(codeOf(() => toMatrix({ data: new Float64Array(0), rows: 0, cols: 3 }))).toBe('E_SHAPE');
    expect(codeOf(() => toMatrix({ data: new Float64Array(6), rows: 2.5, cols: 3 }))).toBe('E_SHAPE');
    expect(codeOf(() => toMatrix({ data: new Float64Array(6), rows: -2, cols: -3 }))).toBe('E_SHAPE');
    expect(codeOf(() => toMatrix([]))).toBe('E_SHAPE');
    expect(codeOf(() => toMatrix([[]]))).toBe('E_SHAPE');
    expect(codeOf(() => toMatrix([[1, 2], [3]]))).toBe('E_SHAPE');
  });

  it('refuses wrong types', () => {
    expect(codeOf(() => toMatrix(null))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix(42))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix('matrix'))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix({ data: new Int32Array(4), rows: 2, cols: 2 }))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix({ data: new Float64Array(4), rows: '2', cols: 2 }))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix([[1, '2']]))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix([1, 2, 3]))).toBe('E_TYPE');
    expect(codeOf(() => toMatrix({ data: [1, null, 3, 4], rows: 2, cols: 2 }))).toBe('E_TYPE');
  });

  it('refuses NaN and ±Infinity, saying where', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(codeOf(() => toMatrix({ data: new Float64Array([1, 2, bad, 4]), rows: 2, cols: 2 }))).toBe('E_NONFINITE');
      expect(codeOf(() => toMatrix({ data: new Float32Array([1, bad]), rows: 1, cols: 2 }))).toBe('E_NONFINITE');
      expect(codeOf(() => toMatrix([[1], [bad]]))).toBe('E_NONFINITE');
    }
    expect(() => toMatrix({ data: new Float64Array([1, 2, NaN, 4]), rows: 2, cols: 2 }, 'a')).toThrow(/a has NaN at row 1, column 0/);
  });

  it('refuses detached and shared buffers', () => {
    const data = new Float64Array(4);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(codeOf(() => toMatrix({ data, rows: 2, cols: 2 }))).toBe('E_DETACHED');
    const shared = new Float64Array(new SharedArrayBuffer(32));
    expect(codeOf(() => toMatrix({ data: shared, rows: 2, cols: 2 }))).toBe('E_SHARED_BUFFER');
  });
});
