/**
 * Row blocks of a large array file, read with positioned reads into one reused buffer: memory stays at
 * the block size whatever the file's size. Only the header is parsed up front (with every size claim
 * checked against the file's size). Streams `.npy` (C order) and single-tensor `.safetensors` arrays of
 * little-endian float32 or float64; anything else (other dtypes, Fortran order, .npz) is left to the
 * loaders in load.ts. A 2-D array's rows are handed out as typed-array views of the buffer without
 * conversion; a 3-D/4-D array is read by samples (its first dimension) and each block is reshaped as
 * --layout/--reshape say (src/io/tensor.ts) into one reused float64 block.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';

import { NnsimError } from '../errors.js';
import { type DType, fileError } from './array.js';
import { type ArrayView, IDS, planEntry, splitSpec } from './load.js';
import { parseNpyHeader } from './npy.js';
import { safetensorsLayout } from './safetensors.js';
import { type TensorPlan, transformSamples } from './tensor.js';

/** An open array file read block by block. */
export interface RowFile {
  readonly source: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'float64';
  /** Rows and columns of the matrix the array becomes (after its reshape). */
  readonly rows: number;
  readonly cols: number;
  /** Samples (the array's first dimension); each becomes rows / samples consecutive rows. */
  readonly samples: number;
  /** Bytes of one sample in the file. */
  readonly sampleBytes: number;
  /**
   * The matrix rows of samples [begin, begin + count) as a view of a buffer reused by the next call (copy
   * what must outlive it). Values are not checked here: the accumulator checks them as it adds them.
   */
  read(begin: number, count: number): Float32Array | Float64Array;
  close(): void;
}

/** Enough bytes for any ordinary .npy header (numpy pads it to 64 bytes; version 1 caps it at 64 KiB). */
const HEADER_PREFIX = 1 << 16;

function readAt(fd: number, bytes: Uint8Array, position: number, source: string): void {
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw fileError(source, `ends at byte ${position + done}, before the data its header promises; the file is truncated`);
    done += n;
  }
}

/**
 * The first bytes of a .safetensors file of `size` bytes open as `fd`: its 8-byte header size and as much
 * of the JSON header as that claims (at most the file), for safetensorsLayout(prefix, path, size).
 */
export function safetensorsHeader(fd: number, path: string, size: number): Uint8Array {
  if (size < 8) throw fileError(path, 'too short for a .safetensors file (no 8-byte header size); the file is truncated');
  const sizeField = new Uint8Array(8);
  readAt(fd, sizeField, 0, path);
  const claimed = new DataView(sizeField.buffer).getBigUint64(0, true);
  const prefix = new Uint8Array(8 + Number(claimed < BigInt(size) ? claimed : 0n));
  readAt(fd, prefix, 0, path);
  return prefix;
}

function openFd(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NnsimError('E_FILE', `${path}: no such file; check the path`);
    throw new NnsimError('E_FILE', `${path}: cannot be opened (${code ?? String(error)})`);
  }
}

interface Layout {
  source: string;
  dtype: DType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: readonly number[];
  dataOffset: number;
  name: string;
  metadata?: Readonly<Record<string, string>>;
}

function layoutOf(fd: number, path: string, only: string | undefined, size: number): Layout | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    if (only !== undefined) return undefined;  // the loader reports the mistake
    let prefix = new Uint8Array(Math.min(size, HEADER_PREFIX));
    readAt(fd, prefix, 0, path);
    let header;
    try {
      header = parseNpyHeader(prefix, path, size);
    } catch (error) {
      // A longer header (format 2/3): read exactly as much as it claims, then parse again.
      const claimed = prefix.length >= 12 && prefix[6]! >= 2 ? 12 + new DataView(prefix.buffer).getUint32(8, true) : 0;
      if (claimed <= prefix.length || claimed > size) throw error;
      prefix = new Uint8Array(claimed);
      readAt(fd, prefix, 0, path);
      header = parseNpyHeader(prefix, path, size);
    }
    return { source: path, name: basename(path, extname(path)), ...header };
  }
  if (ext === '.safetensors') {
    const { tensors, metadata } = safetensorsLayout(safetensorsHeader(fd, path, size), path, size, only);
    // One array (a tensor of sample ids beside it does not count), else the loader asks which one.
    const arrays = tensors.length === 2 && only === undefined ? tensors.filter((t) => t.name !== IDS) : tensors;
    if (arrays.length !== 1) return undefined;
    const t = arrays[0]!;
    return {
      source: t.source,
      name: t.name,
      metadata,
      dtype: t.dtype,
      littleEndian: true,
      fortranOrder: false,
      shape: t.shape,
      dataOffset: t.begin,
    };
  }
  return undefined;
}

/**
 * Opens `spec` for block reads, or returns undefined when the array cannot be streamed (a format,
 * dtype or layout the block reader does not handle). Header errors (truncated, corrupt) are thrown.
 */
export function openRowFile(spec: string, view?: ArrayView): RowFile | undefined {
  const [path, only] = splitSpec(spec);
  const ext = extname(path).toLowerCase();
  if (ext !== '.npy' && ext !== '.safetensors') return undefined;
  const fd = openFd(path);
  let handedOut = false;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const layout = layoutOf(fd, path, only, stat.size);
    if (!layout || layout.fortranOrder || !layout.littleEndian || (layout.dtype !== 'float32' && layout.dtype !== 'float64')) {
      return undefined;
    }
    const plan: TensorPlan = planEntry(layout, view);
    const { rows, cols } = plan;
    const dtype = layout.dtype;
    const item = dtype === 'float32' ? 4 : 8;
    const samples = layout.shape[0] ?? 1;
    const perSample = plan.inputPerSample;
    let buffer = new ArrayBuffer(0);
    let reshaped = new Float64Array(0);
    let open = true;
    handedOut = true;
    return {
      source: layout.source,
      shape: layout.shape,
      dtype,
      rows,
      cols,
      samples,
      sampleBytes: perSample * item,
      read(begin: number, count: number): Float32Array | Float64Array {
        if (!open) throw new NnsimError('E_INTERNAL', `${layout.source}: read after close`);
        if (begin < 0 || count < 0 || begin + count > samples) {
          throw new NnsimError('E_INTERNAL', `${layout.source}: samples ${begin}+${count} out of range`);
        }
        const bytes = count * perSample * item;
        if (buffer.byteLength < bytes) buffer = new ArrayBuffer(bytes);
        readAt(fd, new Uint8Array(buffer, 0, bytes), layout.dataOffset + begin * perSample * item, layout.source);
        const raw = dtype === 'float32' ? new Float32Array(buffer, 0, count * perSample) : new Float64Array(buffer, 0, count * perSample);
        if (plan.identity) return raw;
        const values = count * plan.outputPerSample;
        if (reshaped.length < values) reshaped = new Float64Array(values);
        const out = reshaped.subarray(0, values);
        transformSamples(plan, raw, count, out, 0);
        return out;
      },
      close(): void {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } finally {
    if (!handedOut) closeSync(fd);
  }
}
