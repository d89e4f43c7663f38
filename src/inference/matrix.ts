/**
 * Inference over many comparisons at once (compareMatrix, nnsim compare/pairwise/matrix): each measure's
 * permutation p-value and/or bootstrap interval for one pair, a seed per cell that does not depend on
 * which other cells run in the same call (so sharded runs reproduce a single run), and the
 * Benjamini–Hochberg q-values over the cells of one matrix.
 */
import { createHash } from 'node:crypto';

import type { CompareInput, RunOptions } from '../compare.js';
import { NnsimError } from '../errors.js';
import { resolveOptionsFor } from '../options.js';
import { getDefinition } from '../registry.js';
import {
  type BootstrapResult,
  type PermutationTestResult,
  bootstrap,
  bootstrapAsync,
  bootstrapSchema,
  permutationTest,
  permutationTestAsync,
  permutationTestSchema,
  matrixOptionRefusal,
  unpairedRefusal,
} from './index.js';
import { benjaminiHochberg } from './statistics.js';

/** Inference options of a run over many pairs (compareMatrix). */
export interface ManyInferenceOptions {
  /** Permutation test of every cell with this many re-pairings of the inputs (see permutationTest). */
  permutations?: number;
  /** Bootstrap interval of every cell: the number of resamples, or { resamples, level, method } (see bootstrap). */
  bootstrap?: number | { resamples?: number; level?: number; method?: 'percentile' | 'bca' };
  /** The run's seed (default 0); each cell's own is {@link cellSeed}(seed, row, column). */
  seed?: number;
}

/** Validated inference options: what to run, with every default filled in. */
export interface InferenceSettings {
  readonly permutations?: number;
  readonly bootstrap?: { readonly resamples: number; readonly level: number; readonly method: 'percentile' | 'bca' };
  readonly seed: number;
}

/**
 * The inference settings of `options` (owner names the caller in messages), or undefined when neither
 * permutations nor bootstrap is asked for. Bounds are permutationTest's and bootstrap's own.
 */
export function inferenceSettings(owner: string, options: ManyInferenceOptions): InferenceSettings | undefined {
  const { permutations, bootstrap: resampling, seed } = options;
  const { seed: seedSpec, permutations: permutationsSpec } = permutationTestSchema;
  const resolved = resolveOptionsFor({ name: owner }, { seed: seedSpec }, { seed });
  if (permutations === undefined && resampling === undefined) return undefined;
  const settings: { -readonly [K in keyof InferenceSettings]: InferenceSettings[K] } = { seed: resolved.values.seed as number };
  if (permutations !== undefined) {
    settings.permutations = resolveOptionsFor({ name: owner }, { permutations: permutationsSpec }, { permutations }).values.permutations as number;
  }
  if (resampling !== undefined) {
    const { seed: _seed, ...schema } = bootstrapSchema;
    const given = typeof resampling === 'number' ? { resamples: resampling } : resampling;
    const values = resolveOptionsFor({ name: `bootstrap of ${owner}` }, schema, given).values;
    settings.bootstrap = { resamples: values.resamples as number, level: values.level as number, method: values.method as 'percentile' | 'bca' };
  }
  return settings;
}

/**
 * The seed of one cell: the first 52 bits of SHA-256 of the JSON text [seed, row, column] (names of the
 * row and column representations). It depends on nothing else — not on the other cells of the run, their
 * order or the shard — so a cell has the same permutations and resamples in every run that names its
 * two representations the same; every measure of the cell shares them.
 */
export function cellSeed(seed: number, row: string, col: string): number {
  return Number.parseInt(createHash('sha256').update(JSON.stringify([seed, row, col])).digest('hex').slice(0, 13), 16);
}

/** One measure's inference on one pair: a p-value and/or an interval, or why there is none. */
export interface InferenceOutcome {
  readonly permutation?: Pick<PermutationTestResult, 'pValue' | 'alternative' | 'permutations' | 'method'>;
  readonly bootstrap?: Pick<BootstrapResult, 'lower' | 'upper' | 'standardError' | 'level' | 'method' | 'scheme' | 'sampleSize'> & {
    readonly resamples: number;
  };
  /** Set when the measure has no permutation test (its value does not depend on the pairing). */
  readonly unpaired?: true;
  readonly error?: NnsimError;
}

export interface InferenceMeasure {
  readonly key: string;
  readonly id: string;
  readonly options?: object;
}

/**
 * Why a measure gets no inference at all (E_OPTION: an N × N matrix option, see matrixOptionRefusal), or
 * undefined. Measures that do not depend on the pairing still get their interval.
 */
export function inferenceRefusal(measure: InferenceMeasure): NnsimError | undefined {
  return matrixOptionRefusal(measure.id as never);
}

/**
 * The parts of `settings` a measure does not get, and why: none for a measure with an N × N matrix
 * option (inferenceRefusal), no permutation test for one whose value does not depend on the pairing.
 */
export function skippedParts(measure: InferenceMeasure, settings: InferenceSettings): { part: 'permutation' | 'bootstrap'; error: NnsimError }[] {
  const refusal = inferenceRefusal(measure);
  const out: { part: 'permutation' | 'bootstrap'; error: NnsimError }[] = [];
  const noPermutation = refusal ?? unpairedRefusal(getDefinition(measure.id as never));
  if (settings.permutations !== undefined && noPermutation) out.push({ part: 'permutation', error: noPermutation });
  if (settings.bootstrap !== undefined && refusal) out.push({ part: 'bootstrap', error: refusal });
  return out;
}

/** Stopping errors end the whole run; any other failure is this measure's (recorded in the outcome). */
function isStop(error: unknown): boolean {
  return !(error instanceof NnsimError) || error.code === 'E_CANCELLED' || error.code === 'E_TIMEOUT';
}

function permutationPart(p: PermutationTestResult): InferenceOutcome['permutation'] {
  return { pValue: p.pValue, alternative: p.alternative, permutations: p.permutations, method: p.method };
}

function bootstrapPart(r: BootstrapResult): InferenceOutcome['bootstrap'] {
  const { lower, upper, standardError, level, method, scheme, sampleSize } = r;
  return { lower, upper, standardError, level, method, scheme, sampleSize, resamples: r.distribution.length };
}

function calls(measure: InferenceMeasure, settings: InferenceSettings, seed: number) {
  const measureOptions = measure.options as never;
  return {
    permutation: { permutations: settings.permutations, seed, measureOptions },
    bootstrap: { ...settings.bootstrap, seed, measureOptions },
  };
}

/** permutationTest and/or bootstrap of one measure on (a, b) with `seed`; a failure is recorded, not thrown. */
export function measureInference(measure: InferenceMeasure, a: CompareInput, b: CompareInput, settings: InferenceSettings, seed: number): InferenceOutcome {
  const options = calls(measure, settings, seed);
  let outcome: InferenceOutcome = {};
  try {
    if (settings.permutations !== undefined) {
      outcome = getDefinition(measure.id as never).paired ? { permutation: permutationPart(permutationTest(measure.id as never, a, b, options.permutation)) } : { unpaired: true };
    }
    if (settings.bootstrap !== undefined) outcome = { ...outcome, bootstrap: bootstrapPart(bootstrap(measure.id as never, a, b, options.bootstrap)) };
  } catch (error) {
    if (isStop(error)) throw error;
    outcome = { ...outcome, error: error as NnsimError };
  }
  return outcome;
}

/**
 * measureInference() off the event loop; `onProgress(done)` counts this measure's permutations, then its
 * resamples (the permutations count as done for an unpaired measure).
 */
export async function measureInferenceAsync(
  measure: InferenceMeasure,
  a: CompareInput,
  b: CompareInput,
  settings: InferenceSettings,
  seed: number,
  run: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<InferenceOutcome> {
  const options = calls(measure, settings, seed);
  let before = 0;
  const call = (): RunOptions => ({ signal: run.signal, onProgress: run.onProgress && ((p) => run.onProgress!(before + p.done)) });
  let outcome: InferenceOutcome = {};
  try {
    if (settings.permutations !== undefined) {
      outcome = getDefinition(measure.id as never).paired
        ? { permutation: permutationPart(await permutationTestAsync(measure.id as never, a, b, options.permutation, call())) }
        : { unpaired: true };
      before = settings.permutations;
    }
    if (settings.bootstrap !== undefined) {
      outcome = { ...outcome, bootstrap: bootstrapPart(await bootstrapAsync(measure.id as never, a, b, options.bootstrap, call())) };
    }
  } catch (error) {
    if (isStop(error)) throw error;
    outcome = { ...outcome, error: error as NnsimError };
  }
  return outcome;
}

/** What Benjamini–Hochberg is applied over, for reports and results.json. */
export const FALSE_DISCOVERY_FAMILY =
  "Benjamini–Hochberg over each measure's cells of one matrix: the off-diagonal cells (a representation against itself is not tested), each unordered pair once for a symmetric measure";

/** The family of a layer × layer comparison of two different models: every cell is a test. */
export const FALSE_DISCOVERY_FAMILY_ALL_CELLS = "Benjamini–Hochberg over each measure's cells of one matrix: every layer of A against every layer of B";

/**
 * Benjamini–Hochberg q-values of one measure's K × K p-values (row-major, NaN = not tested): the family
 * is the off-diagonal cells with a p-value, the upper triangle only when `symmetric` (its q mirrored
 * below). Returns the q-values (NaN where untested) and m, the number of tests.
 */
export function matrixQValues(pValues: ArrayLike<number>, size: number, symmetric: boolean): { qValues: Float64Array; tests: number } {
  const grid = Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => {
      const p = pValues[i * size + j]!;
      return i === j || (symmetric && j < i) || Number.isNaN(p) ? null : p;
    }),
  );
  const { adjusted, tests } = benjaminiHochberg(grid);
  const qValues = new Float64Array(size * size).fill(NaN);
  adjusted.forEach((row, i) =>
    row.forEach((q, j) => {
      if (q === null) return;
      qValues[i * size + j] = q;
      if (symmetric) qValues[j * size + i] = q;
    }),
  );
  return { qValues, tests };
}
