/**
 * Inference on the command line: `nnsim compare A B --permutations N --bootstrap N --seed S` adds a
 * permutation p-value and a bootstrap interval to each measure's value.
 */
import type { Matrix } from '../matrix.js';
import { escapeXml } from '../report/svg.js';
import { type InferenceOutcome, type InferenceSettings, measureInferenceAsync } from './matrix.js';

export type { InferenceOutcome } from './matrix.js';

export interface InferenceFlags {
  readonly permutations?: number;
  readonly bootstrap?: number;
  readonly seed: number;
}

/** parseArgs options of the inference flags (--seed is among the common flags). */
export const INFERENCE_FLAGS = {
  permutations: { type: 'string' },
  bootstrap: { type: 'string' },
} as const;

/** The flags as inference settings (--bootstrap: the 95 % percentile interval). */
export function flagSettings(flags: InferenceFlags): InferenceSettings {
  return {
    permutations: flags.permutations,
    bootstrap: flags.bootstrap === undefined ? undefined : { resamples: flags.bootstrap, level: 0.95, method: 'percentile' },
    seed: flags.seed,
  };
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

/** --fdr Q: the false discovery level of a report's marks (default 0.05); only with --permutations. */
export function fdrFlag(text: string | undefined, flags: InferenceFlags | undefined, usage: (message: string) => Error): number {
  if (text === undefined) return 0.05;
  if (flags?.permutations === undefined) throw usage("--fdr sets the level of the permutation tests' marks: add --permutations N");
  const level = Number(text);
  if (!/^\s*[\d.eE+-]+\s*$/.test(text) || !(level > 0 && level < 1)) throw usage(`--fdr expects a level in (0, 1), e.g. 0.05; got '${text}'`);
  return level;
}

/**
 * What a report says about its per-cell inference (HTML): `cell` names a tested cell ('layer pair'),
 * `family` the cells a q-value is computed over.
 */
export function inferenceNote(flags: InferenceFlags & { readonly fdr: number }, cell: string, family: string): string {
  const { permutations, bootstrap, seed, fdr } = flags;
  const parts = [
    permutations !== undefined
      ? `a permutation test with ${permutations} random re-pairings of the inputs (p = (1 + #{re-pairings at least as extreme}) / (1 + ${permutations}))`
      : '',
    bootstrap !== undefined ? `a 95 % bootstrap interval [lower, upper] from ${bootstrap} resamples of the inputs` : '',
  ].filter(Boolean);
  const hover = [bootstrap !== undefined ? '[lower, upper]' : '', permutations !== undefined ? 'p = …, q = …' : ''].filter(Boolean).join(', ');
  const marks =
    permutations !== undefined
      ? ` <b>Hatched cells are not different from a random pairing</b>: Benjamini–Hochberg q &gt; ${fdr} over the tested cells of ${escapeXml(family)}.`
      : '';
  return (
    `Inference (<code>--seed ${seed}</code>; each cell's draws are seeded by the seed and the names of its row and column): every ${escapeXml(cell)} ` +
    `has ${parts.join(' and ')}; hover a cell for its value; ${hover}. They are in results.json (<code>inference</code>) and are columns of the CSV.${marks}`
  );
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
  const each = (flags.permutations ?? 0) + (flags.bootstrap ?? 0);
  const total = runs.length * each;
  const settings = flagSettings(flags);
  const out: Record<string, InferenceOutcome> = {};
  for (const [k, run] of runs.entries()) {
    out[run.key] = await measureInferenceAsync(run, a, b, settings, flags.seed, { onProgress: (done) => onProgress(k * each + done, total) });
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
