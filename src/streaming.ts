/**
 * Streaming accumulators: measures computed from statistics accumulated over batches of rows, for inputs
 * too large to hold in memory, and for shards accumulated on different machines and merged exactly.
 *
 *   const acc = createAccumulator(['cka', 'procrustes'], { colsA: 768, colsB: 768 });
 *   for (const [a, b] of batches) acc.push(a, b);        // any batch sizes, Float32Array read in place
 *   acc.result();                                        // { cka: …, procrustes: … }
 *   writeFileSync('shard-3.safetensors', acc.toBuffer()); // later: acc.merge(accumulatorFromBuffer(bytes))
 *
 * The math lives in the core (native/core/streaming.cpp); this module validates, names and (de)serialises.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type CallOptions, type MeasureSpec, type Precision, type RunOptions, precisionOf, specEntries } from './compare.js';
import { NnsimError, invalidParameter } from './errors.js';
import { encodeSafetensors, safetensorsLayout } from './io/safetensors.js';
import { type MatrixInput, toSourceMatrix } from './matrix.js';
import { type NativeAccumulatorHandle, type NativeOutcome, type NativeStateTensor, nativeAddon, packageRoot } from './native.js';
import { resolveOptions } from './options.js';
import { onStop, schedule } from './runtime.js';

/** Format name and version written into every state file; a reader refuses any other. */
export const STATE_FORMAT = 'nnsim-accumulator';
export const STATE_VERSION = '1';

export interface AccumulatorOptions extends CallOptions {
  /** Columns (features) of the first input. */
  colsA: number;
  /** Columns (features) of the second input. */
  colsB: number;
  /** Measure options by measure id or result key: `{ procrustes: { normalize: true } }`. */
  options?: Readonly<Record<string, object>>;
}

/** One measure of an accumulator: result key, id and resolved option values. */
export interface AccumulatedMeasure {
  readonly key: string;
  readonly id: string;
  readonly options: Readonly<Record<string, number | boolean | string>>;
}

/** The ids an accumulator can compute (`cka`: the linear kernel with any estimator, or any kernel with estimator `minibatch`). */
export function streamableMeasures(): string[] {
  return nativeAddon().streamableIds();
}

function checkCols(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1 << 20) {
    throw invalidParameter(typeof value === 'number' ? 'E_SHAPE' : 'E_TYPE', name, 'an integer between 1 and 2^20', value);
  }
  return value;
}

function planMeasures(specs: readonly MeasureSpec[], byKey: Readonly<Record<string, object>> | undefined): AccumulatedMeasure[] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new NnsimError('E_TYPE', 'createAccumulator expects a non-empty array of measure ids or specs');
  }
  if (byKey !== undefined && (byKey === null || typeof byKey !== 'object' || Array.isArray(byKey))) {
    throw new NnsimError('E_OPTION', 'options must be an object of measure options keyed by measure id');
  }
  const streamable = new Set(streamableMeasures());
  const planned = specEntries(specs).map(({ definition, key, options }) => {
    const given = options ?? byKey?.[key] ?? byKey?.[definition.id];
    // A measure that never streams is refused by the core (E_NOT_STREAMABLE, with the alternatives)
    // before its options matter: a required matrix option, say, would otherwise be asked for first.
    if (!streamable.has(definition.id)) return { key, id: definition.id, options: {} };
    return { key, id: definition.id, options: resolveOptions(definition.id, definition.options, given).values };
  });
  for (const key of Object.keys(byKey ?? {})) {
    if (!planned.some((p) => p.key === key || p.id === key)) {
      throw new NnsimError('E_OPTION', `options given for '${key}', which is not one of the accumulator's measures`);
    }
  }
  return planned;
}

/** A measure's outcome under its result key (the core's errors name the measure id). */
function outcome(raw: NativeOutcome, key: string, id: string): number | NnsimError {
  if (typeof raw === 'number' || key === id) return raw;
  return new NnsimError(raw.code, `${key}: ${raw.message.replace(`${id}: `, '')}`, { measure: id, cause: raw });
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A batch of rows as the core reads it (typed arrays in place), with its row count. */
function batchOf(input: MatrixInput, name: string, cols: number, index: number): { data: Float64Array | Float32Array; rows: number } {
  const m = toSourceMatrix(input, name);
  if (m.cols !== cols) {
    throw new NnsimError('E_SHAPE', `batch ${index}: ${name} has ${m.cols} columns but the accumulator was created with ${cols}`);
  }
  return m;
}

/**
 * Sufficient statistics of a pair of inputs, accumulated over row batches. Create with
 * {@link createAccumulator} or {@link accumulatorFromBuffer}.
 */
export class Accumulator {
  readonly measures: readonly AccumulatedMeasure[];
  readonly colsA: number;
  readonly colsB: number;
  readonly precision: Precision;
  readonly #native: NativeAccumulatorHandle;

  /** @internal */
  constructor(measures: readonly AccumulatedMeasure[], colsA: number, colsB: number, precision: Precision) {
    this.measures = measures;
    this.colsA = colsA;
    this.colsB = colsB;
    this.precision = precision;
    const addon = nativeAddon();
    this.#native = new addon.NativeAccumulator(
      measures.map((m) => m.id),
      measures.map((m) => m.options),
      colsA,
      colsB,
      precision,
    );
  }

  /** Rows accumulated so far. */
  get rows(): number {
    return this.#native.rows;
  }

  /** Batches pushed so far (including those of merged accumulators). */
  get batches(): number {
    return this.#native.batches;
  }

  /**
   * Adds a batch: row i of `a` and of `b` is the same input. Any batch size; a Float32Array or
   * Float64Array is read in place. All or nothing: a batch with another column count, NaN/Inf (the error
   * names the batch and row) or mismatched rows is refused and nothing of it is added.
   */
  push(a: MatrixInput, b: MatrixInput): this {
    const index = this.batches;
    const ma = batchOf(a, 'a', this.colsA, index);
    const mb = batchOf(b, 'b', this.colsB, index);
    if (ma.rows !== mb.rows) {
      throw new NnsimError('E_SHAPE', `batch ${index}: a has ${ma.rows} rows but b has ${mb.rows}; rows are inputs, so both must hold the same inputs`);
    }
    this.#native.push(ma.data, mb.data, ma.rows);
    return this;
  }

  /**
   * push() on a worker thread (the batch is copied first, keeping its element type). An abort or a
   * timeout stops the push at its next cancellation point (milliseconds) and adds nothing; the promise
   * settles once the push has stopped, so the accumulator is usable right after.
   */
  async pushAsync(a: MatrixInput, b: MatrixInput, run: Pick<RunOptions, 'signal' | 'timeout'> = {}): Promise<this> {
    const index = this.batches;
    const ma = batchOf(a, 'a', this.colsA, index);
    const mb = batchOf(b, 'b', this.colsB, index);
    if (ma.rows !== mb.rows) {
      throw new NnsimError('E_SHAPE', `batch ${index}: a has ${ma.rows} rows but b has ${mb.rows}; rows are inputs, so both must hold the same inputs`);
    }
    const addon = nativeAddon();
    let work: Promise<void> | undefined;
    try {
      await schedule(
        (stop) => {
          const control = new addon.NativeControl();
          const removeStop = onStop(stop, () => control.cancel());
          work = this.#native.pushAsync(ma.data, mb.data, ma.rows, control).finally(removeStop);
          return work;
        },
        { signal: run.signal, timeout: run.timeout },
      );
    } catch (error) {
      // schedule() settles at once on an abort; the accumulator is busy until its push has stopped.
      await work?.catch(() => undefined);
      throw error;
    }
    return this;
  }

  /**
   * Adds the rows of another accumulator (or of a state written by toBuffer()): same measures, options,
   * column counts and precision, else E_STATE. `other` is not changed.
   */
  merge(other: Accumulator | Uint8Array): this {
    const from = other instanceof Uint8Array ? accumulatorFromBuffer(other) : other;
    if (!(from instanceof Accumulator)) throw invalidParameter('E_TYPE', 'other', 'an Accumulator or a state buffer', other);
    if (from.measures.map((m) => m.key).join('\u0000') !== this.measures.map((m) => m.key).join('\u0000')) {
      throw new NnsimError(
        'E_STATE',
        `cannot merge accumulators of different measures (${from.measures.map((m) => m.key).join(', ')} into ${this.measures
          .map((m) => m.key)
          .join(', ')})`,
      );
    }
    this.#native.merge(from.#native);
    return this;
  }

  /** The measures' values: `{ [key]: value }`. Throws the first failure, or returns failures with `errors: 'return'`. */
  result(): Record<string, number>;
  result(options: { errors: 'return' }): Record<string, number | NnsimError>;
  result(options?: { errors?: 'throw' | 'return' }): Record<string, number> | Record<string, number | NnsimError>;
  result(options: { errors?: 'throw' | 'return' } = {}): Record<string, number> | Record<string, number | NnsimError> {
    const raw = this.#native.result();
    const out: Record<string, number | NnsimError> = {};
    this.measures.forEach((m, i) => {
      const value = outcome(raw[i]!, m.key, m.id);
      if (typeof value !== 'number' && (options.errors ?? 'throw') === 'throw') throw value;
      out[m.key] = value;
    });
    return out;
  }

  /** @internal Installs a state read by accumulatorFromBuffer (validated by the core, all or nothing). */
  restore(tensors: Record<string, NativeStateTensor>): void {
    this.#native.restore(tensors);
  }

  /**
   * The state as a self-describing .safetensors file: float64 tensors of the statistics, and metadata
   * naming the format, its version, the measures with their options, the column counts and the
   * precision. accumulatorFromBuffer() reads it back exactly. `metadata` adds the caller's own string
   * entries (stateMetadata() reads them back; the keys the format uses are refused).
   */
  toBuffer(metadata: Readonly<Record<string, string>> = {}): Uint8Array {
    for (const [key, value] of Object.entries(metadata)) {
      if (RESERVED_METADATA.includes(key) || typeof value !== 'string') {
        throw new NnsimError('E_OPTION', `toBuffer metadata: '${key}' must be a string under a key other than ${RESERVED_METADATA.join(', ')}`);
      }
    }
    const state = this.#native.state();
    const tensors = Object.fromEntries(
      Object.entries(state).map(([name, t]) => [name, { dtype: 'F64' as const, shape: t.shape, data: t.data }]),
    );
    return encodeSafetensors(tensors, {
      ...metadata,
      format: STATE_FORMAT,
      version: STATE_VERSION,
      nnsim: packageVersion(),
      measures: JSON.stringify(this.measures),
      colsA: String(this.colsA),
      colsB: String(this.colsB),
      precision: this.precision,
      rows: String(this.rows),
    });
  }
}

/** Metadata keys of the state format itself. */
const RESERVED_METADATA: readonly string[] = ['format', 'version', 'nnsim', 'measures', 'colsA', 'colsB', 'precision', 'rows'];

/**
 * The metadata of a state written by toBuffer() — the format's own entries and the caller's — without
 * reading its statistics; E_STATE when the buffer is not an nnsim accumulator state. `buffer` may be just
 * the beginning of a state file of `totalBytes` bytes, as long as it holds the header (the 8-byte size
 * and the JSON it announces).
 */
export function stateMetadata(buffer: Uint8Array, totalBytes = buffer.length): Record<string, string> {
  let metadata: Record<string, string>;
  try {
    metadata = safetensorsLayout(buffer, 'state', totalBytes).metadata ?? {};
  } catch (error) {
    throw stateError(error instanceof Error ? error.message : String(error), error);
  }
  if (metadata.format !== STATE_FORMAT) throw stateError(`it is not an nnsim accumulator state (format ${JSON.stringify(metadata.format ?? null)})`);
  return { ...metadata };
}

/** Creates an accumulator for `measures` (ids or `{ id, options, key }` specs) of inputs with colsA and colsB columns. */
export function createAccumulator(measures: readonly MeasureSpec[], options: AccumulatorOptions): Accumulator {
  if (options === null || typeof options !== 'object') {
    throw invalidParameter('E_TYPE', 'createAccumulator options', 'an object { colsA, colsB, options?, precision? }', options);
  }
  const colsA = checkCols(options.colsA, 'colsA');
  const colsB = checkCols(options.colsB, 'colsB');
  return new Accumulator(planMeasures(measures, options.options), colsA, colsB, precisionOf(options));
}

function stateError(message: string, cause?: unknown): NnsimError {
  return new NnsimError('E_STATE', `not a usable accumulator state: ${message}`, { cause });
}

/** What a state must match to be accepted (each part optional). */
export interface ExpectedState {
  measures?: readonly MeasureSpec[];
  options?: Readonly<Record<string, object>>;
  colsA?: number;
  colsB?: number;
  precision?: Precision;
}

/**
 * Reads a state written by toBuffer(). Refuses (E_STATE), without changing anything, a buffer that is
 * truncated or corrupt, of another format or version, or — when `expected` is given — of other
 * measures, options, column counts or precision.
 */
export function accumulatorFromBuffer(buffer: Uint8Array, expected?: ExpectedState): Accumulator {
  if (!(buffer instanceof Uint8Array)) throw invalidParameter('E_TYPE', 'buffer', 'a Uint8Array (a state written by toBuffer())', buffer);
  let layout;
  try {
    layout = safetensorsLayout(buffer, 'state');
  } catch (error) {
    throw stateError(error instanceof Error ? error.message : String(error), error);
  }
  const meta = layout.metadata ?? {};
  if (meta.format !== STATE_FORMAT) throw stateError(`it is not an nnsim accumulator state (format ${JSON.stringify(meta.format ?? null)})`);
  if (meta.version !== STATE_VERSION) {
    throw stateError(`it was written in state format version ${meta.version} (nnsim ${meta.nnsim ?? 'unknown'}); this nnsim reads version ${STATE_VERSION}`);
  }
  let measures: AccumulatedMeasure[];
  try {
    measures = JSON.parse(meta.measures ?? '') as AccumulatedMeasure[];
    if (!Array.isArray(measures)) throw new Error('not an array');
  } catch (error) {
    throw stateError('its list of measures is not valid JSON', error);
  }
  const precision = meta.precision as Precision;
  let accumulator: Accumulator;
  try {
    accumulator = createAccumulator(
      measures.map((m) => ({ id: m.id, key: m.key, options: m.options })),
      { colsA: Number(meta.colsA), colsB: Number(meta.colsB), precision },
    );
  } catch (error) {
    throw stateError(error instanceof Error ? error.message : String(error), error);
  }
  if (expected !== undefined) checkExpected(accumulator, expected);
  const tensors: Record<string, NativeStateTensor> = {};
  for (const t of layout.tensors) {
    if (t.dtype !== 'float64') throw stateError(`tensor '${t.name}' is ${t.dtype}, not float64`);
    // Copied out of the buffer: its tensors need not be 8-byte aligned. (Uint8Array.prototype.slice
    // explicitly: a Node Buffer's own slice() is a view into the whole file's bytes, not a copy.)
    const bytes = Uint8Array.prototype.slice.call(buffer, t.begin, t.end);
    tensors[t.name] = { shape: [...t.shape], data: new Float64Array(bytes.buffer, 0, (t.end - t.begin) / 8) };
  }
  try {
    accumulator.restore(tensors);
  } catch (error) {
    throw error instanceof NnsimError && error.code === 'E_STATE' ? stateError(error.message, error) : error;
  }
  return accumulator;
}

function checkExpected(accumulator: Accumulator, expected: ExpectedState): void {
  const mismatch = (what: string, found: unknown, wanted: unknown): never => {
    throw new NnsimError('E_STATE', `the state holds ${what} ${JSON.stringify(found)} but ${JSON.stringify(wanted)} was expected`);
  };
  if (expected.colsA !== undefined && expected.colsA !== accumulator.colsA) mismatch('colsA', accumulator.colsA, expected.colsA);
  if (expected.colsB !== undefined && expected.colsB !== accumulator.colsB) mismatch('colsB', accumulator.colsB, expected.colsB);
  if (expected.precision !== undefined && expected.precision !== accumulator.precision) {
    mismatch('precision', accumulator.precision, expected.precision);
  }
  if (expected.measures !== undefined) {
    const wanted = planMeasures(expected.measures, expected.options);
    const canonical = (ms: readonly AccumulatedMeasure[]): string =>
      JSON.stringify(ms.map((m) => [m.key, m.id, Object.entries(m.options).sort(([x], [y]) => (x < y ? -1 : 1))]));
    if (canonical(wanted) !== canonical(accumulator.measures)) mismatch('measures', accumulator.measures, wanted);
  }
}

