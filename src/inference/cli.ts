/**
 * Inference on the command line: `nnsim compare A B --permutations N --bootstrap N --seed S` adds a
 * permutation p-value and a bootstrap interval to each measure's value.
 */
import { NnsimError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { getDefinition } from '../registry.js';
import { type BootstrapResult, type PermutationTestResult, bootstrapAsync, permutationTestAsync } from './index.js';

export interface InferenceFlags {
  readonly permutations?: number;
  readonly bootstrap?: number;
  readonly seed: number;
}

/** One measure's inference: a p-value and/or an interval, or why there is none. */
export interface InferenceOutcome {
  readonly permutation?: Pick<PermutationTestResult, 'pValue' | 'alternative' | 'permutations' | 'method'>;
  readonly bootstrap?: Pick<BootstrapResult, 'lower' | 'upper' | 'standardError' | 'level' | 'method' | 'scheme' | 'sampleSize'> & {
    readonly resamples: number;
  };
  /** Set when the measure has no permutation test (its value does not depend on the pairing). */
  readonly unpaired?: true;
  readonly error?: NnsimError;
}

function count(text: string | undefined, flag: string, usage: (message: string) => Error): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw usage(`${flag} expects a whole number; got '${text}'`);
  return Number(text);
}

/**
 * The inference flags of a command line, or undefined when neither --permutations nor --bootstrap is
 * given. One --seed S seeds every random choice of the command: the permutations and resamples, and
 * the subset of --rows N.
 */
export function inferenceFlags(
  values: { permutations?: string; bootstrap?: string; seed?: string; rows?: string },
  usage: (message: string) => Error,
): InferenceFlags | undefined {
  const permutations = count(values.permutations, '--permutations', usage);
  const bootstrap = count(values.bootstrap, '--bootstrap', usage);
  if (permutations === undefined && bootstrap === undefined) {
    if (values.seed !== undefined && values.rows === undefined) {
      throw usage('--seed needs --permutations or --bootstrap (it seeds their draws) or --rows N (it seeds the subset); give --rows too or one of those');
    }
    return undefined;
  }
  return { permutations, bootstrap, seed: count(values.seed, '--seed', usage) ?? 0 };
}

export interface InferenceRun {
  readonly key: string;
  readonly id: string;
  readonly options: Record<string, unknown>;
}

/**
 * Runs the permutation test and/or bootstrap of each measure off the event loop (a failing measure
 * records its error and the others go on); `onProgress(done, total)` counts permutations and resamples.
 */
export async function runInference(
  runs: readonly InferenceRun[],
  a: Matrix,
  b: Matrix,
  flags: InferenceFlags,
  onProgress: (done: number, total: number) => void,
): Promise<Record<string, InferenceOutcome>> {
  const total = runs.length * ((flags.permutations ?? 0) + (flags.bootstrap ?? 0));
  let finished = 0;
  const progress = (p: { done: number }): void => onProgress(finished + p.done, total);
  const out: Record<string, InferenceOutcome> = {};
  for (const run of runs) {
    let outcome: InferenceOutcome = {};
    try {
      if (flags.permutations !== undefined) {
        if (getDefinition(run.id).paired) {
          const p = await permutationTestAsync(run.id, a, b, { permutations: flags.permutations, seed: flags.seed, measureOptions: run.options }, { onProgress: progress });
          outcome = { permutation: { pValue: p.pValue, alternative: p.alternative, permutations: p.permutations, method: p.method } };
        } else {
          outcome = { unpaired: true };
        }
        finished += flags.permutations;
      }
      if (flags.bootstrap !== undefined) {
        const r = await bootstrapAsync(run.id, a, b, { resamples: flags.bootstrap, seed: flags.seed, measureOptions: run.options }, { onProgress: progress });
        const { lower, upper, standardError, level, method, scheme, sampleSize } = r;
        outcome = { ...outcome, bootstrap: { lower, upper, standardError, level, method, scheme, sampleSize, resamples: flags.bootstrap } };
        finished += flags.bootstrap;
      }
    } catch (error) {
      if (!(error instanceof NnsimError)) throw error;
      outcome = { ...outcome, error };
    }
    out[run.key] = outcome;
  }
  return out;
}

function short(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** ` [lower, upper] p = …` after a value (what is missing says why). */
export function inferenceText(outcome: InferenceOutcome | undefined): string {
  if (!outcome) return '';
  const parts: string[] = [];
  if (outcome.bootstrap) parts.push(`[${short(outcome.bootstrap.lower)}, ${short(outcome.bootstrap.upper)}]`);
  if (outcome.permutation) parts.push(`p = ${short(outcome.permutation.pValue)}`);
  if (outcome.unpaired) parts.push('p = — (does not depend on the pairing of the inputs)');
  if (outcome.error) parts.push(`(inference error ${outcome.error.code}: ${outcome.error.message})`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** The outcome as JSON (errors as { code, message }). */
export function inferenceJson(outcome: InferenceOutcome): Record<string, unknown> {
  const { error, ...rest } = outcome;
  return error ? { ...rest, error: { code: error.code, message: error.message } } : rest;
}

/** The --help lines of the flags. */
export const INFERENCE_USAGE = `--permutations N  permutation test of each measure: p-value of the value under N random re-pairings
                  of the inputs (rows of B permuted), (1 + #{at least as extreme}) / (1 + N)
--bootstrap N     bootstrap interval (95 %, percentile) of each measure from N resamples of the inputs
                  (half-size subsamples for measures that duplicated rows break)
                  --seed S seeds the permutations and resamples too`;
