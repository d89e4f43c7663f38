/**
 * What a measure is, as data. One {@link MeasureDefinition} per measure, in the family files under
 * `src/measures/` and `src/functional/`; the registry collects them and is the single source for
 * `listMeasures()`, the README table, the CLI and the property tests.
 */
import type { Matrix } from './matrix.js';
import type { OptionSchema, ResolvedOptions } from './options.js';

/** The one map of measure families, in catalogue order, to the domain of their measures. */
export const FAMILIES = {
  cca: 'representational',
  alignment: 'representational',
  rsm: 'representational',
  neighbors: 'representational',
  topology: 'representational',
  statistics: 'representational',
  performance: 'functional',
  'hard-predictions': 'functional',
  'soft-predictions': 'functional',
  gradient: 'functional',
  stitching: 'functional',
} as const satisfies Record<string, 'representational' | 'functional'>;

export type Family = keyof typeof FAMILIES;

/**
 * Transformations of a representation X (N × D) that a measure may ignore (survey Table 1):
 * orthogonal X → XQ (QᵀQ = I), permutation of the D columns, isotropic scaling X → aX (a > 0),
 * translation X → X + 1bᵀ, invertible linear X → XA, affine X → XA + 1bᵀ.
 */
export type Invariance = 'orthogonal' | 'permutation' | 'isotropic-scaling' | 'translation' | 'invertible-linear' | 'affine';

export const INVARIANCES: readonly Invariance[] = [
  'orthogonal',
  'permutation',
  'isotropic-scaling',
  'translation',
  'invertible-linear',
  'affine',
];

/**
 * Inputs beyond the two matrices a measure needs, derived from its option schema: 'labels' when it has
 * a required labels option, 'seed' when it has a `seed` option, 'matrix' when it has a required matrix
 * option (an N × N matrix such as dCKA's input similarity).
 */
export type Requirement = 'labels' | 'seed' | 'matrix';

/** Metadata that changes with an option value, e.g. `procrustes` with `normalize: true`. */
export interface MeasureVariant {
  /** The option values that select this variant (and that the property tests run it with). */
  readonly when: Readonly<Record<string, string | number | boolean>>;
  /**
   * For variants that hold over a range of option values (e.g. any ridge λ > 0): decides whether the
   * variant applies to given resolved options; `when` is then one representative setting.
   */
  readonly appliesTo?: (options: Readonly<Record<string, unknown>>) => boolean;
  readonly invariances?: readonly Invariance[];
  /** Replaces the measure's argumentInvariances under these options (asymmetric measures). */
  readonly argumentInvariances?: { readonly first?: readonly Invariance[]; readonly second?: readonly Invariance[] };
  /** Replaces the measure's kind (e.g. CKA as an angle is a distance). */
  readonly kind?: 'similarity' | 'distance';
  readonly range?: readonly [number, number];
  /**
   * For a range that varies continuously with an option (e.g. a logarithm base): the range under the
   * given option values; takes precedence over `range`.
   */
  readonly rangeOf?: (options: Readonly<Record<string, unknown>>) => readonly [number, number];
  readonly metric?: boolean;
  readonly selfValue?: number | null;
  /** Replaces the measure's resampling under these options (e.g. an unbiased U-statistic estimator). */
  readonly resampling?: Resampling;
  readonly note?: string;
}

/** See {@link MeasureInfo.resampling}. */
export type Resampling = 'bootstrap' | 'subsample';

export interface MeasureInfo {
  /** Kebab-case id used by compare(id, …), the CLI and the docs. */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  readonly family: Family;
  /** Derived from the family (FAMILIES). */
  readonly domain: 'representational' | 'functional';
  /** 'similarity': higher is more similar. 'distance': lower is more similar. */
  readonly kind: 'similarity' | 'distance';
  /** Closed range of values; Infinity where unbounded. */
  readonly range: readonly [number, number];
  /** Value of m(X, X): 1 for bounded similarities, 0 for distances; null when it depends on X. */
  readonly selfValue: number | null;
  readonly selfValueNote?: string;
  /** m(A, B) = m(B, A). */
  readonly symmetric: boolean;
  /** Satisfies the triangle inequality (and is a pseudo-metric on representations). */
  readonly metric: boolean;
  /** Transformations of either argument that leave the value unchanged (with default options). */
  readonly invariances: readonly Invariance[];
  /** For asymmetric measures: further invariances that hold for one argument only. */
  readonly argumentInvariances?: { readonly first?: readonly Invariance[]; readonly second?: readonly Invariance[] };
  readonly variants: readonly MeasureVariant[];
  /** Derived from the option schema (see {@link Requirement}). */
  readonly requires: readonly Requirement[];
  /** Smallest N for which the measure is defined. */
  readonly minRows: number;
  /** Depends on a random seed: derived, true when `seed` is an option (results are deterministic per seed). */
  readonly stochastic: boolean;
  /** 'pair': two models; 'group': K ≥ 2 models at once. */
  readonly arity: 'pair' | 'group';
  /**
   * Whether the value depends on which input of B is paired with which input of A. False for measures
   * that compare statistics of each representation on its own: re-pairing changes nothing, so they
   * have no permutation test (see permutationTest).
   */
  readonly paired: boolean;
  /**
   * How bootstrap() resamples the inputs. 'bootstrap': N rows drawn with replacement. 'subsample':
   * ⌊N/2⌋ distinct rows (m-out-of-n without replacement), for measures that duplicated rows break —
   * duplicates are each other's nearest neighbours, tie at the smallest dissimilarity, make kernels
   * singular or topology degenerate (test/98.inference.test.ts checks each declaration).
   */
  readonly resampling: Resampling;
  /**
   * What one row is, for inference: 'input' (row i of A and of B is input i) or 'input-pair' (2M rows:
   * rows i and M + i are input i and its paired input, as model-diff takes them). Permutation tests and
   * bootstrap move whole units.
   */
  readonly rowUnit: 'input' | 'input-pair';
  readonly options: OptionSchema;
  readonly description: string;
  readonly reference: { readonly citation: string; readonly url?: string };
  /** How the value relates to a reference implementation (e.g. "ReSi ProcrustesSizeAndShapeDistance"). */
  readonly parity?: string;
  /**
   * Bytes of working memory one comparison needs for N = rows inputs of colsA and colsB features (default
   * colsA) with these options, the inputs not counted (set by getMeasure / listMeasures; see estimateMemory).
   */
  readonly estimateMemory?: (rows: number, colsA: number, colsB?: number, options?: object) => number;
}

/** Computed by the native core from two prepared representations (shared intermediates). */
export interface NativeEngine {
  readonly kind: 'native';
}

/**
 * Computed in TypeScript from two validated matrices. `compute` may return a Promise only when a
 * user callback is asynchronous (then only compare.async accepts it).
 */
export interface JsEngine {
  readonly kind: 'js';
  compute(a: Matrix, b: Matrix, options: ResolvedOptions): number | Promise<number>;
  /**
   * Converts one raw input into the Matrix `compute` receives, instead of `toMatrix` (functional
   * measures accept label vectors as well as N × C outputs).
   */
  input?(value: unknown, name: string): Matrix;
  /** Group measures (arity 'group'): the value for K ≥ 2 models (see compareGroup). */
  computeGroup?(models: readonly Matrix[], options: ResolvedOptions): number;
  /**
   * The async form's own computation, for engines that call user code (which runs on the main thread)
   * around native work that runs off it; it stops when `stop` aborts. Without it, async calls run
   * `compute` on a worker thread (see offload.ts).
   */
  computeAsync?(a: Matrix, b: Matrix, options: ResolvedOptions, stop: AbortSignal): Promise<number>;
  /** 'always': async calls run on a worker whatever the input size (the cost is not bounded by it). */
  readonly offload?: 'always';
}

export interface MeasureDefinition<Id extends string = string, S extends OptionSchema = OptionSchema> extends MeasureInfo {
  readonly id: Id;
  readonly options: S;
  readonly engine: NativeEngine | JsEngine;
}

/** What the option schema already says: requirements, stochasticity. */
function derivedFromOptions(options: OptionSchema): { requires: Requirement[]; stochastic: boolean } {
  const requires: Requirement[] = [];
  if (Object.values(options).some((spec) => spec.type === 'labels' && spec.required)) requires.push('labels');
  if ('seed' in options) requires.push('seed');
  if (Object.values(options).some((spec) => spec.type === 'matrix' && spec.required)) requires.push('matrix');
  return { requires, stochastic: 'seed' in options };
}

type Derived = 'requires' | 'stochastic' | 'domain';
type Optional = 'variants' | 'arity' | 'paired' | 'resampling' | 'rowUnit';

/**
 * Declares a measure; fills the usual defaults (no variants, pair, paired, bootstrap resampling, one
 * input per row) and
 * derives what the rest implies.
 */
export function defineMeasure<
  const Id extends string,
  const S extends OptionSchema,
  const A extends 'pair' | 'group' = 'pair',
>(
  definition: Omit<MeasureDefinition<Id, S>, Optional | Derived> &
    Partial<Pick<MeasureDefinition<Id, S>, Exclude<Optional, 'arity'>>> & { readonly arity?: A },
): MeasureDefinition<Id, S> & { readonly arity: A } {
  return Object.freeze({
    variants: [],
    arity: 'pair' as const,
    paired: true,
    resampling: 'bootstrap' as const,
    rowUnit: 'input' as const,
    domain: FAMILIES[definition.family],
    ...derivedFromOptions(definition.options),
    ...definition,
  }) as MeasureDefinition<Id, S> & { readonly arity: A };
}
