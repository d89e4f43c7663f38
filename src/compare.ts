/**
 * The engine entry points: compare one measure or many on a pair of representations, synchronously
 * or on a worker thread. Native measures of one call share one prepared pair in the core (a centred
 * matrix, a factor or an SVD is computed once for all of them).
 */
import { NnsimError } from './errors.js';
import { type Matrix, type MatrixInput, type SourceMatrix, requireSameRows, toSourceMatrix } from './matrix.js';
import type { JsEngine, MeasureDefinition } from './measure-types.js';
import {
  type NativeControlHandle,
  type NativeMatrices,
  type NativeOutcome,
  type NativeRepresentationHandle,
  nativeAddon,
} from './native.js';
import type { Definition } from './measures/index.js';
import { inputValues, runOnWorker, shouldOffload } from './offload.js';
import { type OptionSchema, type OptionsOf, type ResolvedOptions, resolveOptions } from './options.js';
import { type MeasureId, getDefinition } from './registry.js';
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
} from './runtime.js';

/**
 * A representation validated once and prepared for many comparisons: the core keeps what it derives
 * (centred data, factors, k-NN lists …) for the lifetime of this object, so comparing it with many
 * others does that work once. The Float64Array or Float32Array it was made from is used in place (float32
 * data is never copied whole unless a measure needs the full matrix in float64): do not modify it while
 * the object is in use.
 */
export class PreparedRepresentation {
  /** The data as given: Float64Array or Float32Array, used in place. */
  readonly source: SourceMatrix;
  readonly #name: string;
  #matrix: Matrix | undefined;
  #native: NativeRepresentationHandle | undefined;

  /**
   * `convert` replaces the default validation for inputs of functional measures (label vectors, outputs);
   * without it the input is a representation, checked (every entry finite) by the core right away.
   */
  constructor(input: MatrixInput, name = 'representation', convert?: (value: unknown, name: string) => Matrix) {
    this.#name = name;
    if (convert) {
      this.#matrix = convert(input, name);
      this.source = this.#matrix;
    } else {
      this.source = toSourceMatrix(input, name);
      this.#native = this.#createNative();
    }
  }

  get rows(): number {
    return this.source.rows;
  }

  get cols(): number {
    return this.source.cols;
  }

  /** The data as a float64 matrix (for measures computed in JavaScript): float32 data is copied once. */
  get matrix(): Matrix {
    this.#matrix ??= { data: Float64Array.from(this.source.data), rows: this.source.rows, cols: this.source.cols };
    return this.#matrix;
  }

  /**
   * @internal Throws E_DETACHED when the caller's buffer behind this representation was transferred
   * (detached) or shrunk since it was prepared: nothing would be left to read.
   */
  checkAttached(): void {
    const { data, rows, cols } = this.source;
    const hard = (this.source as { hard?: ArrayLike<number> }).hard;
    if (data.length !== rows * cols || (hard !== undefined && hard.length !== rows)) {
      throw new NnsimError('E_DETACHED', `the buffer behind ${this.#name} was detached (transferred) after it was prepared`);
    }
  }

  /** @internal The native handle (created on first use; the core validates the data). */
  nativeHandle(): NativeRepresentationHandle {
    this.#native ??= this.#createNative();
    return this.#native;
  }

  #createNative(): NativeRepresentationHandle {
    const addon = nativeAddon();
    try {
      return new addon.NativeRepresentation(this.source.data, this.source.rows, this.source.cols);
    } catch (error) {
      // The core names the entry; the input's name says which one.
      if (error instanceof NnsimError && error.code === 'E_NONFINITE') {
        throw new NnsimError(error.code, `${this.#name}: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * Frees the cached intermediates (centred copy, SVD, distance matrices, k-NN lists …) now, or when
   * the async call using them finishes; the next comparison recomputes what it needs. compare() does
   * this for the inputs it prepared itself, so a synchronous loop of thousands of comparisons does not
   * hold every comparison's memory until the event loop turns.
   */
  release(): void {
    this.#native?.release();
    this.#native = undefined;
  }
}

/** A matrix input or a prepared representation. */
export type RepresentationInput = MatrixInput | PreparedRepresentation;

/** What compare() accepts: a matrix (representation or N × C outputs), or predicted labels (functional measures). */
export type CompareInput = RepresentationInput | Int32Array | readonly number[];

/** Validates a representation once for reuse across comparisons. */
export function prepare(input: MatrixInput, name?: string): PreparedRepresentation {
  return new PreparedRepresentation(input, name);
}

type Converter = (value: unknown, name: string) => Matrix;

function prepared(input: unknown, name: string, convert?: Converter): PreparedRepresentation {
  if (!(input instanceof PreparedRepresentation)) return new PreparedRepresentation(input as MatrixInput, name, convert);
  input.checkAttached();
  return input;
}

/**
 * The input converter of the measures of one call: a JS engine's own `input` when every measure has
 * the same one (functional measures), else toMatrix. An unknown id throws here (E_UNKNOWN_MEASURE),
 * before the inputs are read.
 */
export function converterOf(specs: readonly unknown[]): Converter | undefined {
  let convert: Converter | undefined;
  for (const spec of Array.isArray(specs) ? specs : []) {
    const id = typeof spec === 'string' ? spec : (spec as { id?: unknown } | null)?.id;
    const engine = getDefinition(id).engine;
    const own = engine.kind === 'js' ? engine.input : undefined;
    if (!own || (convert && convert !== own)) return undefined;
    convert = own;
  }
  return convert;
}

/** Any measure id: autocompletion for the registered ones, and any string (checked at run time). */
export type AnyMeasureId = MeasureId | (string & {});

/** Whether `Id` is an id known only at run time: `string`, or the whole MeasureId union (measureIds()). */
type RuntimeId<Id extends string> = [MeasureId] extends [Id] ? true : false;

type TypedOptions<Id extends string> = Id extends MeasureId
  ? OptionsOf<Extract<Definition, { readonly id: Id }>['options']>
  : object;

/**
 * The options measure `Id` accepts, from its schema in the registry: a wrong key or value type is a
 * compile error. An id known only at run time accepts any object, checked at run time.
 */
export type MeasureOptions<Id extends string> = RuntimeId<Id> extends true ? object : TypedOptions<Id>;

type TypedSpecObject<Id extends string> = Id extends MeasureId
  ? { id: Id; options?: TypedOptions<Id>; key?: string }
  : { id: Id; options?: object; key?: string };

/**
 * One measure of a compareMany call: an id, or an id with options (typed per id when the ids are
 * literals) and an optional result key.
 */
export type MeasureSpec<Id extends string = AnyMeasureId> =
  | Id
  | TypedSpecObject<Id>
  | (RuntimeId<Id> extends true ? { id: Id; options?: object; key?: string } : never);

/** Progress of an async run: `fraction` is the share of the whole call that is done. */
export interface Progress {
  readonly measure: string;
  readonly index: number;
  readonly count: number;
  readonly done: number;
  readonly total: number;
  readonly fraction: number;
}

/** Options of a computation that are not measure parameters. */
export interface CallOptions {
  /**
   * 'double' (default): float64 arithmetic. 'single': the D × D products of the feature-space measures
   * (linear CKA, Procrustes, angular shape, Bures) run in float32 BLAS on row blocks and are summed in
   * float64: about twice as fast, relative error around 1e-6 (see the README).
   */
  precision?: Precision;
}

export type Precision = 'double' | 'single';

/** The validated precision of a call. */
export function precisionOf(call: CallOptions | undefined): Precision {
  const value = call?.precision ?? 'double';
  if (value !== 'double' && value !== 'single') {
    throw new NnsimError('E_OPTION', `Expected 'double' or 'single' for precision but received ${JSON.stringify(value)}`);
  }
  return value;
}

/** Options of a synchronous call: its time budget and precision. */
export type SyncCallOptions = SyncRunOptions & CallOptions;

export interface RunOptions extends CallOptions {
  /** Cancels the computation; the promise rejects with E_CANCELLED at once. */
  signal?: AbortSignal;
  /**
   * Called on the main thread as the computation advances. If it throws, the computation is stopped
   * and the promise rejects with that error.
   */
  onProgress?: (progress: Progress) => void;
  /**
   * Time budget in milliseconds from when the call starts running (time queued behind other calls does
   * not count; AbortSignal.timeout() bounds the total): past it the promise rejects with E_TIMEOUT.
   * Default: configure({ timeout }), Infinity unless set.
   */
  timeout?: number;
}

export type { SyncRunOptions } from './runtime.js';

/** @internal One measure of a call, validated (also used by inference.ts). */
export interface PlannedMeasure {
  key: string;
  definition: MeasureDefinition;
  options: ResolvedOptions;
}

/**
 * The measures of a spec list: definition, result key (spec.key ?? id) and the options as given. Throws
 * E_UNKNOWN_MEASURE for an unknown id and E_OPTION for a key that appears twice.
 */
export function specEntries(
  specs: readonly MeasureSpec[],
): { definition: MeasureDefinition; key: string; options: object | undefined }[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const { id, options, key } = typeof spec === 'string' ? { id: spec, options: undefined, key: undefined } : (spec ?? {});
    const definition = getDefinition(id);
    const resolvedKey = key ?? definition.id;
    if (seen.has(resolvedKey)) {
      throw new NnsimError('E_OPTION', `measure key '${resolvedKey}' appears twice; give repeated measures distinct keys`);
    }
    seen.add(resolvedKey);
    return { definition, key: resolvedKey, options };
  });
}

/** @internal */
export function plan(specs: readonly MeasureSpec[], rows: number): PlannedMeasure[] {
  if (!Array.isArray(specs)) throw new NnsimError('E_TYPE', 'compareMany expects an array of measure ids or specs');
  return specEntries(specs).map(({ definition, key: resolvedKey, options }) => {
    if (definition.arity !== 'pair') {
      throw new NnsimError('E_TYPE', `measure '${definition.id}' compares a group of models; use compareGroup`, {
        measure: definition.id,
      });
    }
    const resolved = resolveOptions(definition.id, definition.options, options, rows);
    if (rows < definition.minRows) {
      throw new NnsimError(
        'E_TOO_FEW_ROWS',
        `measure '${definition.id}' needs at least ${definition.minRows} rows (inputs); got ${rows}`,
        { measure: definition.id },
      );
    }
    return { key: resolvedKey, definition, options: resolved };
  });
}

function sameLabels(x: Int32Array, y: Int32Array): boolean {
  return x === y || (x.length === y.length && x.every((v, i) => v === y[i]));
}

function checkLabels(planned: readonly PlannedMeasure[]): Int32Array | undefined {
  // The core receives one label vector per call; all measures of the call must agree on it (by value:
  // a number[] given to several measures is converted to a new Int32Array for each).
  let labels: Int32Array | undefined;
  for (const p of planned) {
    if (!p.options.labels) continue;
    if (labels && !sameLabels(labels, p.options.labels)) {
      throw new NnsimError('E_LABELS', 'measures of one compareMany call must share the same labels array');
    }
    labels = p.options.labels;
  }
  return labels;
}

/** The matrix options of the native measures, one entry per measure (undefined when none was given). */
function nativeMatrices(planned: readonly PlannedMeasure[], indices: readonly number[]): (NativeMatrices | undefined)[] | undefined {
  const matrices = indices.map((i) => planned[i]!.options.matrices);
  return matrices.some((m) => m !== undefined) ? matrices : undefined;
}

type Outcome = NativeOutcome;

function finiteOutcome(value: unknown, id: string): Outcome {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return new NnsimError('E_NUMERICAL', `${id}: produced a non-finite value`, { measure: id });
  }
  return value;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function jsEngine(p: PlannedMeasure): JsEngine {
  if (p.definition.engine.kind !== 'js') throw new NnsimError('E_INTERNAL', `${p.definition.id} is not a JS measure`);
  return p.definition.engine;
}

/** A measure's own failure becomes its outcome; anything else (a bug, a user callback's error) propagates. */
function asOutcome(error: unknown): Outcome {
  if (error instanceof NnsimError && error.code !== 'E_TIMEOUT' && error.code !== 'E_CANCELLED') return error;
  throw error;
}

/** A timed-out or cancelled call fails as a whole, whatever the `errors` mode. */
function throwIfStopped(outcomes: readonly Outcome[]): void {
  for (const o of outcomes) {
    if (o instanceof NnsimError && (o.code === 'E_TIMEOUT' || o.code === 'E_CANCELLED')) throw o;
  }
}

function runJs(p: PlannedMeasure, a: PreparedRepresentation, b: PreparedRepresentation): Outcome {
  try {
    checkBudget();
    const value = jsEngine(p).compute(a.matrix, b.matrix, p.options);
    if (isPromise(value)) {
      // An asynchronous user callback: the synchronous API cannot wait for it.
      value.catch(() => undefined);
      return new NnsimError('E_TYPE', `${p.definition.id}: a callback returned a Promise; use compare.async`, {
        measure: p.definition.id,
      });
    }
    return finiteOutcome(value, p.definition.id);
  } catch (error) {
    return asOutcome(error);
  }
}

/**
 * A JS measure in an async call: on a worker thread (offload.ts), through the engine's own async form,
 * or — small inputs, function-valued options — right here.
 */
async function runJsAsync(p: PlannedMeasure, a: PreparedRepresentation, b: PreparedRepresentation, stop: AbortSignal): Promise<Outcome> {
  const engine = jsEngine(p);
  const id = p.definition.id;
  try {
    a.checkAttached();
    b.checkAttached();
    if (engine.computeAsync) return finiteOutcome(await engine.computeAsync(a.matrix, b.matrix, p.options, stop), id);
    if (shouldOffload(engine, inputValues([a.matrix, b.matrix]), p.options)) {
      return finiteOutcome(await runOnWorker({ kind: 'pair', id, a: a.matrix, b: b.matrix, options: p.options }, stop), id);
    }
    return finiteOutcome(await engine.compute(a.matrix, b.matrix, p.options), id);
  } catch (error) {
    return asOutcome(error);
  }
}

function runSync(
  planned: readonly PlannedMeasure[],
  a: PreparedRepresentation,
  b: PreparedRepresentation,
  run: SyncCallOptions,
): Outcome[] {
  const outcomes: Outcome[] = new Array(planned.length);
  const precision = precisionOf(run);
  withTimeout(resolveTimeout(run?.timeout), () => {
    const nativeIndices = planned.flatMap((p, i) => (p.definition.engine.kind === 'native' ? [i] : []));
    if (nativeIndices.length > 0) {
      const raw = nativeAddon().compare(
        nativeIndices.map((i) => planned[i]!.definition.id),
        nativeIndices.map((i) => planned[i]!.options.values),
        a.nativeHandle(),
        b.nativeHandle(),
        checkLabels(planned),
        remainingTime(),
        nativeMatrices(planned, nativeIndices),
        precision,
      );
      nativeIndices.forEach((i, k) => {
        const outcome = raw[k]!;
        outcomes[i] = typeof outcome === 'number' ? outcome : restateTimeout(outcome);
      });
    }
    planned.forEach((p, i) => {
      if (p.definition.engine.kind === 'js') outcomes[i] = runJs(p, a, b);
    });
  });
  throwIfStopped(outcomes);
  return outcomes;
}

async function runAsync(
  planned: readonly PlannedMeasure[],
  a: PreparedRepresentation,
  b: PreparedRepresentation,
  run: RunOptions,
  stop: AbortSignal,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(planned.length);
  const nativeIndices = planned.flatMap((p, i) => (p.definition.engine.kind === 'native' ? [i] : []));
  const count = planned.length;
  // A throwing progress callback stops the call, which then rejects with the callback's error.
  let callbackFailure: { error: unknown } | undefined;
  let control: NativeControlHandle | undefined;
  const report = (index: number, done: number, total: number): void => {
    if (!run.onProgress || callbackFailure) return;
    const p = planned[index]!;
    try {
      run.onProgress({
        measure: p.key,
        index,
        count,
        done,
        total,
        fraction: Math.min(1, (index + (total > 0 ? done / total : 1)) / count),
      });
    } catch (error) {
      callbackFailure = { error };
      control?.cancel();
    }
  };
  const failIfCallbackThrew = (): void => {
    if (callbackFailure) throw callbackFailure.error;
  };
  if (nativeIndices.length > 0) {
    const addon = nativeAddon();
    control = new addon.NativeControl();
    const removeStop = onStop(stop, () => control!.cancel());
    try {
      const raw = await addon.compareAsync(
        nativeIndices.map((i) => planned[i]!.definition.id),
        nativeIndices.map((i) => planned[i]!.options.values),
        a.nativeHandle(),
        b.nativeHandle(),
        checkLabels(planned),
        control,
        run.onProgress ? (k, done, total) => report(nativeIndices[k]!, done, total) : undefined,
        nativeMatrices(planned, nativeIndices),
        precisionOf(run),
      );
      failIfCallbackThrew();
      nativeIndices.forEach((i, k) => (outcomes[i] = raw[k]!));
    } finally {
      removeStop();
    }
  }
  for (let i = 0; i < planned.length; i++) {
    const p = planned[i]!;
    if (p.definition.engine.kind !== 'js') continue;
    if (stop.aborted) throw stopReason(stop);
    outcomes[i] = await runJsAsync(p, a, b, stop);
    report(i, 1, 1);
    failIfCallbackThrew();
  }
  if (stop.aborted) throw stopReason(stop);
  return outcomes;
}

/** @internal */
export function preparePair(a: unknown, b: unknown, convert?: Converter): [PreparedRepresentation, PreparedRepresentation] {
  const pa = prepared(a, 'a', convert);
  const pb = prepared(b, 'b', convert);
  requireSameRows(pa, pb);
  return [pa, pb];
}

/** Frees what this call prepared itself; representations the caller prepared keep their caches. */
export function releaseOwn(pair: readonly PreparedRepresentation[], inputs: readonly unknown[]): void {
  pair.forEach((p, i) => {
    if (p !== inputs[i]) p.release();
  });
}

function single(outcome: Outcome): number {
  if (typeof outcome === 'number') return outcome;
  throw outcome;
}

/**
 * Computes one measure of two representations (N × D and N × D′, rows = the same inputs).
 * Throws NnsimError on bad input or when the measure is undefined for it; E_TIMEOUT past `run.timeout`.
 */
export function compare<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: MeasureOptions<Id>,
  run: SyncCallOptions = {},
): number {
  const [pa, pb] = preparePair(a, b, converterOf([id]));
  try {
    const planned = plan([{ id, options }], pa.rows);
    return single(runSync(planned, pa, pb, run)[0]!);
  } finally {
    releaseOwn([pa, pb], [a, b]);
  }
}

/** compare() on a worker thread: the event loop stays free. */
export async function compareAsync<Id extends AnyMeasureId>(
  id: Id,
  a: CompareInput,
  b: CompareInput,
  options?: MeasureOptions<Id>,
  run: RunOptions = {},
): Promise<number> {
  precisionOf(run);
  const [pa, pb] = preparePair(a, b, converterOf([id]));
  try {
    const planned = plan([{ id, options }], pa.rows);
    const outcomes = await schedule((stop) => runAsync(planned, pa, pb, run, stop), run);
    return single(outcomes[0]!);
  } finally {
    releaseOwn([pa, pb], [a, b]);
  }
}

export interface CompareManyOptions extends RunOptions {
  /** 'throw' (default): the first failing measure throws. 'return': failures are NnsimError values. */
  errors?: 'throw' | 'return';
}

export type ManyResults = Record<string, number>;
export type ManyOutcomes = Record<string, number | NnsimError>;

function collect(planned: readonly PlannedMeasure[], outcomes: readonly Outcome[], errors: 'throw' | 'return'): ManyOutcomes {
  const out: ManyOutcomes = {};
  planned.forEach((p, i) => {
    const o = outcomes[i]!;
    if (typeof o !== 'number' && errors === 'throw') throw o;
    out[p.key] = o;
  });
  return out;
}

/**
 * Computes several measures of one pair, sharing intermediates (one centring, one factor, one cross
 * product, one set of k-NN lists …). Returns { [key]: value }, key = spec.key ?? id.
 */
export function compareMany<Id extends AnyMeasureId>(
  specs: readonly MeasureSpec<Id>[],
  a: CompareInput,
  b: CompareInput,
  options?: SyncCallOptions & { errors?: 'throw' },
): ManyResults;
export function compareMany<Id extends AnyMeasureId>(
  specs: readonly MeasureSpec<Id>[],
  a: CompareInput,
  b: CompareInput,
  options: SyncCallOptions & { errors: 'return' },
): ManyOutcomes;
export function compareMany<Id extends AnyMeasureId>(
  specs: readonly MeasureSpec<Id>[],
  a: CompareInput,
  b: CompareInput,
  options?: SyncCallOptions & { errors?: 'throw' | 'return' },
): ManyResults | ManyOutcomes;
export function compareMany(
  specs: readonly MeasureSpec[],
  a: CompareInput,
  b: CompareInput,
  options: SyncCallOptions & { errors?: 'throw' | 'return' } = {},
): ManyResults | ManyOutcomes {
  precisionOf(options);
  const [pa, pb] = preparePair(a, b, converterOf(specs));
  try {
    const planned = plan(specs, pa.rows);
    return collect(planned, runSync(planned, pa, pb, options), options.errors ?? 'throw');
  } finally {
    releaseOwn([pa, pb], [a, b]);
  }
}

/** compareMany() on a worker thread, with progress and cancellation. */
export async function compareManyAsync<Id extends AnyMeasureId>(
  specs: readonly MeasureSpec<Id>[],
  a: CompareInput,
  b: CompareInput,
  options: CompareManyOptions = {},
): Promise<ManyResults | ManyOutcomes> {
  precisionOf(options);
  const [pa, pb] = preparePair(a, b, converterOf(specs));
  try {
    const planned = plan(specs, pa.rows);
    const outcomes = await schedule((stop) => runAsync(planned, pa, pb, options, stop), options);
    return collect(planned, outcomes, options.errors ?? 'throw');
  } finally {
    releaseOwn([pa, pb], [a, b]);
  }
}

/** A typed function for one measure: `fn(a, b, options, run)`, `fn.async(a, b, options, run)`, `fn.info`. */
export interface MeasureFunction<S extends OptionSchema> {
  (a: CompareInput, b: CompareInput, options?: OptionsOf<S>, run?: SyncCallOptions): number;
  async(a: CompareInput, b: CompareInput, options?: OptionsOf<S>, run?: RunOptions): Promise<number>;
  readonly id: string;
}

export function measureFunction<S extends OptionSchema>(definition: MeasureDefinition<string, S>): MeasureFunction<S> {
  const fn = (a: CompareInput, b: CompareInput, options?: OptionsOf<S>, run?: SyncCallOptions): number =>
    compare(definition.id, a, b, options, run);
  return Object.assign(fn, {
    async: (a: CompareInput, b: CompareInput, options?: OptionsOf<S>, run?: RunOptions) =>
      compareAsync(definition.id, a, b, options, run),
    id: definition.id,
  });
}

