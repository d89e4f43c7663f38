/**
 * `nnsim compare` without loading the inputs. When every selected measure streams (see
 * streamableMeasures()) and both arrays are little-endian float32/float64 `.npy` or single-tensor
 * `.safetensors` files, blocks of rows are read with positioned reads and pushed into one accumulator:
 * memory is two blocks plus the D × D statistics, whatever N is. The command streams by itself when the
 * inputs would take more than STREAM_THRESHOLD bytes in float64 (smaller inputs get the in-memory
 * algorithms, which are more accurate for nearly identical inputs), or always with --stream.
 *
 * 3-D/4-D arrays are read by samples (their first dimension) and each block is reshaped as --layout and
 * --reshape say, the same transform the loader applies to the whole array; blocks, ranges and error
 * positions then count samples.
 */
import { NnsimError } from './errors.js';
import type { ArrayView } from './io/load.js';
import { type RowFile, openRowFile } from './io/rows.js';
import type { MeasureSpec, Precision } from './compare.js';
import { type ShardSpec, inputShardRange } from './shards.js';
import { type Accumulator, createAccumulator } from './streaming.js';

/** Inputs larger than this (N·(D + D′)·8 bytes) are streamed when they can be. */
export const STREAM_THRESHOLD = 256 * 2 ** 20;

/** About this many bytes of each file are read per block. */
const BLOCK_BYTES = 32 * 2 ** 20;

export interface StreamedInput {
  readonly source: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly cols: number;
}

export interface StreamedCompare {
  readonly a: StreamedInput;
  readonly b: StreamedInput;
  readonly blocks: number;
  readonly blockRows: number;
  /** The rows that were read: [begin, end). */
  readonly range: readonly [number, number];
  /** Samples (rows of a 2-D array) in each file. */
  readonly samples: number;
  readonly outcomes: Record<string, number | NnsimError>;
  /** The statistics of those rows (toBuffer() writes them as a state file for a later merge). */
  readonly accumulator: Accumulator;
}

function describe(file: RowFile): StreamedInput {
  return { source: file.source, shape: file.shape, rows: file.rows, cols: file.cols };
}

/**
 * The samples every input shard must hold a whole number of: the least common multiple of the
 * minibatch sizes of minibatch CKA (1 without it), in samples of `rowsPerSample` rows each.
 */
function samplesPerMinibatch(accumulator: Accumulator, rowsPerSample: number): number {
  let rows = 1;
  for (const m of accumulator.measures) {
    if (m.options.estimator !== 'minibatch') continue;
    const batch = m.options.batch as number;
    let x = rows, y = batch;
    while (y !== 0) [x, y] = [y, x % y];
    rows = (rows / x) * batch;
  }
  if (rows % rowsPerSample !== 0) {
    throw new NnsimError(
      'E_OPTION',
      `--input-shard splits by samples of ${rowsPerSample} rows each, which cannot hold whole minibatches of ${rows} rows; pick a batch that is a multiple of ${rowsPerSample}`,
    );
  }
  return rows / rowsPerSample;
}

/** The accumulator's "batch k, row i of the first input: column j is NaN" as a position in the file. */
function nonFiniteInFile(error: NnsimError, files: readonly RowFile[], firstRow: number): NnsimError {
  const m = /row (\d+) of the (first|second) input: column (\d+) is (NaN|infinite)/.exec(error.message);
  if (!m) return error;
  const file = files[m[2] === 'first' ? 0 : 1]!;
  const rowsPerSample = file.rows / file.samples;
  const where =
    file.shape.length <= 2
      ? `row ${firstRow + Number(m[1])}, column ${m[3]}`
      : `sample ${firstRow + Math.floor(Number(m[1]) / rowsPerSample)} (row ${Number(m[1]) % rowsPerSample}, column ${m[3]} of its reshaped rows)`;
  return new NnsimError('E_NONFINITE', `${file.source}: ${m[4]} at ${where}; remove or impute non-finite values before comparing`);
}

/**
 * Compares two array files by streaming them, or returns undefined when they or the measures cannot be
 * streamed (or, unless `force`, when they are small enough to load). Errors in the files' headers, a
 * mismatch of N and non-finite values are thrown as NnsimErrors.
 */
export function streamCompare(
  specA: string,
  specB: string,
  measuresFor: (rows: number) => readonly MeasureSpec[],
  options: {
    /** How each file's array becomes a matrix (--layout, --reshape). */
    views?: { readonly a?: ArrayView; readonly b?: ArrayView };
    precision?: Precision;
    force?: boolean;
    /** Only rows (samples of a 3-D/4-D array) [begin, end): an input shard; all by default. */
    range?: readonly [number, number];
    /** Only input shard i of n (inputShardRange, aligned to whole minibatches); instead of range. */
    shard?: ShardSpec;
    onProgress?: (done: number, total: number) => void;
    /** @internal Rows (samples) per block instead of about BLOCK_BYTES' worth (tests cross blocks with it). */
    blockRows?: number;
  },
): StreamedCompare | undefined {
  const files: RowFile[] = [];
  try {
    for (const [spec, view] of [
      [specA, options.views?.a],
      [specB, options.views?.b],
    ] as const) {
      const file = openRowFile(spec, view);
      if (!file && options.force) {
        throw new NnsimError(
          'E_FILE',
          `${spec}: cannot be read in blocks of rows; --stream reads little-endian float32/float64 arrays in C order from ` +
            '.npy or single-tensor .safetensors files (convert with a.astype(np.float32), or drop --stream)',
        );
      }
      if (!file) return undefined;
      files.push(file);
    }
    const [a, b] = files as [RowFile, RowFile];
    if (a.rows !== b.rows) {
      throw new NnsimError(
        'E_SHAPE',
        `${a.source} has ${a.rows} rows but ${b.source} has ${b.rows}; rows are inputs, so both must hold the same inputs in the same order`,
      );
    }
    if (a.samples !== b.samples) {
      // Equal rows from different sample counts (--reshape positions of different grids): blocks of samples
      // would not hold the same inputs.
      if (!options.force) return undefined;
      throw new NnsimError(
        'E_SHAPE',
        `${a.source} has ${a.samples} samples but ${b.source} has ${b.samples}; --stream reads both by samples, which must be the same inputs (drop --stream)`,
      );
    }
    if (!options.force && a.rows * (a.cols + b.cols) * 8 <= STREAM_THRESHOLD) return undefined;
    let accumulator;
    try {
      accumulator = createAccumulator(measuresFor(a.rows), { colsA: a.cols, colsB: b.cols, precision: options.precision });
    } catch (error) {
      if (error instanceof NnsimError && error.code === 'E_NOT_STREAMABLE' && !options.force) return undefined;
      throw error;
    }
    const [first, last] =
      options.range ?? (options.shard ? inputShardRange(a.samples, options.shard, samplesPerMinibatch(accumulator, a.rows / a.samples)) : [0, a.samples]);
    if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 0 && first < last && last <= a.samples)) {
      throw new NnsimError('E_SHAPE', `row range [${first}, ${last}) is not inside the ${a.samples} rows of ${a.source}`);
    }
    // Blocks of samples of about BLOCK_BYTES of the wider file (and at least 256 samples).
    const widest = Math.max(a.sampleBytes, b.sampleBytes);
    const blockRows = Math.min(last - first, options.blockRows ?? Math.max(256, Math.floor(BLOCK_BYTES / widest)));
    let blocks = 0;
    for (let begin = first; begin < last; begin += blockRows) {
      const count = Math.min(blockRows, last - begin);
      const rowsPerSample = a.rows / a.samples;
      const blockA = { data: a.read(begin, count), rows: count * rowsPerSample, cols: a.cols };
      const blockB = { data: b.read(begin, count), rows: count * rowsPerSample, cols: b.cols };
      try {
        accumulator.push(blockA, blockB);
      } catch (error) {
        throw error instanceof NnsimError && error.code === 'E_NONFINITE' ? nonFiniteInFile(error, files, begin) : error;
      }
      blocks++;
      options.onProgress?.(begin + count - first, last - first);
    }
    return {
      a: describe(a),
      b: describe(b),
      blocks,
      blockRows,
      range: [first, last],
      samples: a.samples,
      outcomes: accumulator.result({ errors: 'return' }),
      accumulator,
    };
  } finally {
    for (const file of files) file.close();
  }
}
