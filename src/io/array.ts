/**
 * Arrays read from files (.npy, .npz, .safetensors): a header is parsed and checked first, and the data
 * is decoded only on demand, so a caller can refuse a file (wrong shape, mismatched N) before anything
 * the size of its data is allocated. Every failure is an NnsimError with code E_FILE (or E_NONFINITE for
 * NaN/Inf content) and a one-line message that names the file and says what to do.
 */
import { NnsimError } from '../errors.js';

/** Element types the readers decode; everything else is refused. */
export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

export const ITEM_SIZE: Readonly<Record<DType, number>> = {
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

/** One array of a file whose header has been validated; `decode()` reads the data. */
export interface ArrayEntry {
  /** Where it comes from, for messages: `a.npz#layer1`. */
  readonly source: string;
  /** Tensor/entry name (file stem for a single .npy). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The file's string metadata (.safetensors `__metadata__`, or a .npz `__metadata__` entry), if any. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The values as float64 in C (row-major) order; throws E_NONFINITE on NaN/±Inf. */
  decode(): Float64Array;
  /**
   * The values for a representation: little-endian float32 data in C order stays float32 (a view of the
   * file's bytes when aligned, else one float32 copy: half the memory of decode()); anything else is
   * decode(). Throws E_NONFINITE on NaN/±Inf.
   */
  decodeSource?(): Float64Array | Float32Array;
}

/** Control characters (from corrupt names) shown escaped, so an error stays one printable line. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function fileError(source: string, message: string): NnsimError {
  return new NnsimError('E_FILE', printable(`${source}: ${message}`));
}

/**
 * Product of the dimensions, refused when it is not a safe integer (a hostile header can claim
 * 2^40 × 2^40 elements; that must be rejected before anything is allocated).
 */
export function elementCount(shape: readonly number[], source: string): number {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw fileError(source, `invalid dimension ${d} in shape (${shape.join(', ')}); the file is corrupt`);
    count *= d;
    if (!Number.isSafeInteger(count)) {
      throw fileError(source, `shape (${shape.join(', ')}) has more elements than can be addressed; the header is corrupt`);
    }
  }
  return count;
}

/** float16 (IEEE 754 binary16) bits → number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/**
 * Decodes `count` elements of `dtype` from `bytes` (byte order `littleEndian`) into float64, in storage
 * order. Non-finite values are refused with their position in the (C-order) array.
 */
export function decodeElements(
  bytes: Uint8Array,
  dtype: DType,
  count: number,
  littleEndian: boolean,
  source: string,
  layout: { shape: readonly number[]; fortranOrder: boolean },
): Float64Array {
  const size = ITEM_SIZE[dtype];
  if (bytes.byteLength < count * size) throw fileError(source, 'the data is truncated; the file is incomplete');
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  // NaN/Inf are refused from the raw bytes, before the float64 copy (which can be 4× the file) exists.
  const bad = firstNonFinite(view, dtype, count, littleEndian);
  if (bad !== undefined) throw nonFiniteError(bad.index, bad.value, layout.shape, layout.fortranOrder, source);
  const out = new Float64Array(count);
  switch (dtype) {
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
      break;
    case 'float16':
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(i * 2, littleEndian));
      break;
    case 'bfloat16':
      // bfloat16 is the upper half of a float32.
      for (let i = 0; i < count; i++) {
        scratch.setUint32(0, view.getUint16(i * 2, littleEndian) << 16);
        out[i] = scratch.getFloat32(0);
      }
      break;
    case 'int8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'uint8':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
    case 'bool':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) !== 0 ? 1 : 0;
      break;
    case 'int16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, littleEndian);
      break;
    case 'uint16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, littleEndian);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, littleEndian);
      break;
    case 'uint32':
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, littleEndian);
      break;
    case 'int64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, littleEndian));
      break;
    case 'uint64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(i * 8, littleEndian));
      break;
  }
  return out;
}

/**
 * Little-endian float32 data as a Float32Array without widening to float64: a view of `bytes` when it is
 * 4-byte aligned, else a float32 copy. NaN/±Inf are refused as decodeElements refuses them.
 */
export function float32Elements(bytes: Uint8Array, count: number, source: string, shape: readonly number[]): Float32Array {
  if (bytes.byteLength < count * 4) throw fileError(source, 'the data is truncated; the file is incomplete');
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 4);
  const bad = firstNonFinite(view, 'float32', count, true);
  if (bad !== undefined) throw nonFiniteError(bad.index, bad.value, shape, false, source);
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  // Uint8Array.prototype.slice copies; a Node Buffer's own slice() would be a view of the whole file.
  return new Float32Array(Uint8Array.prototype.slice.call(bytes, 0, count * 4).buffer);
}

/** The first NaN/±Inf of float data in storage order, or undefined (integers are always finite). */
function firstNonFinite(view: DataView, dtype: DType, count: number, littleEndian: boolean): { index: number; value: number } | undefined {
  let get: ((i: number) => number) | undefined;
  if (dtype === 'float64') get = (i) => view.getFloat64(i * 8, littleEndian);
  else if (dtype === 'float32') get = (i) => view.getFloat32(i * 4, littleEndian);
  else if (dtype === 'float16') get = (i) => ((view.getUint16(i * 2, littleEndian) & 0x7c00) === 0x7c00 ? halfToNumber(view.getUint16(i * 2, littleEndian)) : 0);
  else if (dtype === 'bfloat16') {
    get = (i) => {
      const bits = view.getUint16(i * 2, littleEndian);
      if ((bits & 0x7f80) !== 0x7f80) return 0;
      return bits & 0x7f ? NaN : bits & 0x8000 ? -Infinity : Infinity;
    };
  }
  if (!get) return undefined;
  for (let i = 0; i < count; i++) {
    const v = get(i);
    if (v - v !== 0) return { index: i, value: Number.isNaN(v) ? NaN : v };
  }
  return undefined;
}

/** E_NONFINITE naming the array index of storage position `k` (C or Fortran order). */
function nonFiniteError(k: number, value: number, shape: readonly number[], fortranOrder: boolean, source: string): NnsimError {
  const index = new Array<number>(shape.length).fill(0);
  let rest = k;
  const dims = shape.map((_, d) => d);
  // The fastest-varying dimension is the last one in C order, the first one in Fortran order.
  for (const d of fortranOrder ? dims : dims.reverse()) {
    index[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return new NnsimError(
    'E_NONFINITE',
    printable(`${source}: ${Number.isNaN(value) ? 'NaN' : value} at index (${index.join(', ')}); remove or impute non-finite values before comparing`),
  );
}

/** Column-major (Fortran) data of `shape` → row-major (C) order. */
export function fortranToC(data: Float64Array, shape: readonly number[]): Float64Array {
  const ndim = shape.length;
  if (ndim < 2) return data;
  const out = new Float64Array(data.length);
  if (data.length === 0) return out;
  // Fortran strides: the first index varies fastest.
  const strides = new Array<number>(ndim);
  strides[0] = 1;
  for (let d = 1; d < ndim; d++) strides[d] = strides[d - 1]! * shape[d - 1]!;
  const index = new Array<number>(ndim).fill(0);
  let offset = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = data[offset]!;
    // Advance the C-order index (last dimension fastest) and the Fortran offset with it.
    for (let d = ndim - 1; d >= 0; d--) {
      index[d]!++;
      offset += strides[d]!;
      if (index[d]! < shape[d]!) break;
      offset -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** The string-valued entries of a JSON metadata object (others are ignored), or undefined. */
export function stringMetadata(value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length > 0 ? Object.freeze(Object.fromEntries(entries)) : undefined;
}

/** Natural order of names: layer2 < layer10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' });
}
