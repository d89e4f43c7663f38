/**
 * From paths to representations: `file.npy`, `file.npz#name`, `file.safetensors#name`, or (for layer
 * sweeps) a folder of .npy files / a multi-array .npz or .safetensors. Arrays with more than two
 * dimensions become matrices only through an explicit reshape, never silently.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

import { NnsimError } from '../errors.js';
import type { Matrix, SourceMatrix } from '../matrix.js';
import { type ArrayEntry, fileError, naturalCompare } from './array.js';
import { readNpy } from './npy.js';
import { readNpz } from './npz.js';
import { readSafetensors } from './safetensors.js';

export type { ArrayEntry } from './array.js';

/** How a 3-D/4-D array (N × … × C) becomes a matrix. */
export type Reshape = 'flatten' | 'positions';

const FORMATS = ['.npy', '.npz', '.safetensors'];

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NnsimError('E_FILE', `${path}: no such file; check the path`);
    if (code === 'EISDIR') throw new NnsimError('E_FILE', `${path}: is a folder; give a .npy, .npz or .safetensors file`);
    if (code === 'EACCES') throw new NnsimError('E_FILE', `${path}: permission denied`);
    if (code === 'ERR_FS_FILE_TOO_LARGE') throw new NnsimError('E_FILE', `${path}: larger than 2 GiB, which nnsim cannot read in one piece; split it into one file per layer`);
    throw new NnsimError('E_FILE', `${path}: cannot be read (${code ?? String(error)})`);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `path#name` → [path, name] unless the whole string is an existing path. */
export function splitSpec(spec: string): [string, string | undefined] {
  if (isFile(spec) || isDirectory(spec)) return [spec, undefined];
  const hash = spec.lastIndexOf('#');
  if (hash > 0) return [spec.slice(0, hash), spec.slice(hash + 1)];
  return [spec, undefined];
}

/** The arrays of one file (all of them, or the one named after '#'), headers checked, data not decoded. */
export function openFile(path: string, only?: string): ArrayEntry[] {
  const ext = extname(path).toLowerCase();
  if (!FORMATS.includes(ext)) {
    if (!isFile(path) && !isDirectory(path)) throw new NnsimError('E_FILE', `${path}: no such file; check the path`);
    throw new NnsimError('E_FILE', `${path}: unknown file type '${ext || '(none)'}'; nnsim reads .npy, .npz and .safetensors`);
  }
  const bytes = readBytes(path);
  if (ext === '.npy') {
    if (only !== undefined) throw fileError(path, `a .npy file holds one array; drop '#${only}'`);
    return [readNpy(bytes, path, basename(path, extname(path)))];
  }
  if (ext === '.npz') return readNpz(bytes, path, only);
  return readSafetensors(bytes, path, only);
}

/**
 * One array: `file.npy`, or `file.npz#name` / `file.safetensors#name` (the name may be left out when
 * the file holds exactly one array).
 */
export function openArray(spec: string): ArrayEntry {
  const [path, only] = splitSpec(spec);
  if (isDirectory(path)) throw new NnsimError('E_FILE', `${path}: is a folder; give one array file (use 'nnsim pairwise' for folders of layers)`);
  const entries = openFile(path, only);
  if (entries.length > 1) {
    const names = entries.map((e) => e.name).sort(naturalCompare);
    throw fileError(path, `holds ${entries.length} arrays (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}); pick one as ${path}#${names[0]}`);
  }
  return entries[0]!;
}

/**
 * The layers of one model, naturally sorted by name (layer2 before layer10): a folder of .npy files,
 * one .npz or .safetensors with many arrays, or a single array file.
 */
export function openLayers(spec: string): ArrayEntry[] {
  const [path, only] = splitSpec(spec);
  let entries: ArrayEntry[];
  if (isDirectory(path)) {
    const files = readdirSync(path).filter((f) => extname(f).toLowerCase() === '.npy');
    if (files.length === 0) throw new NnsimError('E_FILE', `${path}: the folder holds no .npy files; put one .npy per layer in it`);
    entries = files.map((f) => openFile(join(path, f))[0]!);
  } else {
    entries = openFile(path, only);
  }
  return entries.sort((a, b) => naturalCompare(a.name, b.name));
}

/** rows × cols an array becomes, or an E_SHAPE error that says which --reshape to use. */
export function matrixShape(entry: Pick<ArrayEntry, 'source' | 'shape'>, reshape?: Reshape): { rows: number; cols: number } {
  const shape = entry.shape;
  if (shape.length === 0) throw new NnsimError('E_SHAPE', `${entry.source}: is a scalar; a representation is an N × D array (rows = inputs)`);
  if (shape.some((d) => d === 0)) throw new NnsimError('E_SHAPE', `${entry.source}: is empty (shape (${shape.join(', ')}))`);
  if (shape.length === 1) return { rows: shape[0]!, cols: 1 };
  if (shape.length === 2) return { rows: shape[0]!, cols: shape[1]! };
  if (reshape === undefined) {
    throw new NnsimError(
      'E_SHAPE',
      `${entry.source}: has ${shape.length} dimensions (${shape.join(' × ')}); say how to make it N × D with --reshape flatten (N × ${shape
        .slice(1)
        .join('·')}) or --reshape positions (one row per position: ${shape.slice(0, -1).join('·')} × ${shape.at(-1)}, channels last)`,
    );
  }
  const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);
  if (reshape === 'flatten') return { rows: shape[0]!, cols: product(shape.slice(1)) };
  return { rows: product(shape.slice(0, -1)), cols: shape.at(-1)! };
}

/** Decodes an array into an N × D matrix (C order: reshapes are views of the same data). */
export function toRepresentation(entry: ArrayEntry, reshape?: Reshape): Matrix {
  const { rows, cols } = matrixShape(entry, reshape);
  if (rows > 0x7fffffff || cols > 0x7fffffff) throw new NnsimError('E_SHAPE', `${entry.source}: ${rows} × ${cols} is too large`);
  return { data: entry.decode(), rows, cols };
}

/** Like toRepresentation, but little-endian float32 data stays float32 (see ArrayEntry.decodeSource). */
export function toSourceRepresentation(entry: ArrayEntry, reshape?: Reshape): SourceMatrix {
  const { rows, cols } = matrixShape(entry, reshape);
  if (rows > 0x7fffffff || cols > 0x7fffffff) throw new NnsimError('E_SHAPE', `${entry.source}: ${rows} × ${cols} is too large`);
  return { data: entry.decodeSource ? entry.decodeSource() : entry.decode(), rows, cols };
}

/** Class labels of the N inputs from a 1-D integer array (or N × 1). */
export function readLabels(spec: string): Int32Array {
  const entry = openArray(spec);
  const { rows, cols } = matrixShape(entry);
  if (cols !== 1) throw new NnsimError('E_LABELS', `${entry.source}: labels must be one integer per input (shape (N,)); got shape (${entry.shape.join(', ')})`);
  const data = entry.decode();
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new NnsimError('E_LABELS', `${entry.source}: label ${i} is ${v}; labels must be non-negative integers`);
    }
    labels[i] = v;
  }
  return labels;
}
