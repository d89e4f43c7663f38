/**
 * Loading of the native addon (prebuilt in prebuilds/<platform>-<arch>/ or built into build/Release)
 * and its typed interface. Nothing outside src/ talks to the binding directly.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NnsimError } from './errors.js';

export interface NativeRepresentationHandle {
  readonly rows: number;
  readonly cols: number;
  /** Frees the core representation and its cached intermediates (after any async call using it). */
  release(): void;
}

export interface NativeControlHandle {
  cancel(): void;
  readonly cancelled: boolean;
}

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

/** Everything the core declares about its entry points: measures, persistence and the affine fit. */
export interface NativeSpecs {
  readonly measures: Readonly<
    Record<string, { readonly minRows: number; readonly needsLabels: boolean; readonly options: NativeOptionSpecs }>
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
type ProgressCallback = ((done: number, total: number) => void) | undefined;
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
  NativeRepresentation: new (data: Float64Array, rows: number, cols: number) => NativeRepresentationHandle;
  NativeControl: new () => NativeControlHandle;
  compare(
    ids: readonly string[],
    options: readonly Record<string, number | boolean | string>[],
    a: NativeRepresentationHandle,
    b: NativeRepresentationHandle,
    labels?: Int32Array,
  ): NativeOutcome[];
  compareAsync(
    ids: readonly string[],
    options: readonly Record<string, number | boolean | string>[],
    a: NativeRepresentationHandle,
    b: NativeRepresentationHandle,
    labels: Int32Array | undefined,
    control: NativeControlHandle | undefined,
    onProgress: ((measureIndex: number, done: number, total: number) => void) | undefined,
  ): Promise<NativeOutcome[]>;
  fitAffineMap(
    a: Float64Array,
    aRows: number,
    aCols: number,
    b: Float64Array,
    bRows: number,
    bCols: number,
    options?: { ridge?: number },
  ): { weights: Float64Array; bias: Float64Array };
  persistence(
    data: Float64Array,
    rows: number,
    cols: number,
    options: Record<string, number | string>,
  ): { births: Float64Array; deaths: Float64Array }[];
  persistenceAsync(
    data: Float64Array,
    rows: number,
    cols: number,
    options: Record<string, number | string>,
    control: NativeControlHandle | undefined,
  ): Promise<{ births: Float64Array; deaths: Float64Array }[]>;
  permutationNull(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { permutations: number; seed: number }, path?: 'auto' | 'generic'): NativeNull;
  permutationNullAsync(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { permutations: number; seed: number }, path: 'auto' | 'generic', control: NativeControlHandle | undefined, onProgress: ProgressCallback): Promise<NativeNull>;
  resampling(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { resamples: number; seed: number }, scheme: NativeScheme): NativeResampling;
  resamplingAsync(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, labels: NativeLabels, run: { resamples: number; seed: number }, scheme: NativeScheme, control: NativeControlHandle | undefined, onProgress: ProgressCallback): Promise<NativeResampling>;
  crossValidate(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, run: { folds: number; seed: number }): NativeCrossValidation;
  crossValidateAsync(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle, run: { folds: number; seed: number }, control: NativeControlHandle | undefined, onProgress: ProgressCallback): Promise<NativeCrossValidation>;
  alignmentMap(id: string, options: NativeValues, a: NativeRepresentationHandle, b: NativeRepresentationHandle): { a: NativeSideMap; b: NativeSideMap; score: string };
  /** count consecutive index streams from `first` (see native/binding/inference_binding.hpp). */
  inferenceIndices(kind: 'permutation' | 'bootstrap' | 'subsample' | 'jackknife' | 'folds', n: number, seed: number, first: number, count: number, m: number): Int32Array;
  measureIds(): string[];
  getThreads(): number;
  setThreads(threads: number): void;
  blasInfo(): { config: string; cores: number; threads: number };
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
