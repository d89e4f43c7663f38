/**
 * Vietoris–Rips persistent homology (dimensions 0 and 1) of a distance matrix or a point cloud, computed
 * by the native core (native/core/topology/persistence.cpp; Bauer 2021, "Ripser"). Used by the topology
 * measures and exported for direct use:
 *
 *   const [h0, h1] = persistence(distances);          // N × N, symmetric, zero diagonal
 *   h1.bars;                                          // [[birth, death], …], death Infinity if essential
 *   await persistence.async(points, { input: 'points', threshold: 2 });
 */
import { NnsimError } from './errors.js';
import { type MatrixInput, toMatrix } from './matrix.js';
import { nativeAddon } from './native.js';
import { type OptionSchema, enumOption, numberOption, resolveOptionsFor } from './options.js';
import { type SyncRunOptions, onStop, resolveTimeout, schedule } from './runtime.js';

export interface PersistenceOptions {
  /** Highest homology dimension: 0 or 1 (default 1). */
  maxDim?: 0 | 1;
  /** Only simplices of diameter ≤ threshold enter the filtration (default Infinity: all). */
  threshold?: number;
  /**
   * 'distances' (default): the input is an N × N distance matrix — finite, non-negative, zero diagonal,
   * symmetric up to 1e-12 of its largest entry; its lower triangle is used. 'points': the input is an
   * N × D point cloud and Euclidean distances of its rows are used.
   */
  input?: 'distances' | 'points';
}

/** The bars of one homology dimension, bars of zero length omitted. */
export interface Barcode {
  readonly dimension: number;
  /** Births and deaths as parallel arrays (death = Infinity for a class that never dies). */
  readonly births: Float64Array;
  readonly deaths: Float64Array;
  /** The same bars as [birth, death] pairs. */
  readonly bars: readonly (readonly [number, number])[];
}

export interface PersistenceRunOptions extends SyncRunOptions {
  /** Aborts the computation (rejects with E_CANCELLED). */
  signal?: AbortSignal;
}

/**
 * The options of persistence() as a schema: the core declares the same parameters
 * (native/core/topology/persistence.cpp) and test/20.registry locks the two together.
 */
export const persistenceSchema = {
  maxDim: numberOption({ integer: true, min: 0, max: 1, default: 1, description: 'Highest homology dimension: 0 or 1.' }),
  threshold: numberOption({
    min: 0,
    description: 'Only simplices of diameter ≤ threshold enter the filtration (absent or Infinity: all).',
  }),
  input: enumOption(
    ['distances', 'points'],
    'distances',
    "'distances': an N × N distance matrix; 'points': an N × D point cloud (Euclidean distances of its rows).",
  ),
} as const satisfies OptionSchema;

function toNativeOptions(options: PersistenceOptions | undefined): Record<string, number | string> {
  // Infinity is the documented spelling of "no threshold", which the core spells by leaving it out.
  const given =
    options !== null && typeof options === 'object' && options.threshold === Infinity
      ? { ...options, threshold: undefined }
      : options;
  return resolveOptionsFor({ name: 'persistence' }, persistenceSchema, given).values as Record<string, number | string>;
}

function toBarcodes(raw: readonly { births: Float64Array; deaths: Float64Array }[]): Barcode[] {
  return raw.map(({ births, deaths }, dimension) => ({
    dimension,
    births,
    deaths,
    bars: Array.from(births, (b, i) => [b, deaths[i]!] as const),
  }));
}

function checkSquare(rows: number, cols: number, options: Record<string, number | string>): void {
  if (options.input !== 'points' && rows !== cols) {
    throw new NnsimError('E_SHAPE', `persistence: a distance matrix must be square (got ${rows} × ${cols})`);
  }
}

/**
 * Barcodes of dimensions 0..maxDim of the Vietoris–Rips filtration (Z/2 coefficients); E_TIMEOUT past
 * `run.timeout` ms.
 */
function persistenceSync(input: MatrixInput, options?: PersistenceOptions, run: SyncRunOptions = {}): Barcode[] {
  const native = toNativeOptions(options);
  const timeout = resolveTimeout(run?.timeout);
  const m = toMatrix(input, native.input === 'points' ? 'points' : 'distances');
  checkSquare(m.rows, m.cols, native);
  return toBarcodes(nativeAddon().persistence(m.data, m.rows, m.cols, native, timeout));
}

/** The same on a worker thread (from a copy of the input); `run.signal` cancels, `run.timeout` limits. */
async function persistenceAsync(
  input: MatrixInput,
  options?: PersistenceOptions,
  run: PersistenceRunOptions = {},
): Promise<Barcode[]> {
  const native = toNativeOptions(options);
  const m = toMatrix(input, native.input === 'points' ? 'points' : 'distances');
  checkSquare(m.rows, m.cols, native);
  return schedule(async (stop) => {
    const addon = nativeAddon();
    const control = new addon.NativeControl();
    const removeStop = onStop(stop, () => control.cancel());
    try {
      return toBarcodes(await addon.persistenceAsync(m.data, m.rows, m.cols, native, control));
    } finally {
      removeStop();
    }
  }, run);
}

/** persistence(distances, options) — and persistence.async(…) on a worker thread. */
export const persistence = Object.assign(persistenceSync, { async: persistenceAsync });
