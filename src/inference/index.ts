/**
 * Inference for every pair measure: is a value distinguishable from chance (permutationTest), how
 * precise is it (bootstrap), and does a fitted alignment generalise to held-out inputs (crossValidate).
 *
 * Native measures run in the core (native/core/inference.cpp), with cheap cross-term paths where a
 * row permutation leaves each representation's own statistics unchanged; JavaScript-engine measures
 * (functional) run here, on the same index streams: permutation p, resample r and the folds for a seed
 * are the same whichever engine or thread computes them.
 */
import {
  type CompareInput,
  type MeasureOptions,
  type PlannedMeasure,
  type PreparedRepresentation,
  type Progress,
  type RunOptions,
  converterOf,
  plan,
  preparePair,
  releaseOwn,
} from '../compare.js';
import type { AnyMeasureId } from '../compare.js';
import { NnsimError, describeValue } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { MeasureDefinition, Resampling } from '../measure-types.js';
import { type NativeControlHandle, nativeAddon } from '../native.js';
import { type OptionSchema, type ResolvedOptions, numberOption, resolveOptionsFor } from '../options.js';
import { effectiveProperties, getDefinition } from '../registry.js';
import {
  type SyncRunOptions,
  checkBudget,
  onStop,
  remainingTime,
  resolveTimeout,
  restateTimeout,
  schedule,
  stopReason,
  withTimeout,
} from '../runtime.js';
import { gatherRows } from '../sampling.js';
import { heldOutStitching, heldOutStitchingAsync } from '../functional/stitching.js';
import {
  type Alternative,
  type Interval,
  bcaInterval,
  percentileInterval,
  permutationPValue,
  standardDeviation,
  subsampleInterval,
  subsampleScale,
} from './statistics.js';

export { benjaminiHochberg, type Alternative, type FalseDiscoveryControl } from './statistics.js';

const MAX_DRAWS = 1_000_000;
const MAX_SEED = 2 ** 53 - 1;

const seedOption = numberOption({
  integer: true,
  default: 0,
  min: 0,
  max: MAX_SEED,
  description: 'Seed of the permutations, resamples or folds: the same seed gives the same result on any machine and thread count.',
});

/** Options of permutationTest; `permutations` and `seed` are the core's (locked by test/25.seam-specs). */
export const permutationTestSchema = {
  permutations: numberOption({ integer: true, default: 1000, min: 1, max: MAX_DRAWS, description: 'Random re-pairings of the inputs (B).' }),
  seed: seedOption,
  alternative: {
    type: 'enum',
    values: ['greater', 'less', 'two-sided'],
    description:
      "Which values are extreme: 'greater' (default for similarities: more similar than chance), 'less' (default for distances: closer than chance) or 'two-sided'.",
  },
} as const satisfies OptionSchema;

/** Options of bootstrap; `resamples` and `seed` are the core's. */
export const bootstrapSchema = {
  resamples: numberOption({ integer: true, default: 1000, min: 1, max: MAX_DRAWS, description: 'Resampled data sets (B).' }),
  seed: seedOption,
  level: numberOption({ default: 0.95, min: 0, max: 1, minExclusive: true, maxExclusive: true, description: 'Confidence level of the interval.' }),
  method: {
    type: 'enum',
    values: ['percentile', 'bca'],
    default: 'percentile',
    description:
      "'percentile', or 'bca' (bias-corrected and accelerated; needs jackknife evaluations, not available for measures that subsample).",
  },
} as const satisfies OptionSchema;

/** Options of crossValidate; both are the core's. */
export const crossValidateSchema = {
  folds: numberOption({ integer: true, default: 5, min: 2, max: MAX_DRAWS, description: 'Number of folds K (2 ≤ K ≤ N).' }),
  seed: seedOption,
} as const satisfies OptionSchema;

interface WithMeasureOptions<Id extends string> {
  /** Options of the measure itself (labels included), as compare() takes them. */
  measureOptions?: MeasureOptions<Id>;
}

export interface PermutationTestOptions<Id extends string = AnyMeasureId> extends WithMeasureOptions<Id> {
  permutations?: number;
  seed?: number;
  alternative?: Alternative;
}

export interface PermutationTestResult {
  /** The measure on the inputs as paired. */
  readonly value: number;
  /** (1 + #{null values at least as extreme}) / (1 + permutations). */
  readonly pValue: number;
  /** The measure on each re-pairing (row i of A with row π(i) of B). */
  readonly null: Float64Array;
  readonly permutations: number;
  readonly alternative: Alternative;
  /** How the null was computed: a cross-term path ('cka-feature-space', 'cka-gram-space', 'rsa-rdm-gather', 'knn-relabel'), 'generic' (the measure re-run) or 'javascript'. */
  readonly method: string;
}

export interface BootstrapOptions<Id extends string = AnyMeasureId> extends WithMeasureOptions<Id> {
  resamples?: number;
  seed?: number;
  level?: number;
  method?: 'percentile' | 'bca';
}

export interface BootstrapResult {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  /** Standard deviation of the resampled values (scaled by √(m/(N − m)) for subsampling). */
  readonly standardError: number;
  /** The measure on each resample. */
  readonly distribution: Float64Array;
  readonly level: number;
  readonly method: 'percentile' | 'bca';
  /** The resampling scheme (MeasureInfo.resampling under the options used) and inputs (row units) per resample. */
  readonly scheme: Resampling;
  readonly sampleSize: number;
  /** Jackknife values (BCa): leave-one-out, or leave-one-group-out for N above the number of resamples. */
  readonly jackknife?: Float64Array;
}

export interface CrossValidateOptions<Id extends string = AnyMeasureId> extends WithMeasureOptions<Id> {
  folds?: number;
  seed?: number;
}

export interface CrossValidateResult {
  /** The measure with the map fitted and scored on all rows (= compare()). */
  readonly value: number;
  /** The held-out score of each fold: the map fitted on the other folds, scored on this one. */
  readonly folds: Float64Array;
  /** Mean of the fold scores. */
  readonly mean: number;
  /** Held-out rows per fold. */
  readonly testRows: readonly number[];
}

// ------------------------------------------------------------------------------------------------

type Kind = 'permutation' | 'resampling' | 'cross-validation';

const ENTRY: Record<Kind, string> = {
  permutation: 'permutationTest',
  resampling: 'bootstrap',
  'cross-validation': 'crossValidate',
};

function splitOptions(kind: Kind, schema: OptionSchema, options: unknown): { own: ResolvedOptions; measure: unknown } {
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw new NnsimError('E_OPTION', `Expected an options object for ${ENTRY[kind]} but received ${describeValue(options)}`);
  }
  const { measureOptions, ...rest } = (options ?? {}) as Record<string, unknown>;
  const known = Object.keys(schema);
  for (const key of Object.keys(rest)) {
    if (!known.includes(key)) {
      // rejectUnknownKeys' message, with measureOptions as a known key
      resolveOptionsFor({ name: ENTRY[kind] }, { ...schema, measureOptions: numberOption({ description: '' }) }, { [key]: 0 });
    }
  }
  return { own: resolveOptionsFor({ name: ENTRY[kind] }, schema, rest), measure: measureOptions };
}

/**
 * Measures with per-input matrix options (dCKA's N × N input similarity) are refused: a permutation,
 * resample or fold would have to carry the matrix's rows and columns with the inputs, and which input a
 * permutation should move it with is a modelling choice this version does not make for the user.
 */
/** @internal The E_OPTION refusing inference for a measure with matrix options, or undefined. */
export function matrixOptionRefusal(id: AnyMeasureId): NnsimError | undefined {
  const definition = getDefinition(id);
  const matrixOptions = Object.entries(definition.options).filter(([, spec]) => spec.type === 'matrix').map(([key]) => key);
  if (matrixOptions.length === 0) return undefined;
  return new NnsimError(
    'E_OPTION',
    `measure '${definition.id}' takes an N × N matrix option (${matrixOptions.join(', ')}) that inference does not resample; ` +
      'permutation tests, bootstrap intervals and cross-validation are not available for it in this version',
  );
}

interface Prepared {
  a: PreparedRepresentation;
  b: PreparedRepresentation;
  planned: PlannedMeasure;
  release(): void;
}

function prepareCall(id: AnyMeasureId, a: CompareInput, b: CompareInput, measureOptions: unknown): Prepared {
  const refusal = matrixOptionRefusal(id);
  if (refusal) throw refusal;
  const [pa, pb] = preparePair(a, b, converterOf([id]));
  try {
    const planned = plan([{ id, options: measureOptions as object }], pa.rows)[0]!;
    return { a: pa, b: pb, planned, release: () => releaseOwn([pa, pb], [a, b]) };
  } catch (error) {
    releaseOwn([pa, pb], [a, b]);
    throw error;
  }
}

/** The core arguments every native inference entry starts with: id, option values, both representations, labels. */
function coreArgs(prepared: Prepared) {
  const { planned, a, b } = prepared;
  return [planned.definition.id, planned.options.values, a.nativeHandle(), b.nativeHandle(), planned.options.labels] as const;
}

/** The measure on the inputs as given (JavaScript engines). */
function observed(prepared: Prepared): Unit {
  return () => [prepared.a.matrix, prepared.b.matrix, prepared.planned.options];
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function finite(value: unknown, id: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new NnsimError('E_NUMERICAL', `${id}: produced a non-finite value`, { measure: id });
  }
  return value;
}

function withLabels(options: ResolvedOptions, rows: ArrayLike<number>): ResolvedOptions {
  return options.labels ? { ...options, labels: Int32Array.from(rows, (r) => options.labels![r]!) } : options;
}

/**
 * The units inference moves (MeasureInfo.rowUnit): one row per input, or for 'input-pair' measures
 * (2M rows) rows i and M + i together. `units` counts them; `rowsOf` expands unit indices to row
 * indices (first halves, then second halves).
 */
interface RowUnits {
  readonly units: number;
  rowsOf(unitIndices: ArrayLike<number>): ArrayLike<number>;
}

function rowUnits(definition: MeasureDefinition, rows: number): RowUnits {
  if (definition.rowUnit === 'input') return { units: rows, rowsOf: (u) => u };
  if (definition.engine.kind === 'native' || rows % 2 !== 0) {
    throw new NnsimError('E_SHAPE', `${definition.id}: expected 2M rows (M inputs, then their M pairs) but received ${rows}`, {
      measure: definition.id,
    });
  }
  const half = rows / 2;
  return {
    units: half,
    rowsOf: (u) => {
      const out = new Int32Array(2 * u.length);
      for (let i = 0; i < u.length; i++) {
        out[i] = u[i]!;
        out[u.length + i] = half + u[i]!;
      }
      return out;
    },
  };
}

/**
 * JavaScript-engine measures: `count` evaluations, unit u from its own index stream, synchronously
 * (within the call's time budget) or asynchronously (the loop yields to the event loop at least every
 * YIELD_MS and stops when the call is stopped).
 */
const YIELD_MS = 5;
/** Index entries fetched from the core at a time (a few milliseconds of Fisher–Yates). */
const INDEX_ENTRIES = 1 << 16;

type Unit = (u: number) => [Matrix, Matrix, ResolvedOptions];

function compute(p: PlannedMeasure, unit: [Matrix, Matrix, ResolvedOptions]): number | Promise<number> {
  if (p.definition.engine.kind !== 'js') throw new NnsimError('E_INTERNAL', `${p.definition.id} is not a JS measure`);
  return p.definition.engine.compute(...unit);
}

/** A JavaScript engine's value in a synchronous call: E_TYPE when a user callback made it a Promise. */
function syncValue(value: number | Promise<number>, id: string): number {
  if (isPromise(value)) {
    value.catch(() => undefined);
    throw new NnsimError('E_TYPE', `${id}: a callback returned a Promise; use the .async form`, { measure: id });
  }
  return finite(value, id);
}

function evaluateSync(p: PlannedMeasure, count: number, unit: Unit): Float64Array {
  const out = new Float64Array(count);
  for (let u = 0; u < count; u++) {
    checkBudget();
    out[u] = syncValue(compute(p, unit(u)), p.definition.id);
  }
  return out;
}

/** A JS engine's value in an async call: its own async form (stitching: the fit off the event loop) when it has one. */
function computeAsync(p: PlannedMeasure, unit: [Matrix, Matrix, ResolvedOptions], stop: AbortSignal): number | Promise<number> {
  const engine = p.definition.engine;
  return engine.kind === 'js' && engine.computeAsync ? engine.computeAsync(...unit, stop) : compute(p, unit);
}

const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** `progress(done)` counts this loop's evaluations (undefined: not reported). */
async function evaluateAsync(p: PlannedMeasure, count: number, unit: Unit, call: AsyncCall, progress?: (done: number) => void): Promise<Float64Array> {
  const out = new Float64Array(count);
  await yieldToEventLoop();
  let last = performance.now();
  for (let u = 0; u < count; u++) {
    if (performance.now() - last > YIELD_MS) {
      progress?.(u);
      await yieldToEventLoop();
      last = performance.now();
    }
    call.check();
    out[u] = finite(await computeAsync(p, unit(u), call.stop), p.definition.id);
  }
  progress?.(count);
  call.check();
  return out;
}

/** Index streams from the core, fetched in blocks: unit u's rows. */
function indexStream(kind: 'permutation' | 'bootstrap' | 'subsample', n: number, seed: number, width: number): (u: number) => Int32Array {
  const units = Math.max(1, Math.floor(INDEX_ENTRIES / width));
  let first = -1;
  let block: Int32Array = new Int32Array(0);
  return (u) => {
    if (first < 0 || u < first || u >= first + units) {
      first = u - (u % units);
      block = nativeAddon().inferenceIndices(kind, n, seed, first, units, kind === 'permutation' ? 0 : width);
    }
    return block.subarray((u - first) * width, (u - first + 1) * width);
  };
}

/**
 * One async inference call: its stop signal (abort or timeout, from schedule()) and its progress. A
 * throwing onProgress stops the work, and the call rejects with the callback's own error (as compare.async).
 */
class AsyncCall {
  #failure: { error: unknown } | undefined;
  #cancelNative: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly run: RunOptions,
    readonly stop: AbortSignal,
  ) {}

  /** Reports `done` of `total` units to run.onProgress. */
  progress(done: number, total: number): void {
    if (!this.run.onProgress || this.#failure) return;
    try {
      this.run.onProgress({ measure: this.id, index: 0, count: 1, done, total, fraction: total > 0 ? done / total : 1 });
    } catch (error) {
      this.#failure = { error };
      this.#cancelNative?.();
    }
  }

  /** A progress function over `total` units. */
  counter(total: number): (done: number) => void {
    return (done) => this.progress(done, total);
  }

  /** Throws the progress callback's error, or the stop reason once the call is stopped. */
  check(): void {
    if (this.#failure) throw this.#failure.error;
    if (this.stop.aborted) throw stopReason(this.stop);
  }

  /** Runs a native async entry with a control that the stop signal and a throwing callback cancel. */
  async native<T>(entry: (control: NativeControlHandle, onProgress?: (index: number, done: number, total: number) => void) => Promise<T>): Promise<T> {
    const control = new (nativeAddon().NativeControl)();
    this.#cancelNative = () => control.cancel();
    const removeStop = onStop(this.stop, () => control.cancel());
    try {
      const out = await entry(control, this.run.onProgress ? (_index, done, total) => this.progress(done, total) : undefined);
      this.check();
      return out;
    } catch (error) {
      this.check();
      throw error;
    } finally {
      removeStop();
      this.#cancelNative = undefined;
    }
  }
}

/** Runs `body` as one queued async call (schedule(): concurrency, abort, timeout). */
function scheduled<T>(id: string, run: RunOptions, body: (call: AsyncCall) => Promise<T>): Promise<T> {
  return schedule((stop) => body(new AsyncCall(id, run, stop)), run);
}

/** Runs `body` within the time budget of a synchronous call; native timeouts name the caller's budget. */
function budgeted<T>(run: SyncRunOptions | undefined, body: () => T): T {
  return withTimeout(resolveTimeout(run?.timeout), () => {
    try {
      return body();
    } catch (error) {
      throw error instanceof NnsimError ? restateTimeout(error) : error;
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Permutation test

function defaultAlternative(definition: MeasureDefinition): Alternative {
  return definition.kind === 'similarity' ? 'greater' : 'less';
}

/** @internal The E_OPTION refusing a permutation test for a measure that does not depend on the pairing, or undefined. */
export function unpairedRefusal(definition: MeasureDefinition): NnsimError | undefined {
  if (definition.paired) return undefined;
  return new NnsimError(
    'E_OPTION',
    `measure '${definition.id}' compares statistics of each representation on its own, so re-pairing the inputs does not change it and a permutation test has no power; use bootstrap() for its uncertainty`,
    { measure: definition.id },
  );
}

interface PermutationPlan {
  prepared: Prepared;
  count: number;
  seed: number;
  alternative: Alternative;
}

function planPermutation(id: AnyMeasureId, a: CompareInput, b: CompareInput, options: unknown): PermutationPlan {
  const definition = getDefinition(id);
  const { own, measure } = splitOptions('permutation', permutationTestSchema, options);
  const prepared = prepareCall(id, a, b, measure);
  const unpaired = unpairedRefusal(definition);
  if (unpaired) throw unpaired;
  return {
    prepared,
    count: own.values.permutations as number,
    seed: own.values.seed as number,
    alternative: (own.values.alternative as Alternative | undefined) ?? defaultAlternative(definition),
  };
}

function permutationResult(plan: PermutationPlan, value: number, nullValues: Float64Array, method: string): PermutationTestResult {
  return {
    value,
    pValue: permutationPValue(value, nullValues, plan.alternative),
    null: nullValues,
    permutations: plan.count,
    alternative: plan.alternative,
    method,
  };
}

function permutedUnit(plan: PermutationPlan): Unit {
  const { a, b, planned } = plan.prepared;
  const layout = rowUnits(planned.definition, a.rows);
  const order = indexStream('permutation', layout.units, plan.seed, layout.units);
  return (u) => [a.matrix, gatherRows(b.matrix, layout.rowsOf(order(u))), planned.options];
}

function coreOptions(plan: PermutationPlan): { permutations: number; seed: number } {
  return { permutations: plan.count, seed: plan.seed };
}

/**
 * Permutation test of measure `id` on (A, B): the null distribution is the measure under random
 * re-pairings of the inputs (rows of B permuted; A, labels and options unchanged), and the p-value says
 * how often chance pairing gives a value at least as extreme. Deterministic per seed for any thread
 * count. E_OPTION for measures whose value does not depend on the pairing (MeasureInfo.paired false).
 */
export function permutationTest<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: PermutationTestOptions<Id>,
  run: SyncRunOptions = {},
): PermutationTestResult {
  const p = planPermutation(id, a, b, options);
  try {
    return budgeted(run, () => {
      const { planned } = p.prepared;
      if (planned.definition.engine.kind === 'js') {
        const value = evaluateSync(planned, 1, observed(p.prepared))[0]!;
        return permutationResult(p, value, evaluateSync(planned, p.count, permutedUnit(p)), 'javascript');
      }
      const out = nativeAddon().permutationNull(...coreArgs(p.prepared), coreOptions(p), 'auto', remainingTime());
      return permutationResult(p, out.value, out.null, out.method);
    });
  } finally {
    p.prepared.release();
  }
}

/**
 * permutationTest() off the event loop, with progress (permutations done), cancellation (signal) and a
 * time budget (timeout).
 */
export async function permutationTestAsync<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: PermutationTestOptions<Id>,
  run: RunOptions = {},
): Promise<PermutationTestResult> {
  const p = planPermutation(id, a, b, options);
  const { planned } = p.prepared;
  try {
    return await scheduled(planned.definition.id, run, async (call) => {
      if (planned.definition.engine.kind === 'js') {
        const value = (await evaluateAsync(planned, 1, observed(p.prepared), call))[0]!;
        return permutationResult(p, value, await evaluateAsync(planned, p.count, permutedUnit(p), call, call.counter(p.count)), 'javascript');
      }
      const out = await call.native((control, onProgress) =>
        nativeAddon().permutationNullAsync(...coreArgs(p.prepared), coreOptions(p), 'auto', control, onProgress),
      );
      return permutationResult(p, out.value, out.null, out.method);
    });
  } finally {
    p.prepared.release();
  }
}

// ------------------------------------------------------------------------------------------------
// Bootstrap

interface BootstrapPlan {
  prepared: Prepared;
  count: number;
  seed: number;
  level: number;
  method: 'percentile' | 'bca';
  scheme: Resampling;
  sampleSize: number;
  jackknifeGroups: number;
}

/**
 * Jackknife groups for BCa's acceleration: leave-one-out (N evaluations) when N ≤ resamples, else
 * `resamples` random groups of rows left out in turn (the acceleration's delete-group estimate), so that
 * the jackknife never costs more evaluations than the bootstrap itself.
 */
export function jackknifeGroups(rows: number, resamples: number): number {
  return Math.max(2, Math.min(rows, resamples));
}

function planBootstrap(id: AnyMeasureId, a: CompareInput, b: CompareInput, options: unknown): BootstrapPlan {
  const definition = getDefinition(id);
  const { own, measure } = splitOptions('resampling', bootstrapSchema, options);
  const prepared = prepareCall(id, a, b, measure);
  try {
    const rows = rowUnits(definition, prepared.a.rows).units;
    const scheme = effectiveProperties(definition, prepared.planned.options.values).resampling;
    const method = own.values.method as 'percentile' | 'bca';
    const count = own.values.resamples as number;
    if (method === 'bca' && scheme === 'subsample') {
      throw new NnsimError(
        'E_OPTION',
        `method 'bca' needs resampling with replacement, but measure '${definition.id}' is resampled by subsampling with these options (duplicated rows break it); use method 'percentile'`,
        { measure: definition.id },
      );
    }
    const sampleSize = scheme === 'subsample' ? Math.floor(rows / 2) : rows;
    const minUnits = definition.rowUnit === 'input' ? definition.minRows : Math.ceil(definition.minRows / 2);
    const needed = scheme === 'subsample' ? 2 * minUnits : Math.max(minUnits, 2);
    if (rows < needed) {
      throw new NnsimError(
        'E_TOO_FEW_ROWS',
        `bootstrap of '${definition.id}' needs at least ${needed} inputs${scheme === 'subsample' ? ': it subsamples half of them' : ''}; got ${rows}`,
        { measure: definition.id },
      );
    }
    return {
      prepared,
      count,
      seed: own.values.seed as number,
      level: own.values.level as number,
      method,
      scheme,
      sampleSize,
      jackknifeGroups: method === 'bca' ? jackknifeGroups(rows, count) : 0,
    };
  } catch (error) {
    prepared.release();
    throw error;
  }
}

function bootstrapResult(plan: BootstrapPlan, value: number, distribution: Float64Array, jackknife: Float64Array): BootstrapResult {
  const rows = rowUnits(plan.prepared.planned.definition, plan.prepared.a.rows).units;
  let interval: Interval;
  let standardError = standardDeviation(distribution);
  if (plan.scheme === 'subsample') {
    interval = subsampleInterval(distribution, value, rows, plan.sampleSize, plan.level);
    standardError *= subsampleScale(rows, plan.sampleSize);
  } else {
    interval = plan.method === 'bca' ? bcaInterval(distribution, value, jackknife, plan.level) : percentileInterval(distribution, plan.level);
  }
  return {
    value,
    lower: interval.lower,
    upper: interval.upper,
    standardError,
    distribution,
    level: plan.level,
    method: plan.method,
    scheme: plan.scheme,
    sampleSize: plan.sampleSize,
    ...(plan.method === 'bca' ? { jackknife } : {}),
  };
}

/** Units 0 … count − 1: resamples; then the jackknife groups (rows of group g left out). */
function resampledUnits(plan: BootstrapPlan): { total: number; unit: Unit } {
  const { a, b, planned } = plan.prepared;
  const layout = rowUnits(planned.definition, a.rows);
  const n = layout.units;
  const draws = indexStream(plan.scheme === 'subsample' ? 'subsample' : 'bootstrap', n, plan.seed, plan.sampleSize);
  const on = (unitIndices: ArrayLike<number>): [Matrix, Matrix, ResolvedOptions] => {
    const r = layout.rowsOf(unitIndices);
    return [gatherRows(a.matrix, r), gatherRows(b.matrix, r), withLabels(planned.options, r)];
  };
  let groupOf: Int32Array | undefined;
  const unit: Unit = (u) => {
    if (u < plan.count) return on(draws(u));
    groupOf ??= nativeAddon().inferenceIndices('jackknife', n, plan.seed, 0, 0, plan.jackknifeGroups);
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (groupOf[i] !== u - plan.count) kept.push(i);
    return on(kept);
  };
  return { total: plan.count + plan.jackknifeGroups, unit };
}

function coreScheme(plan: BootstrapPlan): { withReplacement: boolean; sampleSize: number; jackknifeGroups: number } {
  return { withReplacement: plan.scheme === 'bootstrap', sampleSize: plan.sampleSize, jackknifeGroups: plan.jackknifeGroups };
}

/**
 * Bootstrap distribution and interval of measure `id` on (A, B): the rows (inputs) are resampled
 * jointly, with replacement, or — for measures whose metadata says `resampling: 'subsample'` — as
 * ⌊N/2⌋ distinct rows (then the interval is the subsampling interval, see subsampleInterval). Labels
 * follow their rows. 'bca' adds a jackknife (see jackknifeGroups).
 */
export function bootstrap<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: BootstrapOptions<Id>,
  run: SyncRunOptions = {},
): BootstrapResult {
  const p = planBootstrap(id, a, b, options);
  try {
    return budgeted(run, () => {
      const { planned } = p.prepared;
      if (planned.definition.engine.kind === 'js') {
        const value = evaluateSync(planned, 1, observed(p.prepared))[0]!;
        const { total, unit } = resampledUnits(p);
        const all = evaluateSync(planned, total, unit);
        return bootstrapResult(p, value, all.slice(0, p.count), all.slice(p.count));
      }
      const out = nativeAddon().resampling(...coreArgs(p.prepared), { resamples: p.count, seed: p.seed }, coreScheme(p), remainingTime());
      return bootstrapResult(p, out.value, out.values, out.jackknife);
    });
  } finally {
    p.prepared.release();
  }
}

/**
 * bootstrap() off the event loop, with progress (evaluations done), cancellation (signal) and a time
 * budget (timeout).
 */
export async function bootstrapAsync<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: BootstrapOptions<Id>,
  run: RunOptions = {},
): Promise<BootstrapResult> {
  const p = planBootstrap(id, a, b, options);
  const { planned } = p.prepared;
  try {
    return await scheduled(planned.definition.id, run, async (call) => {
      if (planned.definition.engine.kind === 'js') {
        const { total, unit } = resampledUnits(p);
        const value = (await evaluateAsync(planned, 1, observed(p.prepared), call))[0]!;
        const all = await evaluateAsync(planned, total, unit, call, call.counter(total));
        return bootstrapResult(p, value, all.slice(0, p.count), all.slice(p.count));
      }
      const out = await call.native((control, onProgress) =>
        nativeAddon().resamplingAsync(...coreArgs(p.prepared), { resamples: p.count, seed: p.seed }, coreScheme(p), control, onProgress),
      );
      return bootstrapResult(p, out.value, out.values, out.jackknife);
    });
  } finally {
    p.prepared.release();
  }
}

// ------------------------------------------------------------------------------------------------
// Cross-validation

interface CrossValidationPlan {
  prepared: Prepared;
  folds: number;
  seed: number;
}

let withMaps: readonly string[] | undefined;

/** Ids of the measures whose map the core fits (its declaration, read once). */
function measuresWithMaps(): readonly string[] {
  withMaps ??= nativeAddon().specs().inference.alignmentMaps;
  return withMaps;
}

function planCrossValidation(id: AnyMeasureId, a: CompareInput, b: CompareInput, options: unknown): CrossValidationPlan {
  const definition = getDefinition(id);
  const { own, measure } = splitOptions('cross-validation', crossValidateSchema, options);
  const maps = measuresWithMaps();
  if (definition.id !== 'stitching' && !maps.includes(definition.id)) {
    throw new NnsimError(
      'E_OPTION',
      `measure '${definition.id}' does not fit a map, so it has no cross-validated score; the measures that fit one are: ${[...maps, 'stitching'].join(', ')}`,
      { measure: definition.id },
    );
  }
  const prepared = prepareCall(id, a, b, measure);
  const folds = own.values.folds as number;
  if (folds > prepared.a.rows) {
    prepared.release();
    throw new NnsimError(
      'E_OPTION',
      `Expected an integer in [2, ${prepared.a.rows}] (at most one fold per row) for option 'folds' of crossValidate but received ${folds}`,
      { measure: definition.id },
    );
  }
  return { prepared, folds, seed: own.values.seed as number };
}

/** The core arguments of a cross-validation: id, option values, both representations, folds and seed. */
function cvArgs(plan: CrossValidationPlan) {
  const { planned, a, b } = plan.prepared;
  return [planned.definition.id, planned.options.values, a.nativeHandle(), b.nativeHandle(), { folds: plan.folds, seed: plan.seed }] as const;
}

function crossValidationResult(value: number, folds: Float64Array, testRows: ArrayLike<number>): CrossValidateResult {
  let mean = 0;
  for (const v of folds) mean += v;
  return { value, folds, mean: mean / folds.length, testRows: Array.from(testRows) };
}

interface StitchingFold {
  train: [Matrix, Matrix];
  test: [Matrix, Matrix];
  options: ResolvedOptions;
}

/** The stitching measure's folds: the affine map is fitted on K − 1 folds, the rest of B runs on the held-out one. */
function stitchingFolds(plan: CrossValidationPlan): StitchingFold[] {
  const { a, b, planned } = plan.prepared;
  const n = a.rows;
  const groupOf = nativeAddon().inferenceIndices('folds', n, plan.seed, 0, 0, plan.folds);
  return Array.from({ length: plan.folds }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (groupOf[i] === f ? test : train).push(i);
    return {
      train: [gatherRows(a.matrix, train), gatherRows(b.matrix, train)],
      test: [gatherRows(a.matrix, test), gatherRows(b.matrix, test)],
      options: withLabels(planned.options, test),
    };
  });
}

/**
 * K-fold cross-validated score of a measure that fits a map (procrustes, angular-shape, shape-metric,
 * linear-regression, aligned-cosine, stitching): rows are split into `folds` random folds; each fold's
 * score is the map fitted on the other folds, applied to and scored on the held-out rows (the
 * generalisation distances of Williams et al. 2021, netrep's fit/score). E_OPTION for a measure without
 * a map, or folds > N.
 */
export function crossValidate<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: CrossValidateOptions<Id>,
  run: SyncRunOptions = {},
): CrossValidateResult {
  const p = planCrossValidation(id, a, b, options);
  try {
    return budgeted(run, () => {
      const { planned } = p.prepared;
      if (planned.definition.id === 'stitching') {
        const value = syncValue(compute(planned, observed(p.prepared)(0)), 'stitching');
        const folds = stitchingFolds(p);
        const scores = Float64Array.from(folds, (f) => syncValue(heldOutStitching(f.train, f.test, f.options), 'stitching'));
        return crossValidationResult(value, scores, folds.map((f) => f.test[0].rows));
      }
      const out = nativeAddon().crossValidate(...cvArgs(p), remainingTime());
      return crossValidationResult(out.value, out.folds, out.testRows);
    });
  } finally {
    p.prepared.release();
  }
}

/**
 * crossValidate() off the event loop, with progress (folds done), cancellation (signal) and a time
 * budget (timeout).
 */
export async function crossValidateAsync<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: CrossValidateOptions<Id>,
  run: RunOptions = {},
): Promise<CrossValidateResult> {
  const p = planCrossValidation(id, a, b, options);
  const { planned } = p.prepared;
  try {
    return await scheduled(planned.definition.id, run, async (call) => {
      if (planned.definition.id === 'stitching') {
        const value = finite(await computeAsync(planned, observed(p.prepared)(0), call.stop), 'stitching');
        const folds = stitchingFolds(p);
        const scores = new Float64Array(folds.length);
        for (const [f, fold] of folds.entries()) {
          call.check();
          scores[f] = finite(await heldOutStitchingAsync(fold.train, fold.test, fold.options, call.stop), 'stitching');
          call.progress(f + 1, folds.length);
        }
        call.check();
        return crossValidationResult(value, scores, folds.map((f) => f.test[0].rows));
      }
      const out = await call.native((control, onProgress) => nativeAddon().crossValidateAsync(...cvArgs(p), control, onProgress));
      return crossValidationResult(out.value, out.folds, out.testRows);
    });
  } finally {
    p.prepared.release();
  }
}

// ------------------------------------------------------------------------------------------------
// Fitted maps

/** One side of a fitted alignment: x ↦ (x − mean) · transform (D × k). */
export interface AlignmentSide {
  readonly mean: Float64Array;
  readonly transform: Matrix;
}

/** The map a measure fits, bringing both inputs into one k-dimensional space, and how it scores aligned rows. */
export interface AlignmentMap {
  readonly a: AlignmentSide;
  readonly b: AlignmentSide;
  /** 'euclidean' ‖A − B‖_F, 'chord' (unit-norm A, B), 'angular', 'row-cosine' (mean per row), 'r-squared'. */
  readonly score: 'euclidean' | 'chord' | 'angular' | 'row-cosine' | 'r-squared';
}

/**
 * The map measure `id` fits on (A, B) (procrustes, angular-shape, shape-metric, linear-regression,
 * aligned-cosine): the rotation, whitening or regression behind its value. Scoring (A − 1μ_aᵀ)T_a against
 * (B − 1μ_bᵀ)T_b gives compare(id, A, B); crossValidate scores it on held-out rows.
 */
export function alignmentMap<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: MeasureOptions<Id>,
  run: SyncRunOptions = {},
): AlignmentMap {
  const prepared = prepareCall(id, a, b, options);
  try {
    const { planned } = prepared;
    const out = budgeted(run, () =>
      nativeAddon().alignmentMap(planned.definition.id, planned.options.values, prepared.a.nativeHandle(), prepared.b.nativeHandle(), remainingTime()),
    );
    const side = (s: typeof out.a): AlignmentSide => ({ mean: s.mean, transform: { data: s.transform, rows: s.rows, cols: s.cols } });
    return { a: side(out.a), b: side(out.b), score: out.score as AlignmentMap['score'] };
  } finally {
    prepared.release();
  }
}
