/**
 * Matrix inputs. Representations are N × D, row-major, one row per input: row i of both matrices of a
 * comparison is the same input. A `Float64Array` or `Float32Array` is used in place (zero-copy; float32
 * data is read in bounded float64 blocks by the core); other inputs are copied once into a Float64Array.
 */
import { NnsimError, describeValue, invalidParameter } from './errors.js';

/** A dense row-major matrix: `data[i * cols + j]` is entry (i, j). */
export interface MatrixLike {
  readonly data: Float64Array | Float32Array | readonly number[];
  readonly rows: number;
  readonly cols: number;
}

/** Anything nnsim accepts as a matrix: `{ data, rows, cols }` or an array of equal-length rows. */
export type MatrixInput = MatrixLike | readonly (readonly number[])[];

/** A validated matrix: Float64Array data, finite entries, rows ≥ 1, cols ≥ 1. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * A validated representation as the core reads it: Float64Array or Float32Array data used in place,
 * rows ≥ 1, cols ≥ 1. Finiteness is checked by the core in the same pass that computes the column means.
 */
export interface SourceMatrix {
  readonly data: Float64Array | Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Builds a `{ data, rows, cols }` matrix from a flat array (no copy for a Float64Array). */
export function matrix(data: Float64Array | Float32Array | readonly number[], rows: number, cols: number): MatrixLike {
  return { data, rows, cols };
}

function isDetached(buffer: ArrayBufferLike): boolean {
  // ArrayBuffer.prototype.detached exists from V8 11.4 (Node 22); before that, a view on a detached
  // buffer cannot be constructed.
  const flag = (buffer as { detached?: boolean }).detached;
  if (flag !== undefined) return flag;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

function checkDimension(value: unknown, what: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw invalidParameter(
      typeof value === 'number' ? 'E_SHAPE' : 'E_TYPE',
      `${name}.${what}`,
      'an integer between 1 and 2^31 - 1',
      value,
    );
  }
  return value;
}

function nonFinite(name: string, index: number, cols: number, value: number): NnsimError {
  const i = Math.floor(index / cols);
  const j = index % cols;
  return new NnsimError('E_NONFINITE', `${name} has ${Number.isNaN(value) ? 'NaN' : value} at row ${i}, column ${j}`);
}

/**
 * Validates and normalises a matrix input. Throws an NnsimError (E_TYPE, E_SHAPE, E_NONFINITE,
 * E_DETACHED, E_SHARED_BUFFER) for anything that is not a finite N × D matrix.
 */
export function toMatrix(input: unknown, name = 'matrix'): Matrix {
  if (Array.isArray(input)) return fromRows(input, name);
  if (input === null || typeof input !== 'object') {
    throw invalidParameter('E_TYPE', name, 'a matrix { data, rows, cols } or an array of rows', input);
  }
  const { data } = input as { data?: unknown };
  const { rows: r, cols: c } = checkedShape(input as { data?: unknown; rows?: unknown; cols?: unknown }, name);
  return copyChecked(data as ArrayLike<unknown>, r, c, name);
}

/**
 * Like toMatrix, but a Float64Array or Float32Array is returned as it is, without the finite check (the
 * native representation made from it checks every entry): no extra pass over the data, no copy.
 */
export function toSourceMatrix(input: unknown, name = 'matrix'): SourceMatrix {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const { data } = input as { data?: unknown };
    if (data instanceof Float64Array || data instanceof Float32Array) {
      const { rows, cols } = checkedShape(input as { data?: unknown; rows?: unknown; cols?: unknown }, name);
      return { data, rows, cols };
    }
  }
  return toMatrix(input, name);
}

/** Checks rows, cols and the data of `{ data, rows, cols }` (type, shared/detached buffer, length). */
function checkedShape(input: { data?: unknown; rows?: unknown; cols?: unknown }, name: string): { rows: number; cols: number } {
  const { data, rows, cols } = input;
  const r = checkDimension(rows, 'rows', name);
  const c = checkDimension(cols, 'cols', name);
  if (data instanceof Float64Array || data instanceof Float32Array) {
    if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
      throw new NnsimError('E_SHARED_BUFFER', `${name}.data lives in a SharedArrayBuffer; copy it into a Float64Array first`);
    }
    if (data.length === 0 && isDetached(data.buffer)) {
      throw new NnsimError('E_DETACHED', `the ArrayBuffer behind ${name}.data is detached`);
    }
  } else if (!Array.isArray(data)) {
    throw invalidParameter('E_TYPE', `${name}.data`, 'a Float64Array, Float32Array or number[]', data);
  }
  const length = (data as ArrayLike<number>).length;
  if (r * c !== length) {
    throw new NnsimError('E_SHAPE', `${name}: rows × cols = ${r} × ${c} = ${r * c} does not match data length ${length}`);
  }
  return { rows: r, cols: c };
}

/** Float64Array data checked for finiteness (used in place), or any other data copied and checked. */
function copyChecked(data: ArrayLike<unknown>, r: number, c: number, name: string): Matrix {
  const length = data.length;
  if (data instanceof Float64Array) {
    for (let k = 0; k < length; k++) {
      const v = data[k]!;
      if (v - v !== 0) throw nonFinite(name, k, c, v);
    }
    return { data, rows: r, cols: c };
  }
  const out = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const v = data[k];
    if (typeof v !== 'number') throw invalidParameter('E_TYPE', `${name}.data[${k}]`, 'a number', v);
    if (v - v !== 0) throw nonFinite(name, k, c, v);
    out[k] = v;
  }
  return { data: out, rows: r, cols: c };
}

function fromRows(rowsInput: readonly unknown[], name: string): Matrix {
  const rows = rowsInput.length;
  if (rows === 0) throw new NnsimError('E_SHAPE', `${name} has no rows`);
  const first = rowsInput[0];
  if (!Array.isArray(first) && !ArrayBuffer.isView(first)) {
    throw invalidParameter('E_TYPE', `${name}[0]`, 'an array of numbers (one row)', first);
  }
  const cols = (first as ArrayLike<number>).length;
  if (cols === 0) throw new NnsimError('E_SHAPE', `${name} has rows of length 0`);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = rowsInput[i] as ArrayLike<unknown> | undefined;
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      throw invalidParameter('E_TYPE', `${name}[${i}]`, 'an array of numbers (one row)', row);
    }
    if (row.length !== cols) {
      throw new NnsimError('E_SHAPE', `${name}[${i}] has ${row.length} entries but row 0 has ${cols}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw invalidParameter('E_TYPE', `${name}[${i}][${j}]`, 'a number', v);
      if (v - v !== 0) throw nonFinite(name, i * cols + j, cols, v);
      out[i * cols + j] = v;
    }
  }
  return { data: out, rows, cols };
}

/** Throws E_SHAPE unless both matrices have the same number of rows (inputs). */
export function requireSameRows(a: { rows: number }, b: { rows: number }, names = ['a', 'b'] as const): void {
  if (a.rows !== b.rows) {
    throw new NnsimError(
      'E_SHAPE',
      `${names[0]} and ${names[1]} must have the same number of rows (the same inputs): got ${a.rows} and ${b.rows}`,
    );
  }
}

export { describeValue };
