/**
 * safetensors reader (huggingface/safetensors format): an unsigned 64-bit little-endian header size
 * N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}},
 * then the byte buffer; offsets are relative to the buffer, data is little-endian, C order.
 */
import { type ArrayEntry, type DType, ITEM_SIZE, decodeElements, elementCount, fileError, float32Elements, stringMetadata } from './array.js';

const DTYPES: Readonly<Record<string, DType>> = {
  F16: 'float16',
  BF16: 'bfloat16',
  F32: 'float32',
  F64: 'float64',
  I8: 'int8',
  I16: 'int16',
  I32: 'int32',
  I64: 'int64',
  U8: 'uint8',
  U16: 'uint16',
  U32: 'uint32',
  U64: 'uint64',
  BOOL: 'bool',
};

/** The format caps the header at 100 MB. */
const MAX_HEADER = 100_000_000;

/** One tensor of a .safetensors file as its header describes it; `begin`/`end` are absolute file offsets. */
export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly source: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** The checked header of a .safetensors file: its string metadata (non-string values ignored) and the tensors, in order of their data. */
export interface SafetensorsLayout {
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly tensors: readonly SafetensorsTensorInfo[];
}

/**
 * Parses and checks the header at the start of `bytes` (the whole file, or only its first bytes when
 * `totalBytes` gives the file's size): every size claim is checked against the file's size, so a file
 * can be refused before its data is read.
 */
export function safetensorsLayout(bytes: Uint8Array, source: string, totalBytes = bytes.length, only?: string): SafetensorsLayout {
  if (totalBytes < 8 || bytes.length < 8) throw fileError(source, 'too short for a .safetensors file (no 8-byte header size); the file is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getBigUint64(0, true);
  if (headerSize > BigInt(totalBytes - 8)) {
    throw fileError(source, `the header claims ${headerSize} bytes but the file has only ${totalBytes - 8} after the size field; the file is truncated or not .safetensors`);
  }
  const n = Number(headerSize);
  if (n < 2 || n > MAX_HEADER) throw fileError(source, `invalid .safetensors header size ${n}; the file is corrupt`);
  if (8 + n > bytes.length) throw fileError(source, 'the .safetensors header was not read in full');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw fileError(source, 'the .safetensors header is not valid UTF-8 JSON; the file is corrupt');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw fileError(source, 'the .safetensors header is not a JSON object; the file is corrupt');
  }
  const bufferLength = totalBytes - 8 - n;
  const metadata = stringMetadata((header as Record<string, unknown>).__metadata__);
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (only !== undefined && name !== only) continue;
    const where = `${source}#${name}`;
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (info === null || typeof info !== 'object') throw fileError(where, 'tensor entry is not an object; the file is corrupt');
    const dtype = typeof info.dtype === 'string' ? DTYPES[info.dtype] : undefined;
    if (!dtype) {
      throw fileError(where, `unsupported dtype ${JSON.stringify(info.dtype)}; nnsim reads F16, BF16, F32, F64, integer and BOOL tensors`);
    }
    if (!Array.isArray(info.shape) || info.shape.length > 32 || info.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw fileError(where, "'shape' is not a list of non-negative integers; the file is corrupt");
    }
    const shape = info.shape as number[];
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) ||
      (offsets[0] as number) > (offsets[1] as number)
    ) {
      throw fileError(where, "'data_offsets' is not [begin, end]; the file is corrupt");
    }
    const [begin, end] = offsets as [number, number];
    if (end > bufferLength) {
      throw fileError(where, `data ends at byte ${end} but the data buffer has ${bufferLength}; the file is truncated`);
    }
    const count = elementCount(shape, where);
    if (count * ITEM_SIZE[dtype] !== end - begin) {
      throw fileError(where, `shape (${shape.join(', ')}) of ${dtype} needs ${count * ITEM_SIZE[dtype]} bytes but data_offsets span ${end - begin}; the file is corrupt`);
    }
    tensors.push({ name, source: where, dtype, shape, begin: 8 + n + begin, end: 8 + n + end });
  }
  if (only !== undefined && tensors.length === 0) {
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    throw fileError(source, `has no tensor named '${only}'; it has: ${names.join(', ') || 'none'}`);
  }
  return { metadata, tensors: tensors.sort((x, y) => x.begin - y.begin) };
}

/** Reads the tensors of a .safetensors file (all, or only `only`) in the order of their data offsets. */
export function readSafetensors(bytes: Uint8Array, source: string, only?: string): ArrayEntry[] {
  const { tensors, metadata } = safetensorsLayout(bytes, source, bytes.length, only);
  if (tensors.length === 0) throw fileError(source, 'holds no tensors');
  return tensors.map((t) => {
    const data = bytes.subarray(t.begin, t.end);
    const count = elementCount(t.shape, t.source);
    return {
      source: t.source,
      name: t.name,
      shape: t.shape,
      dtype: t.dtype,
      ...(metadata && { metadata }),
      decode(): Float64Array {
        return decodeElements(data, t.dtype, count, true, t.source, { shape: t.shape, fortranOrder: false });
      },
      decodeSource(): Float64Array | Float32Array {
        return t.dtype === 'float32' ? float32Elements(data, count, t.source, t.shape) : this.decode();
      },
    };
  });
}

/** A tensor to write: little-endian typed data in C order. */
export interface SafetensorsTensor {
  readonly dtype: 'F64' | 'F32' | 'I64' | 'I32' | 'U8';
  readonly shape: readonly number[];
  readonly data: Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

const WRITE_ITEM_SIZE: Readonly<Record<SafetensorsTensor['dtype'], number>> = { F64: 8, F32: 4, I64: 8, I32: 4, U8: 1 };

/**
 * Encodes tensors (and optional string metadata, stored under "__metadata__") as a .safetensors file.
 * Tensors are laid out in the order given; the header is padded with spaces to a multiple of 8 bytes so
 * that every tensor starts 8-byte aligned. Assumes a little-endian host (every platform nnsim builds on).
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsTensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new TypeError("'__metadata__' is reserved and cannot name a tensor");
    const count = tensor.shape.reduce((p, d) => p * d, 1);
    if (tensor.data.length !== count || tensor.data.BYTES_PER_ELEMENT !== WRITE_ITEM_SIZE[tensor.dtype]) {
      throw new TypeError(`tensor '${name}': ${tensor.data.length} elements of ${tensor.data.BYTES_PER_ELEMENT} bytes do not match ${tensor.dtype} (${tensor.shape.join(', ')})`);
    }
    header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const tensor of Object.values(tensors)) {
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), at);
    at += tensor.data.byteLength;
  }
  return out;
}
