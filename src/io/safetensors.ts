/**
 * safetensors reader (huggingface/safetensors format): an unsigned 64-bit little-endian header size
 * N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}},
 * then the byte buffer; offsets are relative to the buffer, data is little-endian, C order.
 */
import { type ArrayEntry, type DType, ITEM_SIZE, decodeElements, elementCount, fileError } from './array.js';

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

/** Reads the tensors of a .safetensors file (all, or only `only`) in the order of their data offsets. */
export function readSafetensors(bytes: Uint8Array, source: string, only?: string): ArrayEntry[] {
  if (bytes.length < 8) throw fileError(source, 'too short for a .safetensors file (no 8-byte header size); the file is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getBigUint64(0, true);
  if (headerSize > BigInt(bytes.length - 8)) {
    throw fileError(source, `the header claims ${headerSize} bytes but the file has only ${bytes.length - 8} after the size field; the file is truncated or not .safetensors`);
  }
  const n = Number(headerSize);
  if (n < 2 || n > MAX_HEADER) throw fileError(source, `invalid .safetensors header size ${n}; the file is corrupt`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw fileError(source, 'the .safetensors header is not valid UTF-8 JSON; the file is corrupt');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw fileError(source, 'the .safetensors header is not a JSON object; the file is corrupt');
  }
  const buffer = bytes.subarray(8 + n);
  const entries: { entry: ArrayEntry; begin: number }[] = [];
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
    if (end > buffer.length) {
      throw fileError(where, `data ends at byte ${end} but the data buffer has ${buffer.length}; the file is truncated`);
    }
    const count = elementCount(shape, where);
    if (count * ITEM_SIZE[dtype] !== end - begin) {
      throw fileError(where, `shape (${shape.join(', ')}) of ${dtype} needs ${count * ITEM_SIZE[dtype]} bytes but data_offsets span ${end - begin}; the file is corrupt`);
    }
    const data = buffer.subarray(begin, end);
    entries.push({
      begin,
      entry: {
        source: where,
        name,
        shape,
        dtype,
        decode(): Float64Array {
          return decodeElements(data, dtype, count, true, where, { shape, fortranOrder: false });
        },
      },
    });
  }
  if (only !== undefined && entries.length === 0) {
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    throw fileError(source, `has no tensor named '${only}'; it has: ${names.join(', ') || 'none'}`);
  }
  if (entries.length === 0) throw fileError(source, 'holds no tensors');
  return entries.sort((x, y) => x.begin - y.begin).map((x) => x.entry);
}
