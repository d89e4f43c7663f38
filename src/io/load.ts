/**
 * From paths to representations: `file.npy`, `file.npz#name`, `file.safetensors#name`, or (for layer
 * sweeps) a folder of .npy files / a multi-array .npz or .safetensors. Arrays with more than two
 * dimensions become matrices only through an explicit reshape, never silently.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

import { NnsimError } from '../errors.js';
import type { Matrix, SourceMatrix } from '../matrix.js';
import { type ArrayEntry, fileError, naturalCompare, stringMetadata } from './array.js';
import { readNpy } from './npy.js';
import { npzEntryNames, readNpz } from './npz.js';
import { readSafetensors } from './safetensors.js';
import { LAYOUTS, type Layout, type Reshape, type TensorPlan, type Wording, applyTensorPlan, layoutHint, planTensor } from './tensor.js';

export type { ArrayEntry } from './array.js';
export type { Layout, Reshape } from './tensor.js';

/** The layout of this side's 3-D and of its 4-D arrays, as stated on the command line. */
export interface LayoutChoice {
  readonly 3?: Layout;
  readonly 4?: Layout;
}

/** What the header of an array says: enough to plan its transform into a matrix before reading data. */
export type ArrayHeader = Pick<ArrayEntry, 'source' | 'name' | 'shape' | 'metadata'>;

/** How the arrays of one file become matrices: the reshape, and layouts stated on the command line. */
export interface ArrayView {
  readonly reshape?: Reshape;
  readonly layouts?: LayoutChoice;
}

/** Name of the tensor of sample ids in a multi-array file, and of the .npz entry holding metadata. */
export const IDS = 'ids';
const NPZ_METADATA = '__metadata__';

/** Metadata key under which a file declares the layout of tensor `name`. */
export const layoutKey = (name: string): string => `layout.${name}`;

const CLI_WORDING: Wording = { layout: (name) => `--layout ${name}`, reshape: (name) => `--reshape ${name}` };

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
  if (ext === '.npz') return withNpzMetadata(bytes, path, readNpz(bytes, path, only), only);
  return readSafetensors(bytes, path, only);
}

/**
 * A .npz cannot carry metadata itself: nnsim's writers store it as an entry `__metadata__` (UTF-8 JSON
 * object of strings, as a uint8 array). It is read when present, attached to the other entries, and
 * never listed as an array.
 */
function withNpzMetadata(bytes: Uint8Array, path: string, entries: ArrayEntry[], only: string | undefined): ArrayEntry[] {
  if (only === NPZ_METADATA) return entries;
  let holder = entries.find((e) => e.name === NPZ_METADATA);
  if (!holder && only !== undefined && npzEntryNames(bytes, path).includes(`${NPZ_METADATA}.npy`)) holder = readNpz(bytes, path, NPZ_METADATA)[0];
  if (!holder) return entries;
  const rest = entries.filter((e) => e !== holder);
  if (holder.dtype !== 'uint8' || holder.shape.length !== 1) {
    throw fileError(holder.source, `must be a 1-D uint8 array of UTF-8 JSON (got ${holder.dtype} of shape (${holder.shape.join(', ')}))`);
  }
  let metadata;
  try {
    metadata = stringMetadata(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(holder.decode()))));
  } catch {
    throw fileError(holder.source, 'is not UTF-8 JSON; the file is corrupt');
  }
  if (rest.length === 0) throw fileError(path, 'holds only metadata, no arrays');
  return metadata ? rest.map((e) => ({ ...e, metadata })) : rest;
}

/**
 * One array: `file.npy`, or `file.npz#name` / `file.safetensors#name` (the name may be left out when
 * the file holds exactly one array besides its sample ids).
 */
export function openArray(spec: string): ArrayEntry {
  const [path, only] = splitSpec(spec);
  if (isDirectory(path)) throw new NnsimError('E_FILE', `${path}: is a folder; give one array file (use 'nnsim pairwise' for folders of layers)`);
  let entries = openFile(path, only);
  if (entries.length === 2 && entries.some((e) => e.name === IDS)) entries = entries.filter((e) => e.name !== IDS);
  if (entries.length > 1) {
    const names = entries.map((e) => e.name).sort(naturalCompare);
    throw fileError(path, `holds ${entries.length} arrays (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}); pick one as ${path}#${names[0]}`);
  }
  return entries[0]!;
}

/**
 * The layers of one model, naturally sorted by name (layer2 before layer10): a folder of .npy files,
 * one .npz or .safetensors with many arrays, or a single array file. An array named `ids` beside other
 * arrays is not a layer but the sample ids (one per row, in row order).
 */
export function openModel(spec: string): { layers: ArrayEntry[]; ids: ArrayEntry | undefined } {
  const [path, only] = splitSpec(spec);
  let entries: ArrayEntry[];
  if (isDirectory(path)) {
    const files = readdirSync(path).filter((f) => extname(f).toLowerCase() === '.npy');
    if (files.length === 0) throw new NnsimError('E_FILE', `${path}: the folder holds no .npy files; put one .npy per layer in it`);
    entries = files.map((f) => openFile(join(path, f))[0]!);
  } else {
    entries = openFile(path, only);
  }
  const ids = entries.length > 1 ? entries.find((e) => e.name === IDS) : undefined;
  const layers = entries.filter((e) => e !== ids).sort((a, b) => naturalCompare(a.name, b.name));
  return { layers, ids };
}

/** The layers of one model (see {@link openModel}), without the ids. */
export function openLayers(spec: string): ArrayEntry[] {
  return openModel(spec).layers;
}

/** The sample ids of a model's file as numbers, checked to be one per input. */
export function readIds(entry: ArrayEntry, rows: number): Float64Array {
  if (entry.shape.length !== 1 || entry.shape[0] !== rows) {
    throw new NnsimError('E_SHAPE', `${entry.source}: sample ids must be one per input (shape (${rows},)); got shape (${entry.shape.join(', ')})`);
  }
  return entry.decode();
}

/**
 * The layout a 3-D/4-D array is read with: the one stated on the command line, else the one its file
 * declares (metadata `layout.<name>`). A statement that contradicts the file is refused.
 */
export function entryLayout(entry: ArrayHeader, layouts: LayoutChoice | undefined): Layout | undefined {
  const rank = entry.shape.length;
  if (rank !== 3 && rank !== 4) return undefined;
  const declaredText = entry.metadata?.[layoutKey(entry.name)];
  let declared: Layout | undefined;
  if (declaredText !== undefined) {
    if (!Object.hasOwn(LAYOUTS, declaredText) || LAYOUTS[declaredText as Layout].rank !== rank) {
      throw fileError(entry.source, `declares layout '${declaredText}', which is not a layout of a ${rank}-D array; fix the file's metadata`);
    }
    declared = declaredText as Layout;
  }
  const stated = layouts?.[rank];
  if (stated && declared && stated !== declared) {
    throw new NnsimError(
      'E_SHAPE',
      `${entry.source}: the file declares layout '${declared}' (${LAYOUTS[declared].shape}) but --layout says '${stated}'; drop --layout for this file or fix its metadata`,
    );
  }
  return stated ?? declared;
}

/** The checked transform of an array into a matrix (from its header only). */
export function planEntry(entry: ArrayHeader, view: ArrayView = {}): TensorPlan {
  const rank = entry.shape.length;
  if (rank < 3) return planTensor(entry.shape, {}, entry.source, CLI_WORDING);
  const layout = entryLayout(entry, view.layouts);
  const other = rank === 3 ? view.layouts?.[4] : rank === 4 ? view.layouts?.[3] : undefined;
  if (layout === undefined && other !== undefined) {
    throw new NnsimError(
      'E_SHAPE',
      `${entry.source}: is ${rank}-D (${entry.shape.join(' × ')}) but --layout ${other} is for ${LAYOUTS[other].rank}-D arrays; add the layout of the ${rank}-D ones: ${layoutHint(rank, CLI_WORDING)}`,
    );
  }
  return planTensor(entry.shape, { layout, reshape: view.reshape }, entry.source, CLI_WORDING);
}

/** rows × cols an array becomes, or an E_SHAPE error that says which --layout/--reshape to use. */
export function matrixShape(entry: ArrayHeader, view?: ArrayView): { rows: number; cols: number } {
  const { rows, cols } = planEntry(entry, view);
  return { rows, cols };
}

/** Decodes an array into an N × D matrix (see src/io/tensor.ts for the reshapes). */
export function toRepresentation(entry: ArrayEntry, view?: ArrayView): Matrix {
  return applyTensorPlan(planEntry(entry, view), entry.decode());
}

/**
 * Like toRepresentation, but little-endian float32 data stays float32 (see ArrayEntry.decodeSource) when
 * the array is used as it is; a 3-D/4-D float32 array is reshaped straight from its float32 values (one
 * float64 result, no float64 copy of the whole tensor first).
 */
export function toSourceRepresentation(entry: ArrayEntry, view?: ArrayView): SourceMatrix {
  const plan = planEntry(entry, view);
  const data = entry.decodeSource ? entry.decodeSource() : entry.decode();
  return plan.identity ? { data, rows: plan.rows, cols: plan.cols } : applyTensorPlan(plan, data);
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
