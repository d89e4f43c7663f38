/**
 * Model stitching: map model A's representation at layer l onto model B's at layer l′ with an affine
 * layer fitted in closed form, run the rest of B on the result (a caller-supplied function: nnsim has
 * no models) and score the stitched predictions against B's own.
 */
import { NnsimError } from '../errors.js';
import { type Matrix, type MatrixInput, toMatrix } from '../matrix.js';
import { type MeasureDefinition, defineMeasure } from '../measure-types.js';
import { type Labels, type ResolvedOptions, enumOption, functionOption, numberOption, resolveOptions } from '../options.js';
import { type NativeAffineFit, nativeAddon } from '../native.js';
import {
  type SyncRunOptions,
  cancelled,
  onStop,
  remainingTime,
  resolveTimeout,
  restateTimeout,
  schedule,
  stopReason,
  withTimeout,
} from '../runtime.js';
import { accuracyOf, classCount, disagreementOf, groundTruth, labelsFor, predictions, toModelOutputs } from './inputs.js';

/** Runs the rest of model B (after layer l′) on N × D′ representations: N × C outputs or N labels. */
export type StitchForward = (
  representation: Matrix,
) => MatrixInput | Labels | Promise<MatrixInput | Labels>;

/** x ↦ xW + b with W (D × D′, row-major) and b (D′). */
export interface AffineMap {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

const ID = 'stitching';

// The core validates ridge against its spec (locked to the `ridge` option below by test/20.registry).
function checkFitArguments(a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows) {
    throw new NnsimError('E_SHAPE', `${ID}: a and b must have the same number of rows (the same inputs): got ${a.rows} and ${b.rows}`);
  }
}

/** The fitted map and the stitched representation A W + 1bᵀ (N × D′). */
interface Fitted {
  readonly map: AffineMap;
  readonly stitched: Matrix;
}

function fitted(fit: NativeAffineFit, a: Matrix, b: Matrix, x: Matrix): Fitted {
  return {
    map: { weights: fit.weights, bias: fit.bias, rows: a.cols, cols: b.cols },
    stitched: { data: fit.stitched, rows: x.rows, cols: b.cols },
  };
}

// Householder QR on LAPACK in the native core (native/core/regression.cpp): N·D² work that pays; the
// stitched representation X W + b (X = A, or held-out rows of A) is one dgemm there too. Within the
// current time budget (runtime.ts).
function fitAndStitch(a: Matrix, b: Matrix, ridge: number, x: Matrix = a): Fitted {
  checkFitArguments(a, b);
  try {
    const fit = nativeAddon().fitAffineMap(a.data, a.rows, a.cols, b.data, b.rows, b.cols, { ridge }, remainingTime(), x.data, x.rows, x.cols);
    return fitted(fit, a, b, x);
  } catch (error) {
    throw error instanceof NnsimError ? restateTimeout(error) : error;
  }
}

/** The same on a worker thread (copies of a, b and x); stops when `stop` aborts. */
async function fitAndStitchAsync(a: Matrix, b: Matrix, ridge: number, stop: AbortSignal, x: Matrix = a): Promise<Fitted> {
  checkFitArguments(a, b);
  const addon = nativeAddon();
  const control = new addon.NativeControl();
  const removeStop = onStop(stop, () => control.cancel());
  try {
    const fit = await addon.fitAffineMapAsync(a.data, a.rows, a.cols, b.data, b.rows, b.cols, { ridge }, control, x.data, x.rows, x.cols);
    return fitted(fit, a, b, x);
  } catch (error) {
    throw stop.aborted ? stopReason(stop) : error;
  } finally {
    removeStop();
  }
}

/**
 * Least-squares affine map from A (N × D) to B (N × D′): min ‖(A − 1μ_Aᵀ)W − (B − 1μ_Bᵀ)‖²_F + λ‖W‖²_F,
 * b = μ_B − Wᵀμ_A (the bias is not penalised). Solved natively by Householder QR of [A_c; √λ I] (no
 * normal equations, so the conditioning is that of A, not its square). E_DEGENERATE when λ = 0 and the
 * centred A has rank < D; E_TIMEOUT past `run.timeout`.
 */
export function fitAffineMap(
  aInput: MatrixInput | Matrix,
  bInput: MatrixInput | Matrix,
  ridge = 0,
  run: SyncRunOptions = {},
): AffineMap {
  const timeout = resolveTimeout(run?.timeout);
  return withTimeout(timeout, () => fitAndStitch(toMatrix(aInput, 'a'), toMatrix(bInput, 'b'), ridge)).map;
}

/** Everything a stitching experiment measures. */
export interface StitchResult {
  /** The fitted stitching layer x ↦ xW + b. */
  readonly map: AffineMap;
  /** Share of inputs on which the stitched model predicts B's own label (1 − disagreement with B). */
  readonly agreement: number;
  /** With labels: accuracy of the stitched model, of B, and their ratio (undefined when B's is 0). */
  readonly accuracy?: number;
  readonly accuracyB?: number;
  readonly relativeAccuracy?: number;
}

function evaluate(map: AffineMap, stitchedRaw: unknown, ownRaw: unknown, rows: number, labels: Int32Array | undefined): StitchResult {
  const stitched = toModelOutputs(stitchedRaw, 'forward(stitched)');
  const own = toModelOutputs(ownRaw, 'forward(b)');
  if (stitched.rows !== rows || own.rows !== rows) {
    throw new NnsimError('E_SHAPE', `${ID}: forward returned ${stitched.rows} and ${own.rows} rows for ${rows} inputs`, { measure: ID });
  }
  const classes = classCount([stitched, own], ID);
  const p = predictions(stitched, classes, ID, 'forward(stitched)');
  const q = predictions(own, classes, ID, 'forward(b)');
  const agreement = 1 - disagreementOf(p, q);
  if (!labels) return { map, agreement };
  const truth = groundTruth({ values: {}, labels }, rows, classes, ID)!;
  const accuracy = accuracyOf(p, truth);
  const accuracyB = accuracyOf(q, truth);
  return { map, agreement, accuracy, accuracyB, ...(accuracyB > 0 ? { relativeAccuracy: accuracy / accuracyB } : {}) };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function forwardOf(options: ResolvedOptions): StitchForward {
  const forward = options.functions?.forward as StitchForward | undefined;
  if (!forward) throw new NnsimError('E_OPTION', `measure '${ID}' needs option 'forward' (a function)`, { measure: ID });
  return forward;
}

/** Runs forward on A W + b and on B; the result, or a Promise when forward is async. */
function runForward(fit: Fitted, a: Matrix, b: Matrix, options: ResolvedOptions): StitchResult | Promise<StitchResult> {
  const forward = forwardOf(options);
  const stitched = forward(fit.stitched);
  const own = forward(b);
  if (isPromise(stitched) || isPromise(own)) {
    return Promise.all([stitched, own]).then(([s, o]) => evaluate(fit.map, s, o, a.rows, options.labels));
  }
  return evaluate(fit.map, stitched, own, a.rows, options.labels);
}

/**
 * Fits the map (synchronously) on `fitOn` (default: a and b themselves; training rows in a
 * cross-validation), then forward on a W + b and b: the result, or a Promise when forward is async.
 */
function runExperiment(
  a: Matrix,
  b: Matrix,
  options: ResolvedOptions,
  fitOn: readonly [Matrix, Matrix] = [a, b],
): StitchResult | Promise<StitchResult> {
  forwardOf(options);
  return runForward(fitAndStitch(fitOn[0], fitOn[1], options.values.ridge as number, a), a, b, options);
}

/**
 * The async experiment: the fit on a worker thread (stopped by `stop`), then forward where the
 * caller's code runs (it is the caller's code).
 */
async function runAsync(
  a: Matrix,
  b: Matrix,
  options: ResolvedOptions,
  stop: AbortSignal,
  fitOn: readonly [Matrix, Matrix] = [a, b],
): Promise<StitchResult> {
  forwardOf(options);
  const fit = await fitAndStitchAsync(fitOn[0], fitOn[1], options.values.ridge as number, stop, a);
  if (stop.aborted) throw stopReason(stop);
  return runForward(fit, a, b, options);
}

function score(result: StitchResult, options: ResolvedOptions, rows: number): number {
  const kind = options.values.score;
  if (kind === 'agreement') return result.agreement;
  groundTruth(options, rows, undefined, ID);
  if (kind === 'accuracy') return result.accuracy!;
  if (result.relativeAccuracy === undefined) {
    throw new NnsimError('E_DEGENERATE', `${ID}: model B has accuracy 0, so the relative accuracy is undefined`, { measure: ID });
  }
  return result.relativeAccuracy;
}

export const stitchingDefinition = defineMeasure({
  id: 'stitching',
  name: 'Model stitching (affine, closed form)',
  family: 'stitching',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: false,
  metric: false,
  invariances: [],
  // The fitted map absorbs any invertible affine change of A (exactly so for ridge = 0; a ridge keeps OT, PT, TR).
  argumentInvariances: { first: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation', 'invertible-linear', 'affine'] },
  variants: [{ when: { score: 'relative-accuracy' }, range: [0, Infinity], note: 'the stitched model may beat B' }],
  minRows: 2,
  options: {
    forward: functionOption<StitchForward>(
      'Runs the rest of model B on N × D′ representations (a Matrix) and returns N × C outputs or N labels; may be async (then use compare.async).',
      true,
    ),
    score: enumOption(
      ['agreement', 'accuracy', 'relative-accuracy'] as const,
      'agreement',
      "'agreement': 1 − disagreement of the stitched model with B; 'accuracy': of the stitched model; 'relative-accuracy': stitched accuracy / B's (both need labels).",
    ),
    ridge: numberOption({ default: 0, min: 0, description: 'Ridge penalty λ on the stitching weights (0: ordinary least squares).' }),
    labels: labelsFor("for score 'accuracy' or 'relative-accuracy'", false),
  },
  description:
    'Fits x ↦ xW + b from A\'s representation (first argument, layer l) to B\'s (second, layer l′) by least squares ' +
    'on the same inputs, passes A W + b through forward (the rest of B) and scores the stitched predictions against ' +
    'B\'s own predictions forward(B).',
  reference: {
    citation: 'Bansal, Nakkiran, Barak 2021, "Revisiting model stitching to compare neural representations", NeurIPS',
    url: 'https://arxiv.org/abs/2106.07682',
  },
  engine: {
    kind: 'js',
    compute(a, b, options) {
      const result = runExperiment(a, b, options);
      return isPromise(result) ? result.then((r) => score(r, options, a.rows)) : score(result, options, a.rows);
    },
    async computeAsync(a, b, options, stop) {
      return score(await runAsync(a, b, options, stop), options, a.rows);
    },
  },
});

export const stitchingDefinitions = [stitchingDefinition] as const satisfies readonly MeasureDefinition[];

/**
 * The stitching score of held-out inputs: the map fitted on the training rows, the rest of B run on the
 * test rows (crossValidate; `options` carry the test rows' labels).
 */
export function heldOutStitching(
  train: readonly [Matrix, Matrix],
  test: readonly [Matrix, Matrix],
  options: ResolvedOptions,
): number | Promise<number> {
  const result = runExperiment(test[0], test[1], options, train);
  return isPromise(result) ? result.then((r) => score(r, options, test[0].rows)) : score(result, options, test[0].rows);
}

/** heldOutStitching with the fit on a worker thread (stopped by `stop`); forward where the caller's code runs. */
export async function heldOutStitchingAsync(
  train: readonly [Matrix, Matrix],
  test: readonly [Matrix, Matrix],
  options: ResolvedOptions,
  stop: AbortSignal,
): Promise<number> {
  return score(await runAsync(test[0], test[1], options, stop, train), options, test[0].rows);
}


/** Options of {@link stitch}: the rest of model B, optional labels (for accuracies) and ridge. */
export interface StitchOptions {
  forward: StitchForward;
  labels?: Labels;
  ridge?: number;
}

function prepareStitch(a: MatrixInput, b: MatrixInput, options: StitchOptions): [Matrix, Matrix, ResolvedOptions] {
  const ma = toMatrix(a, 'a');
  const mb = toMatrix(b, 'b');
  if (ma.rows !== mb.rows) {
    throw new NnsimError('E_SHAPE', `${ID}: a and b must have the same number of rows (the same inputs): got ${ma.rows} and ${mb.rows}`);
  }
  const { forward, labels, ridge } = (options ?? {}) as Partial<StitchOptions>;
  return [ma, mb, resolveOptions(ID, stitchingDefinition.options, { forward, labels, ridge }, ma.rows)];
}

/**
 * The whole stitching experiment in one call: the fitted map, the agreement with B and, with
 * labels, both accuracies and their ratio. forward must be synchronous (else use stitch.async);
 * `run.timeout` limits the fit.
 */
export function stitch(a: MatrixInput, b: MatrixInput, options: StitchOptions, run: SyncRunOptions = {}): StitchResult {
  const timeout = resolveTimeout(run?.timeout);
  const result = withTimeout(timeout, () => runExperiment(...prepareStitch(a, b, options)));
  if (isPromise(result)) {
    result.catch(() => undefined);
    throw new NnsimError('E_TYPE', `${ID}: forward returned a Promise; use stitch.async`, { measure: ID });
  }
  return result;
}

/** Run options of stitch.async: they apply to the fit (forward is the caller's own code). */
export interface StitchRunOptions extends SyncRunOptions {
  /** Aborts the fit (rejects with E_CANCELLED); forward is not called after an abort. */
  signal?: AbortSignal;
}

/**
 * stitch() with a synchronous or asynchronous forward: the fit runs on a worker thread, queued like the
 * other async calls; forward runs where the caller's code runs.
 */
export async function stitchAsync(
  a: MatrixInput,
  b: MatrixInput,
  options: StitchOptions,
  runOptions: StitchRunOptions = {},
): Promise<StitchResult> {
  const [ma, mb, resolved] = prepareStitch(a, b, options);
  forwardOf(resolved);
  const fit = await schedule((stop) => fitAndStitchAsync(ma, mb, resolved.values.ridge as number, stop), runOptions);
  if (runOptions.signal?.aborted) throw cancelled();
  return runForward(fit, ma, mb, resolved);
}
