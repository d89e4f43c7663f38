/**
 * Many models at once: every measure on every pair of K representations, as K × K matrices.
 *
 * Each representation is prepared once and its derived quantities (centred data, covariance, SVD,
 * k-NN lists …) are shared by its K pairs; symmetric measures run once per unordered pair and are
 * mirrored, asymmetric ones run in both orders. A representation is released (its caches freed) as
 * soon as no pending pair needs it.
 *
 * Order of the pairs. Every representation meets every other, so when the first one is finished all K
 * have been used: no order keeps fewer than K prepared at its peak. The pairs run row by row — row r
 * holds every pair of the r-th representation with itself and the ones after it — so one
 * representation is finished, and released, per row and memory falls steadily; rows go from the largest
 * representation (N·D values) to the smallest, so the largest caches are held the shortest.
 *
 * Determinism. A measure may take a different (equally exact, not bit-identical) path depending on what
 * a representation has cached already, e.g. a cross product from centred data once it exists. So that a
 * cell's value does not depend on which pairs ran before it — a sharded run must reproduce the
 * unsharded one bit for bit — every representation is first compared with itself (its diagonal cell)
 * before it meets any other: each pair then starts from the same cached state in every run and every
 * shard. The values also depend on the thread count (the order of partial sums), which is the same in
 * every run unless it is changed.
 *
 * Inference (permutations, bootstrap). Every off-diagonal cell gets the measure's permutation p-value
 * and/or bootstrap interval, computed with the cell's own seed (cellSeed: from the run's seed and the
 * names of its row and column, nothing else), so a cell's numbers are the same in any run or shard that
 * names its representations the same. A symmetric measure is tested once per unordered pair (mirrored).
 * The q-values are Benjamini–Hochberg over each measure's tested cells of this call (matrixQValues).
 */
import {
  type MeasureSpec,
  type ManyOutcomes,
  PreparedRepresentation,
  type RepresentationInput,
  compareMany,
  compareManyAsync,
} from './compare.js';
import { NnsimError, describeValue } from './errors.js';
import { effectiveProperties, getMeasure } from './registry.js';
import { cancelled, getConfig } from './runtime.js';
import { resolveOptions } from './options.js';
import {
  FALSE_DISCOVERY_FAMILY,
  type InferenceOutcome,
  type InferenceSettings,
  type ManyInferenceOptions,
  cellSeed,
  inferenceRefusal,
  inferenceSettings,
  matrixQValues,
  measureInference,
  measureInferenceAsync,
  skippedParts,
} from './inference/matrix.js';

/** K representations: an array (named '0', '1', …) or a record name → representation. */
export type MatrixInputs = readonly RepresentationInput[] | Readonly<Record<string, RepresentationInput>>;

/** One measure of a matrix run, with what the report needs to know about it. */
export interface MatrixMeasure {
  readonly key: string;
  readonly id: string;
  readonly name: string;
  readonly kind: 'similarity' | 'distance';
  /** The declared range under the options used. */
  readonly range: readonly [number, number];
  readonly symmetric: boolean;
  /** A metric under the options used (then a classical-MDS map of the K representations is meaningful). */
  readonly metric: boolean;
  readonly options: Readonly<Record<string, unknown>>;
}

/** A cell that was not computed, and why. */
export interface MatrixCellError {
  readonly measure: string;
  readonly row: number;
  readonly col: number;
  readonly error: NnsimError;
}

export interface MatrixResult {
  /** Names of the K rows (and columns). */
  readonly names: readonly string[];
  readonly size: number;
  readonly measures: readonly MatrixMeasure[];
  /**
   * values[key][i · K + j] = measure(representation i, representation j), row-major K × K. NaN where the
   * cell failed (see errors) or was not asked for (`pairs`).
   */
  readonly values: Readonly<Record<string, Float64Array>>;
  /** Failed cells, by measure (in measure order), row and column. Empty with errors: 'throw'. */
  readonly errors: readonly MatrixCellError[];
  /**
   * Further results per cell, by measure key and name, each K × K like `values` (NaN where not
   * computed; the diagonal is not tested): with `permutations`, `pValue` and `qValue` (Benjamini–
   * Hochberg over the measure's tested cells, see matrixQValues); with `bootstrap`, `lower`, `upper`
   * and `standardError`. Absent without inference options.
   */
  readonly extras?: Readonly<Record<string, Readonly<Record<string, Float64Array>>>>;
  /** With `permutations` or `bootstrap`: the settings, what was not tested and why, failed cells. */
  readonly inference?: MatrixInference;
}

/** What the inference of a matrix run did. */
export interface MatrixInference extends InferenceSettings {
  /** Over which cells the q-values are computed. */
  readonly family: string;
  /** m per measure key: the number of p-values of its Benjamini–Hochberg family (0 without permutations). */
  readonly tests: Readonly<Record<string, number>>;
  /**
   * Parts not run for a whole measure, and why (E_OPTION): 'permutation' for measures whose value does
   * not depend on the pairing, both for measures with an N × N matrix option (with errors: 'return';
   * errors: 'throw' throws instead).
   */
  readonly skipped: readonly { readonly measure: string; readonly part: 'permutation' | 'bootstrap'; readonly error: NnsimError }[];
  /** Cells whose value was computed but whose permutation test or bootstrap failed. */
  readonly errors: readonly MatrixCellError[];
}

export interface MatrixOptions extends ManyInferenceOptions {
  /** 'throw' (default): the first failing cell throws. 'return': failures are listed in `errors`. */
  errors?: 'throw' | 'return';
  /**
   * Compute only these cells: unordered pairs [i, j] (both orders of an asymmetric measure; [i, i] is the
   * diagonal). Default: every pair. Cells outside are NaN. Used to run one shard of a large matrix.
   */
  pairs?: readonly (readonly [number, number])[];
  /** Called when representation `index` is no longer needed by any pending pair and was released. */
  onRelease?: (index: number, name: string) => void;
  /** Called after each pair (on the calling thread; compareMatrix itself runs synchronously). */
  onProgress?: (progress: MatrixProgress) => void;
}

/** Progress of compareMatrix: pairs (unordered, diagonal included) done of the requested total. */
export interface MatrixProgress {
  readonly done: number;
  readonly total: number;
  readonly fraction: number;
  /** The pair that just finished. */
  readonly row: string;
  readonly col: string;
}

export interface MatrixRunOptions extends MatrixOptions {
  /** Cancels the run: pending pairs are dropped, running ones stopped; the promise rejects with E_CANCELLED. */
  signal?: AbortSignal;
}

/** One unit of work: the cell pair {i, j} (i === j: a representation with itself). */
export interface MatrixTask {
  readonly i: number;
  readonly j: number;
  /** False for a diagonal computed only to prepare the representation (not among the requested pairs). */
  readonly report: boolean;
}

interface NormalizedSpec {
  readonly id: string;
  readonly options: object | undefined;
  readonly key: string;
}

function normalizeSpecs(specs: readonly MeasureSpec[]): NormalizedSpec[] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new NnsimError('E_TYPE', `Expected a non-empty array of measure ids or specs for compareMatrix but received ${describeValue(specs)}`);
  }
  return specs.map((spec) => {
    const { id, options, key } = typeof spec === 'string' ? { id: spec, options: undefined, key: undefined } : (spec ?? ({} as never));
    return { id: id as string, options: options as object | undefined, key: key ?? (id as string) };
  });
}

/** The measures of a run with their properties under the options used; validates ids, options and N. */
export function describeMeasures(specs: readonly NormalizedSpec[], rows: number): MatrixMeasure[] {
  return specs.map((s) => {
    const info = getMeasure(s.id);
    if (info.arity !== 'pair') {
      throw new NnsimError('E_TYPE', `measure '${info.id}' compares a group of models; use compareGroup`, { measure: info.id });
    }
    const resolved = resolveOptions(info.id, info.options, s.options, rows);
    if (rows < info.minRows) {
      throw new NnsimError('E_TOO_FEW_ROWS', `measure '${info.id}' needs at least ${info.minRows} rows (inputs); got ${rows}`, { measure: info.id });
    }
    const properties = effectiveProperties(info, resolved.values);
    return {
      key: s.key,
      id: info.id,
      name: info.name,
      kind: info.kind,
      range: properties.range,
      symmetric: info.symmetric,
      metric: properties.metric,
      options: { ...(s.options ?? {}) },
    };
  });
}

function namedInputs(representations: MatrixInputs): { names: string[]; inputs: RepresentationInput[] } {
  if (Array.isArray(representations)) {
    return { names: representations.map((_, i) => String(i)), inputs: [...(representations as readonly RepresentationInput[])] };
  }
  if (representations === null || typeof representations !== 'object' || ArrayBuffer.isView(representations)) {
    throw new NnsimError(
      'E_TYPE',
      `Expected an array or a record of representations for compareMatrix but received ${describeValue(representations)}`,
    );
  }
  const names = Object.keys(representations);
  return { names, inputs: names.map((n) => (representations as Record<string, RepresentationInput>)[n]!) };
}

/** The requested unordered pairs, checked and deduplicated (i ≤ j); every pair when `pairs` is undefined. */
function requestedPairs(size: number, pairs: MatrixOptions['pairs']): [number, number][] {
  if (pairs === undefined) {
    const all: [number, number][] = [];
    for (let i = 0; i < size; i++) for (let j = i; j < size; j++) all.push([i, j]);
    return all;
  }
  if (!Array.isArray(pairs)) throw new NnsimError('E_OPTION', `Expected an array of [i, j] pairs for pairs but received ${describeValue(pairs)}`);
  const seen = new Set<number>();
  const out: [number, number][] = [];
  for (const pair of pairs) {
    const [a, b] = Array.isArray(pair) ? pair : [];
    const valid = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < size;
    if (!Array.isArray(pair) || pair.length !== 2 || !valid(a) || !valid(b)) {
      throw new NnsimError('E_OPTION', `Expected pairs of indices in [0, ${size - 1}] for pairs but received ${JSON.stringify(pair)}`);
    }
    const i = Math.min(a, b);
    const j = Math.max(a, b);
    if (seen.has(i * size + j)) continue;
    seen.add(i * size + j);
    out.push([i, j]);
  }
  return out;
}

/**
 * The order of the work (see the module comment): rows from the largest representation to the smallest,
 * and each representation's diagonal before its first pair with another one. `sizes` are the number of
 * values of each representation (N · D).
 */
export function matrixTasks(sizes: readonly number[], pairs?: MatrixOptions['pairs']): MatrixTask[] {
  const size = sizes.length;
  const rank = sizes.map((_, i) => i).sort((x, y) => sizes[y]! - sizes[x]! || x - y);
  const position = new Array<number>(size);
  rank.forEach((r, p) => (position[r] = p));
  const requested = requestedPairs(size, pairs);
  const wanted = new Set(requested.map(([i, j]) => i * size + j));
  // Row = the representation that comes first in the rank order; within a row, by the other's rank.
  const ordered = requested
    .map(([i, j]) => (position[i]! <= position[j]! ? [i, j] : [j, i]) as [number, number])
    .sort((x, y) => position[x[0]]! - position[y[0]]! || position[x[1]]! - position[y[1]]!);
  const warmed = new Set<number>();
  const tasks: MatrixTask[] = [];
  const warm = (r: number): void => {
    if (warmed.has(r)) return;
    warmed.add(r);
    tasks.push({ i: r, j: r, report: wanted.has(r * size + r) });
  };
  for (const [a, b] of ordered) {
    warm(a);
    warm(b);
    if (a !== b) tasks.push({ i: Math.min(a, b), j: Math.max(a, b), report: true });
  }
  return tasks;
}

/** One cell's inference: the measure, the ordered cell and its seed. */
interface InferenceCell {
  readonly spec: NormalizedSpec;
  readonly symmetric: boolean;
  readonly row: number;
  readonly col: number;
  readonly seed: number;
}

/** Shared state of one run: the prepared representations, the pending work per representation, the result. */
class MatrixRun {
  readonly names: string[];
  readonly size: number;
  readonly measures: MatrixMeasure[];
  readonly specs: NormalizedSpec[];
  readonly asymmetric: NormalizedSpec[];
  readonly tasks: MatrixTask[];
  readonly values: Record<string, Float64Array> = {};
  readonly errors: MatrixCellError[] = [];
  /** Inference settings (undefined without permutations/bootstrap), per-cell results, what was left out. */
  readonly inference: InferenceSettings | undefined;
  private readonly extras: Record<string, Record<string, Float64Array>> = {};
  private readonly refused = new Set<string>();
  private readonly skipped: MatrixInference['skipped'][number][] = [];
  private readonly inferenceErrors: MatrixCellError[] = [];
  private readonly prepared: (PreparedRepresentation | undefined)[];
  private readonly own: boolean[];
  private readonly pending: number[];
  /** Requested pairs (the diagonals computed only to prepare a representation do not count). */
  private readonly total: number;
  private done = 0;

  constructor(
    specs: readonly MeasureSpec[],
    representations: MatrixInputs,
    private readonly options: MatrixOptions,
  ) {
    const { names, inputs } = namedInputs(representations);
    if (inputs.length === 0) throw new NnsimError('E_SHAPE', 'compareMatrix needs at least one representation; got none');
    this.names = names;
    this.size = inputs.length;
    this.specs = normalizeSpecs(specs);
    const keys = new Set<string>();
    for (const s of this.specs) {
      if (keys.has(s.key)) throw new NnsimError('E_OPTION', `measure key '${s.key}' appears twice; give repeated measures distinct keys`);
      keys.add(s.key);
    }
    if (options.errors !== undefined && options.errors !== 'throw' && options.errors !== 'return') {
      throw new NnsimError('E_OPTION', `Expected 'throw' or 'return' for errors but received ${describeValue(options.errors)}`);
    }
    for (const hook of ['onRelease', 'onProgress'] as const) {
      if (options[hook] !== undefined && typeof options[hook] !== 'function') {
        throw new NnsimError('E_OPTION', `Expected a function for ${hook} but received ${describeValue(options[hook])}`);
      }
    }
    this.inference = inferenceSettings('compareMatrix', options);
    this.own = inputs.map((x) => !(x instanceof PreparedRepresentation));
    this.prepared = [];
    try {
      inputs.forEach((x, k) => this.prepared.push(x instanceof PreparedRepresentation ? x : new PreparedRepresentation(x, names[k])));
    } catch (error) {
      this.releaseAll();
      throw error;
    }
    const rows = this.prepared[0]!.rows;
    this.prepared.forEach((p, k) => {
      if (p!.rows !== rows) {
        this.releaseAll();
        throw new NnsimError(
          'E_SHAPE',
          `representations '${names[0]}' and '${names[k]}' have ${rows} and ${p!.rows} rows; rows are inputs, so all must hold the same inputs in the same order`,
        );
      }
    });
    try {
      this.measures = describeMeasures(this.specs, rows);
      this.tasks = matrixTasks(this.prepared.map((p) => p!.rows * p!.cols), options.pairs);
      if (this.inference) this.planInference(this.inference);
    } catch (error) {
      this.releaseAll();
      throw error;
    }
    this.asymmetric = this.specs.filter((_, k) => !this.measures[k]!.symmetric);
    for (const m of this.measures) this.values[m.key] = new Float64Array(this.size * this.size).fill(NaN);
    this.total = this.tasks.filter((t) => t.report).length;
    this.pending = new Array<number>(this.size).fill(0);
    for (const t of this.tasks) {
      this.pending[t.i]!++;
      if (t.j !== t.i) this.pending[t.j]!++;
    }
  }

  /**
   * Which measures get which inference: a measure with an N × N matrix option gets none (E_OPTION thrown
   * with errors: 'throw', else listed as skipped), an unpaired one no permutation test (listed).
   */
  private planInference(settings: InferenceSettings): void {
    this.specs.forEach((spec) => {
      const refusal = inferenceRefusal(spec);
      if (refusal && this.errorMode === 'throw') throw refusal;
      for (const { part, error } of skippedParts(spec, settings)) this.skipped.push({ measure: spec.key, part, error });
      if (refusal) {
        this.refused.add(spec.key);
        return;
      }
      const grids: Record<string, Float64Array> = {};
      const names = [...(settings.permutations !== undefined ? ['pValue', 'qValue'] : []), ...(settings.bootstrap ? ['lower', 'upper', 'standardError'] : [])];
      for (const name of names) grids[name] = new Float64Array(this.size * this.size).fill(NaN);
      this.extras[spec.key] = grids;
    });
  }

  /** The cells of a task that get inference: requested, off the diagonal, with a value; each with its seed. */
  inferenceCells(task: MatrixTask): InferenceCell[] {
    const settings = this.inference;
    if (!settings || !task.report || task.i === task.j) return [];
    const cells: InferenceCell[] = [];
    this.measures.forEach((m, k) => {
      if (this.refused.has(m.key)) return;
      const orders: [number, number][] = m.symmetric ? [[task.i, task.j]] : [[task.i, task.j], [task.j, task.i]];
      for (const [row, col] of orders) {
        if (Number.isNaN(this.values[m.key]![row * this.size + col])) continue;
        cells.push({ spec: this.specs[k]!, symmetric: m.symmetric, row, col, seed: cellSeed(settings.seed, this.names[row]!, this.names[col]!) });
      }
    });
    return cells;
  }

  /** Stores a cell's inference (mirrored for a symmetric measure); returns its failure. */
  recordInference(cell: InferenceCell, outcome: InferenceOutcome): NnsimError | undefined {
    const grids = this.extras[cell.spec.key]!;
    const cells = cell.symmetric ? [cell.row * this.size + cell.col, cell.col * this.size + cell.row] : [cell.row * this.size + cell.col];
    const put = (name: string, value: number | undefined): void => {
      if (value !== undefined) for (const c of cells) grids[name]![c] = value;
    };
    put('pValue', outcome.permutation?.pValue);
    put('lower', outcome.bootstrap?.lower);
    put('upper', outcome.bootstrap?.upper);
    put('standardError', outcome.bootstrap?.standardError);
    if (!outcome.error) return undefined;
    for (const c of cells) this.inferenceErrors.push({ measure: cell.spec.key, row: Math.floor(c / this.size), col: c % this.size, error: outcome.error });
    return outcome.error;
  }

  get errorMode(): 'throw' | 'return' {
    return this.options.errors ?? 'throw';
  }

  representation(index: number): PreparedRepresentation {
    const p = this.prepared[index];
    if (!p) throw new NnsimError('E_INTERNAL', `representation ${index} was released while a pair still needed it`);
    return p;
  }

  /** Specs of the pair's forward call (all measures) and backward call (asymmetric ones, i ≠ j). */
  callSpecs(): MeasureSpec[] {
    return this.specs.map((s) => ({ id: s.id, options: s.options, key: s.key }));
  }

  backwardSpecs(): MeasureSpec[] {
    return this.asymmetric.map((s) => ({ id: s.id, options: s.options, key: s.key }));
  }

  /** Stores a task's outcomes; returns the first failure (for errors: 'throw'). */
  record(task: MatrixTask, forward: ManyOutcomes, backward: ManyOutcomes | undefined): NnsimError | undefined {
    if (!task.report) return undefined;
    let first: NnsimError | undefined;
    const put = (key: string, row: number, col: number, outcome: number | NnsimError | undefined): void => {
      if (typeof outcome === 'number') {
        this.values[key]![row * this.size + col] = outcome;
        return;
      }
      const error = outcome instanceof NnsimError ? outcome : new NnsimError('E_INTERNAL', `no outcome for ${key}`);
      first ??= error;
      this.errors.push({ measure: key, row, col, error });
    };
    const { i, j } = task;
    this.measures.forEach((m) => {
      put(m.key, i, j, forward[m.key]);
      if (i === j) return;
      put(m.key, j, i, m.symmetric ? forward[m.key] : backward?.[m.key]);
    });
    return first;
  }

  /** A task finished: release the representations no pending task needs, and report progress. */
  finish(task: MatrixTask): void {
    for (const r of task.i === task.j ? [task.i] : [task.i, task.j]) {
      if (--this.pending[r]! === 0) this.release(r);
    }
    if (!task.report) return;
    this.done++;
    this.options.onProgress?.({
      done: this.done,
      total: this.total,
      fraction: this.total > 0 ? this.done / this.total : 1,
      row: this.names[task.i]!,
      col: this.names[task.j]!,
    });
  }

  private release(index: number): void {
    const p = this.prepared[index];
    if (!p) return;
    if (this.own[index]) p.release();
    // Drop the reference so the data can be collected when the caller holds none.
    this.prepared[index] = undefined;
    this.options.onRelease?.(index, this.names[index]!);
  }

  /** Releases what is still held (after a failure or cancellation, or representations no task used). */
  releaseAll(): void {
    for (let k = 0; k < this.prepared.length; k++) this.release(k);
  }

  result(): MatrixResult {
    const order = new Map(this.measures.map((m, k) => [m.key, k]));
    const errors = [...this.errors].sort(
      (x, y) => order.get(x.measure)! - order.get(y.measure)! || x.row - y.row || x.col - y.col,
    );
    const result = { names: this.names, size: this.size, measures: this.measures, values: this.values, errors };
    if (!this.inference) return result;
    const tests: Record<string, number> = {};
    for (const m of this.measures) {
      const grids = this.extras[m.key];
      tests[m.key] = 0;
      if (!grids?.pValue) continue;
      const q = matrixQValues(grids.pValue, this.size, m.symmetric);
      grids.qValue = q.qValues;
      tests[m.key] = q.tests;
    }
    const inferenceErrors = [...this.inferenceErrors].sort(
      (x, y) => order.get(x.measure)! - order.get(y.measure)! || x.row - y.row || x.col - y.col,
    );
    return {
      ...result,
      extras: this.extras,
      inference: { ...this.inference, family: FALSE_DISCOVERY_FAMILY, tests, skipped: this.skipped, errors: inferenceErrors },
    };
  }
}

/**
 * Every measure on every pair of K representations (N × D each, the same N inputs in the same order):
 * per measure a K × K matrix. Representations may be matrices or prepared representations (these are
 * not released: the caller owns them). Synchronous; compareMatrix.async runs the pairs on the worker
 * pool.
 */
export function compareMatrix(specs: readonly MeasureSpec[], representations: MatrixInputs, options: MatrixOptions = {}): MatrixResult {
  const run = new MatrixRun(specs, representations, options);
  try {
    const forwardSpecs = run.callSpecs();
    const backwardSpecs = run.backwardSpecs();
    for (const task of run.tasks) {
      const a = run.representation(task.i);
      const b = run.representation(task.j);
      const forward = compareMany(forwardSpecs, a, b, { errors: 'return' });
      const backward = task.i !== task.j && backwardSpecs.length > 0 ? compareMany(backwardSpecs, b, a, { errors: 'return' }) : undefined;
      const failure = run.record(task, forward, backward);
      if (failure && run.errorMode === 'throw') throw failure;
      for (const cell of run.inferenceCells(task)) {
        const outcome = measureInference(cell.spec, run.representation(cell.row), run.representation(cell.col), run.inference!, cell.seed);
        const error = run.recordInference(cell, outcome);
        if (error && run.errorMode === 'throw') throw error;
      }
      run.finish(task);
    }
    return run.result();
  } finally {
    run.releaseAll();
  }
}

/**
 * compareMatrix() with the pairs on the worker pool: up to `configure({ concurrency })` pairs run at
 * once (each with its share of the BLAS threads), with progress and cancellation. A pair starts only
 * after the diagonals of its two representations (see the module comment on determinism).
 */
export async function compareMatrixAsync(
  specs: readonly MeasureSpec[],
  representations: MatrixInputs,
  options: MatrixRunOptions = {},
): Promise<MatrixResult> {
  if (options.signal?.aborted) throw cancelled();
  const run = new MatrixRun(specs, representations, options);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const running = new Set<Promise<void>>();
  let failure: unknown;
  try {
    const forwardSpecs = run.callSpecs();
    const backwardSpecs = run.backwardSpecs();
    const concurrency = Math.max(1, getConfig().concurrency);
    const warmed = new Set<number>();
    const started = new Array<boolean>(run.tasks.length).fill(false);
    const execute = async (task: MatrixTask): Promise<void> => {
      const a = run.representation(task.i);
      const b = run.representation(task.j);
      const call = { errors: 'return' as const, signal: stop.signal };
      const forward = (await compareManyAsync(forwardSpecs, a, b, call)) as ManyOutcomes;
      const backward =
        task.i !== task.j && backwardSpecs.length > 0 ? ((await compareManyAsync(backwardSpecs, b, a, call)) as ManyOutcomes) : undefined;
      const error = run.record(task, forward, backward);
      if (error && run.errorMode === 'throw') throw error;
      for (const cell of run.inferenceCells(task)) {
        const outcome = await measureInferenceAsync(cell.spec, run.representation(cell.row), run.representation(cell.col), run.inference!, cell.seed, {
          signal: stop.signal,
        });
        const failure = run.recordInference(cell, outcome);
        if (failure && run.errorMode === 'throw') throw failure;
      }
      if (task.i === task.j) warmed.add(task.i);
      run.finish(task);
    };
    const ready = (t: MatrixTask): boolean => t.i === t.j || (warmed.has(t.i) && warmed.has(t.j));
    // Tasks start in order while slots are free (a pair waits for its representations' diagonals),
    // looking only a few tasks past the first unstarted one: the order is what keeps memory low.
    let next = 0;
    while (failure === undefined && !stop.signal.aborted) {
      while (next < run.tasks.length && started[next]) next++;
      if (next === run.tasks.length && running.size === 0) break;
      for (let k = next; k < Math.min(run.tasks.length, next + 4 * concurrency) && running.size < concurrency; k++) {
        if (started[k] || !ready(run.tasks[k]!)) continue;
        started[k] = true;
        const promise: Promise<void> = execute(run.tasks[k]!).then(
          () => void running.delete(promise),
          (error: unknown) => {
            running.delete(promise);
            failure ??= error;
            stop.abort();
          },
        );
        running.add(promise);
      }
      if (running.size === 0) throw new NnsimError('E_INTERNAL', 'compareMatrix.async: no pair can start');
      await Promise.race(running);
    }
    await Promise.allSettled([...running]);
    if (failure !== undefined) throw failure;
    if (options.signal?.aborted) throw cancelled();
    return run.result();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled([...running]);
    run.releaseAll();
  }
}
