/**
 * Loading of the native addon (prebuilt in prebuilds/<platform>-<arch>/ or built into build/Release)
 * and its typed interface. Nothing outside src/ talks to the binding directly.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NnsimError } from './errors.js';

export interface NativeRepresentationHandle {
  readonly rows: number;
  readonly cols: number;
  /** Bytes a float64 copy of float32 data would take now (0 for float64 data or once the copy exists). */
  readonly float64CopyBytes: number;
  /** Frees the core representation and its cached intermediates (after any async call using it). */
  release(): void;
}

export interface NativeControlHandle {
  cancel(): void;
  readonly cancelled: boolean;
}

/** One tensor of an accumulator's state. */
export interface NativeStateTensor {
  shape: number[];
  data: Float64Array;
}

export interface NativeAccumulatorHandle {
  readonly rows: number;
  readonly batches: number;
  push(a: Float64Array | Float32Array, b: Float64Array | Float32Array, rows: number): void;
  pushAsync(
    a: Float64Array | Float32Array,
    b: Float64Array | Float32Array,
    rows: number,
    control: NativeControlHandle | undefined,
  ): Promise<void>;
  merge(other: NativeAccumulatorHandle): void;
  result(): NativeOutcome[];
  state(): Record<string, NativeStateTensor>;
  restore(tensors: Record<string, NativeStateTensor>): void;
}

/** The stitching layer x ↦ xW + b and the stitched representation A W + 1bᵀ (row-major). */
export interface NativeAffineFit {
  weights: Float64Array;
  bias: Float64Array;
  stitched: Float64Array;
}

type AffineFitArguments = [
  a: Float64Array,
  aRows: number,
  aCols: number,
  b: Float64Array,
  bRows: number,
  bCols: number,
  options?: { ridge?: number },
];

type AppliedTo = [x?: Float64Array, xRows?: number, xCols?: number];

/** A measure's outcome from the core: the value, or the error (an NnsimError naming the measure). */
export type NativeOutcome = number | NnsimError;

/** One parameter of a core entry point, as the core declares it (native/core/options.hpp). */
export interface NativeOptionSpec {
  readonly type: 'number' | 'integer' | 'boolean' | 'enum';
  readonly default?: number | boolean | string;
  readonly required?: true;
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: true;
  readonly maxExclusive?: true;
  readonly values?: readonly string[];
}

export type NativeOptionSpecs = Readonly<Record<string, NativeOptionSpec>>;

/** A matrix-valued option as the core declares it: a symmetric N × N matrix, required or not. */
export interface NativeMatrixOptionSpec {
  readonly shape: 'symmetric';
  readonly required?: true;
}

/** The matrix options of one measure call, by name (row-major N × N). */
export type NativeMatrices = Readonly<Record<string, { readonly data: Float64Array; readonly rows: number; readonly cols: number }>>;

/** Everything the core declares about its entry points: measures, persistence and the affine fit. */
export interface NativeSpecs {
  readonly measures: Readonly<
    Record<
      string,
      {
        readonly minRows: number;
        readonly needsLabels: boolean;
        readonly options: NativeOptionSpecs;
        readonly matrices: Readonly<Record<string, NativeMatrixOptionSpec>>;
      }
    >
  >;
  readonly persistence: NativeOptionSpecs;
  readonly fitAffineMap: NativeOptionSpecs;
  readonly inference: {
    readonly permutation: NativeOptionSpecs;
    readonly resampling: NativeOptionSpecs;
    readonly crossValidation: NativeOptionSpecs;
    /** Measures whose map the core fits (crossValidate, alignmentMap). */
    readonly alignmentMaps: readonly string[];
  };
}

/** One side of a fitted alignment map: x ↦ (x − mean) T, T = transform (rows × cols, row-major). */
export interface NativeSideMap {
  readonly mean: Float64Array;
  readonly transform: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

type NativeLabels = Int32Array | undefined;
/** Progress of an async inference entry: (0, done, total), as compareAsync's (measure index, done, total). */
type ProgressCallback = ((index: number, done: number, total: number) => void) | undefined;
type NativeValues = Readonly<Record<string, number | boolean | string>>;
interface NativeScheme {
  readonly withReplacement: boolean;
  readonly sampleSize: number;
  readonly jackknifeGroups: number;
}
interface NativeNull {
  value: number;
  null: Float64Array;
  method: string;
}
interface NativeResampling {
  value: number;
  values: Float64Array;
  jackknife: Float64Array;
}
interface NativeCrossValidation {
  value: number;
  folds: Float64Array;
  testRows: Float64Array;
}

export interface NativeAddon {
  /** Registers the error class the binding throws (done once, by nativeAddon()). */
  init(classes: { NnsimError: typeof NnsimError }): void;
  /** The option specs, minimum N and label needs the core declares. */
  specs(): NativeSpecs;
  NativeRepresentation: new (data: Float64Array | Float32Array, rows: number, cols: number) => NativeRepresentationHandle;
  NativeControl: new () => NativeControlHandle;
  NativeAccumulator: new (
    ids: readonly string[],
    options: readonly Record<string, number | boolean | string>[],
    colsA: number,
    colsB: number,
    precision: 'double' | 'single',
  ) => NativeAccumulatorHandle;
  streamableIds(): string[];
  compare(
    ids: readonly string[],
    options: readonly Record<string, number | boolean | string>[],
    a: NativeRepresentationHandle,
    b: NativeRepresentationHandle,
    labels?: Int32Array,
    /** Time budget in ms (Infinity: none); past it the running measure fails with E_TIMEOUT. */
    timeout?: number,
    matrices?: readonly (NativeMatrices | undefined)[],
    /** 'single': feature-space products in float32 (see CallOptions.precision). */
    precision?: 'double' | 'single',
  ): NativeOutcome[];
  compareAsync(
    ids: readonly string[],
    options: readonly Record<string, number | boolean | string>[],
    a: NativeRepresentationHandle,
    b: NativeRepresentationHandle,
    labels: Int32Array | undefined,
    control: NativeControlHandle | undefined,
    onProgress: ((measureIndex: number, done: number, total: number) => void) | undefined,
    matrices?: readonly (NativeMatrices | undefined)[],
    precision?: 'double' | 'single',
  ): Promise<NativeOutcome[]>;
  /** `x`: the rows the map is applied to (`stitched` = x W + b; default a). */
  fitAffineMap(...args: [...AffineFitArguments, timeout?: number, ...AppliedTo]): NativeAffineFit;
  /** The same on a worker thread, from copies of a, b and x. */
  fitAffineMapAsync(...args: [...AffineFitArguments, control?: NativeControlHandle, ...AppliedTo]): Promise<NativeAffineFit>;
  persistence(
    data: Float64Array,
    rows: number,
    cols: number,
    options: Record<string, number | string>,
    timeout?: number,
  ): { births: Float64Array; deaths: Float64Array }[];
  persistenceAsync(
    data: Float64Array,
    rows: number,
    cols: number,
    options: Record<string, number | string>,
    control: NativeControlHandle | undefined,
  ): Promise<{ births: Float64Array; deaths: Float64Array }[]>;
  permutationNull(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { permutations: number; seed: number }, path?: 'auto' | 'generic', timeout?: number): NativeNull;
  permutationNullAsync(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { permutations: number; seed: number }, path: 'auto' | 'generic', control: NativeControlHandle | undefined, onProgress: ProgressCallback): Promise<NativeNull>;
  resampling(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { resamples: number; seed: number }, scheme: NativeScheme, timeout?: number): NativeResampling;
  resamplingAsync(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { resamples: number; seed: number }, scheme: NativeScheme, control: NativeControlHandle | undefined, onProgress: ProgressCallback): Promise<NativeResampling>;
  crossValidate(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, run: { folds: number; seed: number }, timeout?: number): NativeCrossValidation;
  crossValidateAsync(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, run: { folds: number; seed: number }, control: NativeControlHandle | undefined, onProgress: ProgressCallback): Promise<NativeCrossValidation>;
  alignmentMap(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, timeout?: number): { a: NativeSideMap; b: NativeSideMap; score: string };
  /** count consecutive index streams from `first` (see native/binding/inference_binding.hpp). */
  inferenceIndices(kind: 'permutation' | 'bootstrap' | 'subsample' | 'jackknife' | 'folds', n: number, seed: number, first: number, count: number, m: number): Int32Array;
  measureIds(): string[];
  getThreads(): number;
  setThreads(threads: number): void;
  blasInfo(): { config: string; cores: number; threads: number };
  estimateMemory(
    id: string,
    rows: number,
    colsA: number,
    colsB: number,
    options: Record<string, number | boolean | string>,
    classes?: number,
  ): number;
  setMemoryLimit(bytes: number): void;
  getMemoryLimit(): number;
  sampleRows(n: number, rows: number, seed: number, labels?: Int32Array): Int32Array;
}

/** The share of the machine's memory (or of the cgroup's limit, when lower) one comparison may use by default. */
export const DEFAULT_MEMORY_SHARE = 0.75;

/** cgroup v2 and v1 limit files ("max", or a huge number, when there is no limit). */
const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** Bytes of memory this process can have: physical memory, or the container's cgroup limit when lower. */
export function availableMemory(): number {
  let bytes = os.totalmem();
  for (const file of CGROUP_LIMIT_FILES) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      continue;
    }
    const limit = Number(text);
    if (Number.isFinite(limit) && limit > 0) bytes = Math.min(bytes, limit);
  }
  return bytes;
}

/** The memory limit the addon starts with: DEFAULT_MEMORY_SHARE of availableMemory(). */
export function defaultMemoryLimit(): number {
  return Math.floor(DEFAULT_MEMORY_SHARE * availableMemory());
}

/** The package root: src/ or dist/ sit directly below it. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let cached: NativeAddon | undefined;

/**
 * The loaded addon; throws E_NATIVE_UNAVAILABLE with instructions when it cannot be loaded. Every
 * error the addon throws or returns is an NnsimError (registered here, once per thread).
 */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // OpenBLAS worker threads busy-wait 2^28 cycles (~0.1 s) after each BLAS call by default, competing
  // with the core's own parallel loops that usually follow (distance matrices, k-NN selection): on a
  // 2-core machine that made the k-NN measures up to 4× slower. 2^20 cycles (~0.3 ms) still bridges
  // back-to-back BLAS calls. OpenBLAS reads the variable when the addon loads; a user's value wins.
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '20';
  try {
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    const addon = load(packageRoot);
    addon.init({ NnsimError });
    // The core's limit is per process: a worker thread loading the addon keeps a limit already set.
    if (!Number.isFinite(addon.getMemoryLimit())) addon.setMemoryLimit(defaultMemoryLimit());
    cached = addon;
    return cached;
  } catch (error) {
    throw new NnsimError(
      'E_NATIVE_UNAVAILABLE',
      'the nnsim native addon could not be loaded: ' +
        (error instanceof Error ? error.message.split('\n')[0] : String(error)) +
        '. Reinstall nnsim; to build from source install a C++ compiler and the BLAS libraries ' +
        '(Debian/Ubuntu: sudo apt-get install build-essential libopenblas-dev liblapacke-dev) and run `npm rebuild nnsim`.',
      { cause: error },
    );
  }
}
