#!/usr/bin/env node
/**
 * The `nnsim` command line: compare two representations stored as .npy/.npz/.safetensors, sweep
 * every layer of one model against every layer of another into a heatmap report, list the measures,
 * and run a demo on real data shipped with the package. User errors print one line (what is wrong and
 * what to do) and exit non-zero; stack traces only for bugs (or with NNSIM_DEBUG=1).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import cliProgress from 'cli-progress';

import { INPUT_SHARD_USAGE, writeState } from './cli-input-shard.js';
import { type StreamedCompare, streamCompare } from './cli-streaming.js';
import { type Precision, compareMany } from './compare.js';
import { NnsimError, nearest } from './errors.js';
import { COMMON_FLAGS } from './cli-flags.js';
import { MATRIX_USAGE, MERGE_USAGE, type MatrixCommandContext, matrixCommand, mergeCommand } from './cli-matrix.js';
import { EXTRACT_USAGE, extractCommand } from './extract.js';
import { inferenceSettings } from './inference/matrix.js';
import { INFERENCE_FLAGS, INFERENCE_USAGE, fdrFlag, flagSettings, inferenceNote, inferenceFlags, inferenceJson, inferenceText, runInference, type InferenceOutcome } from './inference/cli.js';
import { printable } from './io/array.js';
import {
  type ArrayEntry,
  type ArrayView,
  type Layout,
  type LayoutChoice,
  type Reshape,
  matrixShape,
  openArray,
  openModel,
  readIds,
  readLabels,
  splitSpec,
  toRepresentation,
  toSourceRepresentation,
} from './io/load.js';
import { LAYER_FILTER_FLAGS, type LayerFilter, layerFilter, requireSameIds, selectLayers } from './io/select.js';
import { LAYOUTS, RESHAPE_CHOICES, parseReshape as parseReshapeName } from './io/tensor.js';
import type { Matrix } from './matrix.js';
import type { MeasureInfo } from './measure-types.js';
import type { OptionSpec } from './options.js';
import { effectiveProperties, getMeasure, listMeasures } from './registry.js';
import { jsonDocument, nnsimVersion } from './json-output.js';
import { sampleRows, takeRows } from './sampling.js';
import { parseShard } from './shards.js';
import { defaultModelNames } from './report/labels.js';
import { type Layer, type MeasureRun, type Side, runPairwise, summarize } from './report/pairwise.js';
import { escapeXml } from './report/svg.js';
import { type ReportComparison, type WrittenReport, rangeText, writeReport } from './report/write.js';

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A mistake in the command line itself (exit code 2). */
class UsageError extends Error {}

const USAGE = `nnsim — similarity of neural network representations

Usage:
  nnsim compare A B [options]     compare two arrays (N × D, rows = the same inputs) with one or more measures
  nnsim pairwise A B --out DIR    every layer of model A against every layer of model B: heatmap report
  nnsim matrix MODEL… --out DIR   K models (or all their layers) against each other: K × K matrices,
                                  one run or sharded (--shard i/n, then nnsim merge)
  nnsim merge DIR --out DIR       the report of a sharded matrix run from its part files
  nnsim extract MODEL.onnx ...      the activations of an ONNX model's layers (needs onnxruntime-node)
  nnsim list [--json]             every measure: family, kind, range, invariances, options, reference
  nnsim demo [--out DIR]          the report on three small networks shipped with the package
  nnsim COMMAND --help            the options of one command
  nnsim --version                 the installed version
`;

const ARRAYS_HELP = 'Arrays: file.npy, file.npz#name, file.safetensors#name (N × D; rows are inputs, the same in A and B).';

const MEASURE_OPTIONS_HELP = `--measure ID      a measure id from 'nnsim list' (repeatable, or comma-separated); 'all' = every
                  representational measure the data allows (the others are listed as skipped);
                  default: {DEFAULTS}
--option K=V      an option for every selected measure that has it; ID.K=V for one measure only
--labels FILE     class labels (1-D integer array) for measures that need them
--layout L        memory order of 4-D/3-D arrays: nchw (N×C×H×W: PyTorch, ONNX) or nhwc (N×H×W×C:
                  TensorFlow, JAX); nct (N×C×T: Conv1d) or ntc (N×T×C: transformer tokens). One per
                  rank, comma-separated (nchw,ntc); a= or b= for one side only (a=nchw,b=nhwc). Files
                  written by nnsim extract or save_activations.py declare it themselves
--reshape R       how 3-D/4-D arrays become N × D: flatten (N × H·W·C, channels last), positions
                  ((N·H·W) × C), pool (global average: N × C), pool:HxW (adaptive average pooling to
                  an H×W grid, then flatten; pool:K = K×K)`;

const SUBSET_HELP = `--rows N          compare a random subset of N inputs (the same rows of A and B; stratified by class
                  with --labels), for measures that need all N × N pairs of a large input
--seed S          seed of that subset (default 0): the same seed gives the same rows everywhere`;

/** Each command's own --help. */
const COMMAND_USAGE: Record<string, string> = {
  compare: `Usage: nnsim compare A B [--measure ID ...] [--option KEY=VALUE ...] [--labels FILE] [--layout L] [--reshape R]
                     [--rows N] [--permutations N] [--bootstrap N] [--seed S] [--precision double|single] [--stream]
                     [--input-shard I/N --state FILE] [--json] [--quiet]

${ARRAYS_HELP}
${MEASURE_OPTIONS_HELP}
${SUBSET_HELP}
${INFERENCE_USAGE}
--precision P     'single': the D × D products of the feature-space measures (linear CKA, Procrustes,
                  angular shape, Bures) in float32, summed in float64: about 2× faster, ~1e-6 relative error
--stream          read A and B in blocks of rows, never whole (automatic when the arrays would take more
                  than 256 MB and every measure streams: memory stays at two blocks plus the D × D
                  statistics); .npy or single-tensor .safetensors of float32/float64, 3-D/4-D arrays
                  reshaped block by block; not with --rows, --labels, --permutations or --bootstrap
${INPUT_SHARD_USAGE}
--json            machine-readable output (schema in the README)
--quiet           no progress bar while streaming or for --permutations/--bootstrap (it is also off when
                  stderr is not a terminal)
`,
  pairwise: `Usage: nnsim pairwise A B --out DIR [--measure ID ...] [--option KEY=VALUE ...] [--labels FILE] [--layout L] [--reshape R]
                      [--rows N [--seed S]] [--name A=NAME] [--name B=NAME] [--include REGEX] [--exclude REGEX]
                      [--permutations N] [--bootstrap N] [--seed S] [--fdr Q] [--shared-scale] [--no-png] [--quiet]

A and B are folders of per-layer .npy files, or one .npz/.safetensors holding many arrays (one per layer).
Writes DIR/index.html, results.json, results.csv and one SVG heatmap per measure.
${MEASURE_OPTIONS_HELP}
${SUBSET_HELP}
--out DIR         where the report is written (created if needed)
--include REGEX   only layers whose name matches (--exclude REGEX: leave those out); arrays of fewer
                  than two dimensions (labels, scalars) are skipped with a note
--name A=NAME     the model names on the report's axes (default: the file or folder names)
--shared-scale    one colour scale per measure for every heatmap: the measure's declared range where
                  finite (the same colours in every run), else the extent of all values
--no-png          write the figures as SVG only (default: SVG and PNG)
--quiet           no progress bar (it is also off when stderr is not a terminal)
${INFERENCE_USAGE}
                  of every layer pair; a cell's own seed comes from S and the two layer names
--fdr Q           with --permutations: the report hatches cells whose Benjamini–Hochberg q-value (over
                  the measure's layer pairs; off-diagonal, each unordered pair once for a symmetric
                  measure, when a model meets itself) is above Q (default 0.05): not different from a
                  random pairing. results.json ('inference': values[measure][pValue|qValue|lower|upper|
                  standardError][layerA][layerB], tests, errors, skipped) and the CSV columns pValue,
                  qValue, lower, upper, standardError hold them; hover a cell for [lower, upper], p, q
`,
  list: `Usage: nnsim list [--json]

Every registered measure: id, family, kind (similarity or distance), range, symmetry, invariances, options and
reference. --json prints the same as a JSON document (schema in the README).
`,
  demo: `Usage: nnsim demo [--out DIR] [--shared-scale] [--no-png] [--quiet]

Compares three small MLPs trained on handwritten digits (shipped with the package) layer by layer and by
their outputs, and writes the report to DIR (default ./nnsim-demo).
--shared-scale    one colour scale per measure for every heatmap
--no-png          write the figures as SVG only (default: SVG and PNG)
--quiet           no progress bar
`,
  extract: EXTRACT_USAGE,
  matrix: `${MATRIX_USAGE}
${MEASURE_OPTIONS_HELP}
`,
  merge: MERGE_USAGE,
};

/** The default measure set, in this order, as far as they are registered. */
const PREFERRED = ['cka', 'procrustes', 'angular-shape', 'svcca', 'pwcca', 'rsa', 'knn-jaccard', 'distance-correlation'];

function eligible(info: MeasureInfo, haveLabels: boolean): boolean {
  // A measure that needs a matrix option (dCKA's input similarity) runs only when named with its option.
  return (
    info.domain === 'representational' &&
    info.arity === 'pair' &&
    (haveLabels || !info.requires.includes('labels')) &&
    !info.requires.includes('matrix')
  );
}

function defaultMeasureIds(haveLabels: boolean): string[] {
  const all = listMeasures().filter((m) => eligible(m, haveLabels));
  const preferred = PREFERRED.filter((id) => all.some((m) => m.id === id));
  return preferred.length > 0 ? preferred : all.filter((m) => !m.stochastic).map((m) => m.id);
}

function parseOptionValue(measure: string, key: string, spec: OptionSpec, text: string): unknown {
  switch (spec.type) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        throw new NnsimError('E_OPTION', `option '${key}' of measure '${measure}' must be a number; got '${text}'`, { measure });
      }
      return n;
    }
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw new NnsimError('E_OPTION', `option '${key}' of measure '${measure}' must be true or false; got '${text}'`, { measure });
    case 'enum':
      return text;
    case 'labels':
      throw new UsageError(`option '${key}' of measure '${measure}' takes labels: give them with --labels FILE`);
    case 'matrix':
      // An N × N matrix from a file (.npy, .npz#name, .safetensors#name), as the inputs are read.
      return toRepresentation(openArray(text));
    default:
      throw new UsageError(`option '${key}' of measure '${measure}' cannot be given on the command line; use the library API`);
  }
}

/** A measure left out of an implicit selection ('all', the default set): the data cannot meet its preconditions. */
interface SkippedMeasure {
  readonly measure: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Error codes that say the data does not meet a measure's preconditions (too few inputs, N > D where
 * a kernel must be invertible, zero variance, missing labels) rather than that something went wrong.
 * Measures picked implicitly are skipped on them; a measure named with --measure still fails.
 */
const PRECONDITION_CODES: ReadonlySet<string> = new Set(['E_TOO_FEW_ROWS', 'E_DEGENERATE', 'E_LABELS']);

interface MeasurePlan {
  readonly runs: MeasureRun[];
  /** The measures were picked by nnsim ('all' or the default set), not named one by one. */
  readonly implicit: boolean;
  readonly skipped: SkippedMeasure[];
}

/** Measure ids and --option flags → runs (key, id, options), and the measures skipped before running. */
function planMeasures(
  measureFlags: readonly string[],
  optionFlags: readonly string[],
  labels: Int32Array | undefined,
  rows: number,
): MeasurePlan {
  let ids = measureFlags.flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean);
  const implicit = ids.length === 0 || ids.includes('all');
  const skipped: SkippedMeasure[] = [];
  if (ids.includes('all')) {
    const all = listMeasures().filter((m) => eligible(m, true));
    for (const m of all.filter((info) => !eligible(info, labels !== undefined))) {
      skipped.push({ measure: m.id, code: 'E_LABELS', message: `${m.id} needs class labels: give them with --labels FILE` });
    }
    ids = [...all.filter((m) => eligible(m, labels !== undefined)).map((m) => m.id), ...ids.filter((id) => id !== 'all')];
  }
  if (ids.length === 0) ids = defaultMeasureIds(labels !== undefined);
  ids = [...new Set(ids)];
  // Measures picked implicitly that are undefined for this N are left out (and listed); a measure named
  // explicitly reports E_TOO_FEW_ROWS instead.
  if (implicit) {
    for (const id of ids.filter((i) => getMeasure(i).minRows > rows)) {
      skipped.push({ measure: id, code: 'E_TOO_FEW_ROWS', message: `${id} needs N ≥ ${getMeasure(id).minRows} inputs; there are ${rows}` });
    }
    ids = ids.filter((id) => getMeasure(id).minRows <= rows);
  }
  if (ids.length === 0) throw new NnsimError('E_TOO_FEW_ROWS', `no default measure is defined for N = ${rows} inputs; name one with --measure`);
  const infos = ids.map((id) => getMeasure(id));
  const options: Record<string, Record<string, unknown>> = Object.fromEntries(ids.map((id) => [id, {}]));
  for (const flag of optionFlags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--option expects KEY=VALUE or MEASURE.KEY=VALUE; got '${flag}'`);
    const target = flag.slice(0, eq);
    const text = flag.slice(eq + 1);
    const dot = target.indexOf('.');
    const measureId = dot > 0 ? target.slice(0, dot) : undefined;
    const key = dot > 0 ? target.slice(dot + 1) : target;
    if (measureId !== undefined && !ids.includes(measureId)) {
      throw new UsageError(`--option ${target}: measure '${measureId}' is not selected; add --measure ${measureId}`);
    }
    const targets = infos.filter((info) => (measureId === undefined ? Object.hasOwn(info.options, key) : info.id === measureId));
    if (targets.length === 0) {
      const suggestion = nearest(key, infos.flatMap((info) => Object.keys(info.options)));
      throw new UsageError(
        `--option ${key}: none of the selected measures (${ids.join(', ')}) has an option '${key}'` +
          (suggestion ? `; did you mean '${suggestion}'?` : "; see 'nnsim list'"),
      );
    }
    for (const info of targets) {
      const spec = Object.hasOwn(info.options, key) ? info.options[key] : undefined;
      // An unknown key for an explicitly named measure is reported by the library (with a suggestion).
      options[info.id]![key] = spec ? parseOptionValue(info.id, key, spec, text) : text;
    }
  }
  const runs = infos.map((info) => {
    const opts = { ...options[info.id]! };
    const labelKey = Object.entries(info.options).find(([, s]) => s.type === 'labels')?.[0];
    if (labelKey && labels) opts[labelKey] = labels;
    return { key: info.id, id: info.id, options: opts };
  });
  return { runs, implicit, skipped };
}

/** One stderr line per skipped measure. */
function reportSkipped(skipped: readonly SkippedMeasure[], io: Io): void {
  for (const s of skipped) io.err(printable(`nnsim: skipped ${s.measure} (${s.code}): ${s.message}`));
}

/** An option value as shown in reports: labels and matrices summarised, not dumped. */
function shownValue(value: unknown): unknown {
  if (value instanceof Int32Array) return `labels(${value.length})`;
  const m = value as Matrix | null;
  if (typeof m === 'object' && m !== null && m.data instanceof Float64Array) return `matrix(${m.rows} × ${m.cols})`;
  return value;
}

function shownOptions(run: MeasureRun): Record<string, unknown> {
  return Object.fromEntries(Object.entries(run.options).map(([k, v]) => [k, shownValue(v)]));
}

function parseReshape(value: string | undefined): Reshape | undefined {
  if (value === undefined) return undefined;
  if (parseReshapeName(value)) return value as Reshape;
  throw new UsageError(`--reshape must be ${RESHAPE_CHOICES}; got '${value}'`);
}

/** --layout flags → the layout of each side's 3-D and 4-D arrays ('nchw', 'a=nchw,b=nhwc', 'nchw,ntc'). */
function parseLayouts(flags: readonly string[] | undefined): { a: LayoutChoice; b: LayoutChoice } {
  const sides: { a: Record<number, Layout>; b: Record<number, Layout> } = { a: {}, b: {} };
  for (const item of (flags ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean)) {
    const m = /^(?:([abAB])=)?(.+)$/.exec(item)!;
    const name = m[2]!.toLowerCase();
    if (!Object.hasOwn(LAYOUTS, name)) {
      throw new UsageError(`--layout: unknown layout '${m[2]}'; use nchw or nhwc (4-D), nct or ntc (3-D), optionally as a=… or b=… for one side`);
    }
    const layout = name as Layout;
    const rank = LAYOUTS[layout].rank;
    for (const side of m[1] ? [m[1].toLowerCase() as 'a' | 'b'] : (['a', 'b'] as const)) {
      const before = sides[side][rank];
      if (before !== undefined && before !== layout) {
        throw new UsageError(`--layout: two layouts for the ${rank}-D arrays of ${side.toUpperCase()} ('${before}' and '${layout}')`);
      }
      sides[side][rank] = layout;
    }
  }
  return sides;
}

/** --layout and --reshape as the view of each side. */
function parseViews(values: { layout?: string[]; reshape?: string }): { a: ArrayView; b: ArrayView } {
  const reshape = parseReshape(values.reshape);
  const layouts = parseLayouts(values.layout);
  return { a: { reshape, layouts: layouts.a }, b: { reshape, layouts: layouts.b } };
}

function requireSameRows(a: { source: string; rows: number }, b: { source: string; rows: number }): void {
  if (a.rows !== b.rows) {
    throw new NnsimError(
      'E_SHAPE',
      `${a.source} has ${a.rows} rows but ${b.source} has ${b.rows}; rows are inputs, so both must hold the same inputs in the same order`,
    );
  }
}

function progressBar(enabled: boolean, label: string, unit = 'pairs'): { update(done: number, total: number): void; stop(): void } {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    // The cursor stays visible: the sweep is synchronous, so a SIGINT handler could only run after it
    // ends, and Ctrl-C must stop it at once (default action) without leaving the terminal's cursor hidden.
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} ${unit} · {eta_formatted} left`, hideCursor: false, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let drawn = 0;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
      // The sweep runs synchronously (the bar's own timer cannot fire): redraw at most 10 times a second.
      const now = Date.now();
      if (now - drawn >= 100 || done === total) {
        bar.render();
        drawn = now;
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

// ---------------------------------------------------------------------------------------------- list

function listCommand(args: string[], io: Io): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: false });
  const measures = listMeasures();
  if (values.json) {
    io.out(jsonDocument('list', { measures }));
    return 0;
  }
  for (const m of measures) {
    const options = Object.entries(m.options)
      .map(([k, s]) => {
        if ('default' in s && s.default !== undefined) return `${k}=${s.default === Math.E ? 'e' : String(s.default)}`;
        if (s.type === 'labels') return `${k} (labels: --labels FILE)`;
        if (s.type === 'function') return `${k} (a function: library only)`;
        if (s.type === 'matrix') return `${k} (N × N matrix: --option ${m.id}.${k}=FILE)`;
        if (s.type === 'enum') return `${k} (${s.values.join('|')})`;
        return k;
      })
      .join(', ');
    io.out(
      `${m.id}  ${m.name}\n  ${m.family}, ${m.domain}, ${m.kind} (${m.kind === 'similarity' ? 'higher' : 'lower'} = more similar), range ${rangeText(m.range)}` +
        `${m.symmetric ? '' : ', asymmetric'}${m.metric ? ', metric' : ''}${m.stochastic ? ', stochastic' : ''}${m.arity === 'group' ? ', group' : ''}` +
        `\n  invariances: ${m.invariances.join(', ') || 'none'}\n  options: ${options || 'none'}\n  reference: ${m.reference.citation}${m.reference.url ? ` ${m.reference.url}` : ''}\n`,
    );
  }
  return 0;
}

// ------------------------------------------------------------------------------------------- compare

/** Opens both arrays and checks their shapes from the headers, before any data is decoded. */
function openPair(specA: string, specB: string, views: { a: ArrayView; b: ArrayView }): [ArrayEntry, ArrayEntry, number] {
  const a = openArray(specA);
  const b = openArray(specB);
  const sa = matrixShape(a, views.a);
  const sb = matrixShape(b, views.b);
  requireSameRows({ source: a.source, rows: sa.rows }, { source: b.source, rows: sb.rows });
  return [a, b, sa.rows];
}

const COMMON = COMMON_FLAGS;

/** A random subset of the inputs chosen with --rows N --seed S. */
interface Subset {
  readonly indices: Int32Array;
  readonly rows: number;
  readonly of: number;
  readonly seed: number;
  readonly stratified: boolean;
}

function integerFlag(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > Number.MAX_SAFE_INTEGER) {
    throw new UsageError(`${flag} expects an integer ≥ ${min}; got '${text}'`);
  }
  return n;
}

/**
 * --rows/--seed → the subset of the `total` inputs (stratified by the labels when given), or none.
 * `seedUsed`: the command's --seed also seeds something else (compare's permutations and resamples).
 */
function chooseSubset(
  values: { rows?: string; seed?: string },
  total: number,
  labels: Int32Array | undefined,
  seedUsed = false,
): Subset | undefined {
  if (values.rows === undefined) {
    if (values.seed !== undefined && !seedUsed) throw new UsageError('--seed chooses the rows of --rows N; give --rows too');
    return undefined;
  }
  const rows = integerFlag('--rows', values.rows, 1);
  const seed = values.seed === undefined ? 0 : integerFlag('--seed', values.seed, 0);
  if (labels && labels.length !== total) {
    throw new NnsimError('E_LABELS', `the labels have ${labels.length} entries but the arrays have ${total} rows (inputs)`);
  }
  const indices = sampleRows(total, { rows, seed, labels });
  return { indices, rows: indices.length, of: total, seed, stratified: labels !== undefined };
}

function subsetText(subset: Subset): string {
  return `rows: a random subset of ${subset.rows} of the ${subset.of} inputs (--rows ${subset.rows} --seed ${subset.seed}` +
    `${subset.stratified ? ', stratified by label' : ''})`;
}

function subsetLabels(labels: Int32Array | undefined, subset: Subset | undefined): Int32Array | undefined {
  return labels && subset ? Int32Array.from(subset.indices, (i) => labels[i]!) : labels;
}

function subsetJson(subset: Subset | undefined): unknown {
  return subset ? { rows: subset.rows, of: subset.of, seed: subset.seed, stratified: subset.stratified } : null;
}

function parsePrecision(value: string | undefined): Precision {
  if (value === undefined || value === 'double' || value === 'single') return value ?? 'double';
  throw new UsageError(`--precision must be 'double' or 'single'; got '${value}'`);
}

/** Arrays of one compare call, loaded or streamed, with the measures' outcomes. */
interface Compared {
  readonly a: { source: string; shape: readonly number[]; rows: number; cols: number };
  readonly b: { source: string; shape: readonly number[]; rows: number; cols: number };
  readonly outcomes: Record<string, number | NnsimError>;
  readonly streamed?: { blocks: number; blockRows: number };
  /** The loaded arrays (not when streamed), for --permutations/--bootstrap. */
  readonly loaded?: { a: Matrix; b: Matrix };
}

function compareCommand(args: string[], io: Io): number | Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...INFERENCE_FLAGS,
      json: { type: 'boolean' },
      precision: { type: 'string' },
      stream: { type: 'boolean' },
      'input-shard': { type: 'string' },
      state: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError(`compare needs two arrays (A B); got ${positionals.length}. Run 'nnsim compare --help'`);
  if (values['input-shard'] !== undefined && values.state === undefined) {
    throw new UsageError("--input-shard needs --state FILE (where the shard's statistics are written for 'nnsim merge')");
  }
  const inputShard = values['input-shard'] !== undefined ? parseShard(values['input-shard'], process.env, '--input-shard') : undefined;
  const inference = inferenceFlags(values, (message) => new UsageError(message));
  const views = parseViews(values);
  const precision = parsePrecision(values.precision);
  const inMemoryOnly =
    values.rows !== undefined
      ? '--rows compares a random subset in memory'
      : values.labels !== undefined
        ? 'no streamable measure uses --labels'
        : inference !== undefined
          ? '--permutations/--bootstrap resample the rows in memory'
          : undefined;
  if (values.stream && inMemoryOnly) throw new UsageError(`--stream reads every row of A and B once; ${inMemoryOnly}: drop one of them`);
  if (values.state !== undefined && inMemoryOnly) throw new UsageError(`--state writes the statistics of streamed rows; ${inMemoryOnly}: drop one of them`);
  const allLabels = values.labels !== undefined ? readLabels(values.labels) : undefined;
  let plan: MeasurePlan | undefined;
  const planFor = (rows: number, labels: Int32Array | undefined): MeasurePlan =>
    (plan = planMeasures(values.measure ?? [], values.option ?? [], labels, rows));
  // Large inputs whose measures all stream are read block by block (cli-streaming.ts); a subset, labels,
  // inference and the rest are loaded.
  let subset: Subset | undefined;
  let compared: Compared | undefined;
  let streamedRun: StreamedCompare | undefined;
  if (!inMemoryOnly) {
    const bar = progressBar(!values.quiet && process.stderr.isTTY === true, 'nnsim compare', 'rows');
    try {
      const streamed = streamCompare(
        positionals[0]!,
        positionals[1]!,
        (rows) => planFor(rows, undefined).runs.map((r) => ({ id: r.id, options: r.options, key: r.key })),
        {
          views,
          precision,
          force: values.stream === true || values.state !== undefined,
          shard: inputShard,
          onProgress: (done, total) => bar.update(done, total),
        },
      );
      if (streamed) compared = { ...streamed, streamed: { blocks: streamed.blocks, blockRows: streamed.blockRows } };
      streamedRun = streamed;
    } finally {
      bar.stop();
    }
  }
  if (values.state !== undefined && streamedRun) {
    const paths: [string, string] = [splitSpec(positionals[0]!)[0], splitSpec(positionals[1]!)[0]];
    const samples = streamedRun.samples;
    const job = writeState(values.state, paths, streamedRun, inputShard, views, samples);
    const [begin, end] = job.range;
    const what = inputShard ? `input shard ${job.shard.index} of ${job.shard.count}: rows ${begin} … ${end - 1} of ${samples}` : `all ${samples} rows`;
    io.err(printable(`nnsim: wrote ${values.state} (${what}); merge the shards' states with 'nnsim merge STATE…'`));
    // A shard's values are those of its rows only: the merge prints the job's.
    if (inputShard && inputShard.count > 1) return 0;
  }
  if (!compared) {
    const [ea, eb, total] = openPair(positionals[0]!, positionals[1]!, views);
    // One --seed S seeds both the subset and the permutations/resamples.
    subset = chooseSubset(values, total, allLabels, inference !== undefined);
    const labels = subsetLabels(allLabels, subset);
    const runs = planFor(subset?.rows ?? total, labels).runs;
    // Float32 files stay float32 unless a subset or the inference (which resamples float64 rows) needs a copy.
    const load = (entry: ArrayEntry, view: ArrayView | undefined, name: string) =>
      subset
        ? takeRows(toRepresentation(entry, view), subset.indices, name)
        : inference
          ? toRepresentation(entry, view)
          : toSourceRepresentation(entry, view);
    const a = load(ea, views.a, 'A');
    const b = load(eb, views.b, 'B');
    if (labels && labels.length !== a.rows) {
      throw new NnsimError('E_LABELS', `${values.labels} has ${labels.length} labels but the arrays have ${a.rows} rows (inputs)`);
    }
    const outcomes = compareMany(
      runs.map((r) => ({ id: r.id, options: r.options, key: r.key })),
      a,
      b,
      { errors: 'return', precision },
    );
    compared = {
      a: { source: ea.source, shape: ea.shape, rows: a.rows, cols: a.cols },
      b: { source: eb.source, shape: eb.shape, rows: b.rows, cols: b.cols },
      outcomes,
      loaded: inference ? { a: a as Matrix, b: b as Matrix } : undefined,
    };
  }
  const { a, b, outcomes } = compared;
  const measures = plan!;
  // Picked by nnsim and undefined for this data: skipped, not failed.
  const skipped = [...measures.skipped];
  const runs = measures.runs.filter((r) => {
    const o = outcomes[r.key];
    if (!measures.implicit || typeof o === 'number' || !PRECONDITION_CODES.has((o as NnsimError).code)) return true;
    skipped.push({ measure: r.key, code: (o as NnsimError).code, message: (o as NnsimError).message });
    return false;
  });
  const failed = runs.filter((r) => typeof outcomes[r.key] !== 'number');
  if (measures.runs.length === 1 && failed.length === 1) throw outcomes[runs[0]!.key] as NnsimError;
  if (runs.length === 0) {
    reportSkipped(skipped, io);
    throw new NnsimError('E_DEGENERATE', 'none of the selected measures is defined for these arrays (see the lines above); name one with --measure');
  }
  const report = (extra?: Record<string, InferenceOutcome>): number => {
    if (values.json) {
      io.out(
        jsonDocument('compare', {
          a,
          b,
          subset: subsetJson(subset),
          streamed: compared.streamed ?? null,
          values: Object.fromEntries(runs.map((r) => [r.key, typeof outcomes[r.key] === 'number' ? outcomes[r.key] : null])),
          measures: runs.map((r) => ({ ...summarize({ ...r, options: shownOptions(r) }) })),
          errors: Object.fromEntries(
            failed.map((r) => {
              const e = outcomes[r.key] as NnsimError;
              return [r.key, { code: e.code, message: e.message }];
            }),
          ),
          skipped,
          ...(extra
            ? { inference: { ...inference, measures: Object.fromEntries(Object.entries(extra).map(([k, o]) => [k, inferenceJson(o)])) } }
            : {}),
        }),
      );
      reportSkipped(skipped, io);
    } else {
      const how = compared.streamed ? `   streamed in ${compared.streamed.blocks} blocks of ${compared.streamed.blockRows} rows` : '';
      io.out(`A: ${a.source} (${a.rows} × ${a.cols})   B: ${b.source} (${b.rows} × ${b.cols})${how}`);
      if (subset) io.out(subsetText(subset));
      const width = Math.max(...runs.map((r) => r.key.length), 7);
      for (const r of runs) {
        const o = outcomes[r.key];
        const { kind } = effectiveProperties(getMeasure(r.id), r.options);
        const text = typeof o === 'number' ? String(o) + inferenceText(extra?.[r.key]) : `error ${(o as NnsimError).code}: ${(o as NnsimError).message}`;
        io.out(`${r.key.padEnd(width)}  ${kind.padEnd(10)}  ${text}`);
      }
      reportSkipped(skipped, io);
    }
    return failed.length > 0 || Object.values(extra ?? {}).some((o) => o.error) ? 1 : 0;
  };
  if (!inference || !compared.loaded) return report();
  const bar = progressBar(!values.quiet && process.stderr.isTTY === true, 'nnsim compare', 'permutations/resamples');
  const ok = runs.filter((r) => typeof outcomes[r.key] === 'number');
  return runInference(ok, compared.loaded.a, compared.loaded.b, inference, (done, total) => bar.update(done, total))
    .finally(() => bar.stop())
    .then(report);
}

// ------------------------------------------------------------------------------------------ pairwise

function loadSide(spec: string, view: ArrayView, filter: LayerFilter, io?: Io): { entries: ArrayEntry[]; rows: number[]; ids: ArrayEntry | undefined } {
  const model = openModel(spec);
  const { layers, skipped } = selectLayers(spec, model.layers, filter);
  if (skipped.length > 0) io?.err(printable(`nnsim: note: ${spec}: skipped ${skipped.join(', ')} (not inputs × features)`));
  return { entries: layers, rows: layers.map((e) => matrixShape(e, view).rows), ids: model.ids };
}

function decodeSide(source: string, label: string, entries: readonly ArrayEntry[], view: ArrayView, subset?: Subset): Side {
  const layers: Layer[] = entries.map((e) => {
    const matrix = subset ? takeRows(toRepresentation(e, view), subset.indices, e.source) : toRepresentation(e, view);
    return { name: e.name, shape: e.shape, rows: matrix.rows, cols: matrix.cols, matrix };
  });
  return { source, label, layers };
}

/**
 * Opens both models' layers and checks every layer's N against the others' before decoding; when both
 * files carry sample ids, they must be the same ids in the same order.
 */
function openSides(specA: string, specB: string, views: { a: ArrayView; b: ArrayView }, filter: LayerFilter = {}, io?: Io): [ArrayEntry[], ArrayEntry[], number] {
  const a = loadSide(specA, views.a, filter, io);
  const b = loadSide(specB, views.b, filter, io);
  const all = [...a.entries.map((e, i) => ({ source: e.source, rows: a.rows[i]! })), ...b.entries.map((e, i) => ({ source: e.source, rows: b.rows[i]! }))];
  for (const x of all) requireSameRows(all[0]!, x);
  // Ids are per input: dimension 0 of every layer (rows can be N·positions after --reshape positions).
  const samples = a.entries[0]?.shape[0] ?? 0;
  const idsA = a.ids && readIds(a.ids, samples);
  const idsB = b.ids && readIds(b.ids, samples);
  if (idsA && idsB) requireSameIds({ source: a.ids!.source, ids: idsA }, { source: b.ids!.source, ids: idsB });
  return [a.entries, b.entries, all[0]!.rows];
}

function sameSource(specA: string, specB: string): boolean {
  try {
    const [pathA, nameA] = specA.split('#');
    const [pathB, nameB] = specB.split('#');
    return nameA === nameB && realpathSync(pathA!) === realpathSync(pathB!);
  } catch {
    return false;
  }
}

const REPORT_FLAGS = {
  'shared-scale': { type: 'boolean' },
  'no-png': { type: 'boolean' },
} as const;

/** --name A=NAME / B=NAME over the default names (the files' stems). */
function modelNames(flags: readonly string[], specA: string, specB: string): [string, string] {
  const names = defaultModelNames(specA, specB);
  for (const flag of flags) {
    const match = /^([AaBb])=(.*)$/s.exec(flag);
    const name = match?.[2]?.trim() ?? '';
    if (!match || name === '') throw new UsageError(`--name expects A=NAME or B=NAME; got '${flag}'`);
    if (printable(name) !== name) throw new UsageError(`--name ${match[1]}: the name must be printable text; got '${printable(name)}'`);
    names[match[1]!.toUpperCase() === 'A' ? 0 : 1] = name;
  }
  return names;
}

function pngWarning(io: Io, written: WrittenReport): void {
  if (written.pngError) io.err(printable(`nnsim: warning: figures written as SVG only: ${written.pngError.message}`));
}

function pairwiseCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    options: { ...COMMON, ...REPORT_FLAGS, ...LAYER_FILTER_FLAGS, ...INFERENCE_FLAGS, fdr: { type: 'string' }, out: { type: 'string' }, name: { type: 'string', multiple: true } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError(`pairwise needs two models (A B); got ${positionals.length}. Run 'nnsim pairwise --help'`);
  if (!values.out) throw new UsageError('pairwise needs --out DIR (where the report is written)');
  const views = parseViews(values);
  const [nameA, nameB] = modelNames(values.name ?? [], positionals[0]!, positionals[1]!);
  const allLabels = values.labels !== undefined ? readLabels(values.labels) : undefined;
  const inference = inferenceFlags(values, (message) => new UsageError(message));
  const fdr = fdrFlag(values.fdr, inference, (message) => new UsageError(message));
  if (inference) inferenceSettings('nnsim pairwise', { ...inference });
  const [entriesA, entriesB, allRows] = openSides(positionals[0]!, positionals[1]!, views, layerFilter(values), io);
  // One --seed S seeds both the subset and the permutations/resamples.
  const subset = chooseSubset(values, allRows, allLabels, inference !== undefined);
  const labels = subsetLabels(allLabels, subset);
  const rows = subset?.rows ?? allRows;
  const plan = planMeasures(values.measure ?? [], values.option ?? [], labels, rows);
  const a = decodeSide(positionals[0]!, 'A', entriesA, views.a, subset);
  // One model against itself: one set of prepared layers, symmetric measures mirrored.
  const sameLayouts = JSON.stringify(views.a.layouts) === JSON.stringify(views.b.layouts);
  const b = sameSource(positionals[0]!, positionals[1]!) && sameLayouts ? a : decodeSide(positionals[1]!, 'B', entriesB, views.b, subset);
  if (labels && labels.length !== rows) {
    throw new NnsimError('E_LABELS', `${values.labels} has ${labels.length} labels but the layers have ${rows} rows (inputs)`);
  }
  const bar = progressBar(!values.quiet && process.stderr.isTTY === true, 'nnsim pairwise');
  let result;
  try {
    result = runPairwise(a, b, plan.runs, (done, total) => bar.update(done, total), inference && { ...flagSettings(inference), fdr });
  } finally {
    bar.stop();
  }
  const total = a.layers.length * b.layers.length;
  const isPrecondition = (e: { code: string }): boolean => plan.implicit && PRECONDITION_CODES.has(e.code);
  // Picked by nnsim and undefined for every layer pair: skipped and left out of the report.
  const skipped = [...plan.skipped];
  for (const m of result.measures) {
    const failed = result.errors.filter((e) => e.measure === m.key);
    if (failed.length === total && failed.every(isPrecondition)) skipped.push({ measure: m.key, code: failed[0]!.code, message: failed[0]!.message });
  }
  const skippedKeys = new Set(skipped.map((s) => s.measure));
  result = {
    ...result,
    measures: result.measures.filter((m) => !skippedKeys.has(m.key)),
    values: Object.fromEntries(Object.entries(result.values).filter(([key]) => !skippedKeys.has(key))),
    errors: result.errors.filter((e) => !skippedKeys.has(e.measure)),
  };
  if (result.measures.length === 0) {
    reportSkipped(skipped, io);
    throw new NnsimError('E_DEGENERATE', 'none of the selected measures is defined for these layers (see the lines above); name one with --measure');
  }
  const shown = {
    ...result,
    a: { ...result.a, label: nameA },
    b: { ...result.b, label: nameB },
    subset: subsetJson(subset),
    measures: result.measures.map((m) => ({ ...m, options: shownOptions(m) })), skipped };
  const dir = resolve(values.out);
  const title = `${nameA} vs ${nameB}`;
  const written = writeReport(dir, {
    title: `nnsim: ${title}`,
    comparisons: [
      {
        title,
        description:
          `${a.layers.length} × ${b.layers.length} layers, N = ${rows} inputs${subset ? ` (${subsetText(subset)})` : ''}.` +
          (inference ? ` ${inferenceNote({ ...inference, fdr }, 'layer pair', result.inference!.family.replace(/^Benjamini–Hochberg over /, ''))}` : ''),
        folder: '',
        result: shown,
      },
    ],
    sharedScale: values['shared-scale'] === true,
    png: values['no-png'] !== true,
    command: `nnsim pairwise ${args.join(' ')}`,
  });
  // One line per failing measure: how many pairs, and the first reason.
  reportSkipped(skipped, io);
  for (const m of result.measures) {
    const failed = result.errors.filter((e) => e.measure === m.key);
    if (failed.length === 0) continue;
    const first = failed[0]!;
    io.err(
      printable(`nnsim: ${m.key}: ${failed.length} of ${total} layer pairs not computed (first: ${first.layerA} × ${first.layerB}, ${first.code}: ${first.message})`),
    );
  }
  for (const s of result.inference?.skipped ?? []) {
    io.err(printable(`nnsim: note: ${s.measure}: no ${s.part === 'permutation' ? 'permutation test' : 'bootstrap'} (${s.code}: ${s.message})`));
  }
  const untested = result.inference?.errors ?? [];
  for (const m of result.measures) {
    const failed = untested.filter((e) => e.measure === m.key);
    if (failed.length > 0) {
      io.err(printable(`nnsim: ${m.key}: inference failed for ${failed.length} layer pairs (first: ${failed[0]!.layerA} × ${failed[0]!.layerB}, ${failed[0]!.code}: ${failed[0]!.message})`));
    }
  }
  pngWarning(io, written);
  const index = relative(process.cwd(), join(dir, 'index.html'));
  if (subset) io.out(`nnsim: ${subsetText(subset)}`);
  io.out(`nnsim: wrote ${index.startsWith('..') ? join(dir, 'index.html') : index} (${result.measures.length} measures × ${a.layers.length} × ${b.layers.length} layers)`);
  // Layer pairs where an implicitly picked measure is undefined (N ≤ D for some layers …) are left blank.
  return result.errors.some((e) => !isPrecondition(e)) || untested.length > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------- demo

interface DemoMeta {
  readonly inputs: number;
  readonly models: readonly { folder: string; title: string; testAccuracy: number }[];
  readonly layers: readonly string[];
}

/**
 * Functional measures of the registry (if any) on the networks' logits. Measures that need inputs the
 * demo does not have (gradients, adversarial examples, a forward function) are listed, not computed.
 */
function functionalTable(dataDir: string, models: DemoMeta['models'], labels: Int32Array): { html: string; json: unknown[] } {
  const functional = listMeasures({ domain: 'functional' }).filter((m) => m.arity === 'pair');
  if (functional.length === 0) return { html: '', json: [] };
  const logits = (folder: string): Matrix => toRepresentation(openArray(join(dataDir, folder, 'logits.npy')));
  const reference = logits(models[0]!.folder);
  const json: unknown[] = [];
  const skipped = new Map<string, string>();
  // Only the families whose input is the model's outputs: gradient/adversarial measures take other
  // matrices (input gradients, predictions on adversarial inputs) and stitching a forward function.
  const onOutputs = new Set(['performance', 'hard-predictions', 'soft-predictions']);
  for (const m of functional) if (!onOutputs.has(m.family)) skipped.set(m.id, `${m.family}: needs more than the logits`);
  const others = models.slice(1);
  const values = new Map<string, number[]>();
  others.forEach((other, k) => {
    const b = logits(other.folder);
    for (const m of functional.filter((f) => onOutputs.has(f.family) && !skipped.has(f.id))) {
      const options: Record<string, unknown> = {};
      for (const [key, spec] of Object.entries(m.options)) {
        if (spec.type === 'labels') options[key] = labels;
        if (spec.type === 'enum' && key === 'input' && spec.values.includes('logits')) options[key] = 'logits';
      }
      let outcome: number | NnsimError | undefined;
      try {
        outcome = compareMany([{ id: m.id, options }], reference, b, { errors: 'return' })[m.id];
      } catch (error) {
        if (!(error instanceof NnsimError)) throw error;
        outcome = error;
      }
      if (typeof outcome !== 'number') {
        skipped.set(m.id, outcome instanceof NnsimError ? outcome.message : 'not computed');
        values.delete(m.id);
        continue;
      }
      json.push({ measure: m.id, kind: m.kind, a: models[0]!.folder, b: other.folder, options: { ...options, labels: undefined }, value: outcome });
      const row = values.get(m.id) ?? [];
      row[k] = outcome;
      values.set(m.id, row);
    }
  });
  const rows = functional
    .filter((m) => values.has(m.id))
    .map(
      (m) =>
        `<tr><td><code>${escapeXml(m.id)}</code></td><td>${escapeXml(m.name)}</td><td><span class="badge ${m.kind}">${m.kind}: ${
          m.kind === 'similarity' ? 'higher' : 'lower'
        } = more similar</span></td>` +
        others.map((_, k) => {
          const v = values.get(m.id)![k]!;
          return `<td class="num" title="${v}">${Number(v.toPrecision(4))}</td>`;
        }).join('') +
        '</tr>',
    );
  const header = `<tr><th>id</th><th>measure</th><th>kind</th>${others.map((o) => `<th>vs ${escapeXml(o.title)}</th>`).join('')}</tr>`;
  const note = skipped.size
    ? `<p class="note">Not computed here (they need inputs the demo does not ship, such as gradients, adversarial examples or a forward function): ${[...skipped.entries()]
        .map(([id, why]) => `<code title="${escapeXml(why)}">${escapeXml(id)}</code>`)
        .join(', ')}.</p>`
    : '';
  const html =
    `<h2>Functional measures on the logits</h2><p class="note">The same ${reference.rows} test inputs: the outputs (logits, with the true labels where a measure needs them) of ${escapeXml(
      models[0]!.title,
    )} against each other model.</p>` +
    (rows.length ? `<table>${header}${rows.join('')}</table>` : '') +
    note;
  return { html, json };
}

function demoCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    options: { ...REPORT_FLAGS, out: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`demo takes no arguments; got '${positionals[0]}'`);
  const dataDir = join(PACKAGE_ROOT, 'data', 'demo');
  if (!existsSync(join(dataDir, 'meta.json'))) throw new NnsimError('E_FILE', `${dataDir}: demo data is missing; reinstall nnsim`);
  const meta = JSON.parse(readFileSync(join(dataDir, 'meta.json'), 'utf8')) as DemoMeta;
  const labels = readLabels(join(dataDir, 'labels.npy'));
  const { runs } = planMeasures([], [], undefined, meta.inputs);
  const dir = resolve(values.out ?? 'nnsim-demo');
  mkdirSync(dir, { recursive: true });
  const reference = meta.models[0]!;
  const comparisons: ReportComparison[] = [];
  const bar = progressBar(!values.quiet && process.stderr.isTTY === true, 'nnsim demo');
  const pairsPerSweep = meta.layers.length * meta.layers.length;
  try {
    meta.models.slice(1).forEach((other, k) => {
      const [entriesA, entriesB] = openSides(join(dataDir, reference.folder), join(dataDir, other.folder), { a: {}, b: {} });
      const a = decodeSide(join(dataDir, reference.folder), reference.title, entriesA, {});
      const b = decodeSide(join(dataDir, other.folder), other.title, entriesB, {});
      const result = runPairwise(a, b, runs, (done) => bar.update(k * pairsPerSweep + done, (meta.models.length - 1) * pairsPerSweep));
      const shown = {
        ...result,
        a: { ...result.a, source: `data/demo/${reference.folder}` },
        b: { ...result.b, source: `data/demo/${other.folder}` },
        measures: result.measures.map((m) => ({ ...m, options: shownOptions(m) })),
      };
      comparisons.push({
        title: `${reference.title} vs ${other.title}`,
        description: `Test accuracy ${(100 * reference.testAccuracy).toFixed(1)}% vs ${(100 * other.testAccuracy).toFixed(1)}%.`,
        folder: `${reference.folder}-vs-${other.folder}`,
        result: shown,
      });
    });
  } finally {
    bar.stop();
  }
  const functional = functionalTable(dataDir, meta.models, labels);
  if (functional.json.length > 0) writeFileSync(join(dir, 'functional.json'), jsonDocument('functional', { results: functional.json }) + '\n');
  const intro =
    `Three small MLPs (64 → ${meta.layers.length - 1} hidden ReLU layers → 10 logits) trained on the UCI handwritten digits ` +
    `(Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, CC BY 4.0), ` +
    `compared layer by layer on ${meta.inputs} held-out test images: two networks that differ only in their random seed, ` +
    `and one trained on shuffled labels (it memorises noise, so its layers should resemble the others' less).`;
  const written = writeReport(dir, {
    title: 'nnsim demo: digits MLPs',
    intro,
    comparisons,
    sharedScale: values['shared-scale'] === true,
    png: values['no-png'] !== true,
    extraHtml: functional.html,
    command: `nnsim demo${values['shared-scale'] ? ' --shared-scale' : ''}`,
  });
  pngWarning(io, written);
  io.out(`nnsim demo: wrote ${join(dir, 'index.html')} (open it in a browser); data in ${dir}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------- main

function matrixContext(): MatrixCommandContext {
  return {
    progress: progressBar,
    usage: (message) => new UsageError(message),
    planMeasures: (measures, options, labels, rows) => planMeasures(measures, options, labels, rows),
    reportSkipped: (skipped, io) => reportSkipped(skipped, io),
    view: (values) => parseViews(values).a,
  };
}

/** Runs the CLI; returns the exit code (a promise of it for `extract`, which runs asynchronously). */
export function main(argv: readonly string[], io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) }): number | Promise<number> {
  const [command, ...rest] = argv;
  const usage = (): string => USAGE;
  try {
    if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
      const own = COMMAND_USAGE[command];
      io.out(own ? own.replace('{DEFAULTS}', defaultMeasureIds(false).join(', ')) : usage());
      return 0;
    }
    switch (command) {
      case undefined:
        io.err(usage());
        return 2;
      case 'help':
      case '--help':
      case '-h':
        io.out(usage());
        return 0;
      case '--version':
      case '-v':
      case 'version':
        io.out(nnsimVersion());
        return 0;
      case 'list':
        return listCommand(rest, io);
      case 'compare': {
        const code = compareCommand(rest, io);
        return typeof code === 'number' ? code : code.catch((error: unknown) => failure(error, io));
      }
      case 'pairwise':
        return pairwiseCommand(rest, io);
      case 'demo':
        return demoCommand(rest, io);
      case 'matrix':
        return matrixCommand(rest, io, matrixContext()).catch((error: unknown) => failure(error, io));
      case 'merge':
        return mergeCommand(rest, io, matrixContext()).catch((error: unknown) => failure(error, io));
      case 'extract':
        return extractCommand(rest, io, {
          progress: (enabled) => progressBar(enabled, 'nnsim extract', 'inputs'),
          usage: (message) => new UsageError(message),
        }).catch((error: unknown) => failure(error, io));
      default:
        throw new UsageError(`unknown command '${command}'; commands: compare, pairwise, matrix, merge, extract, list, demo (nnsim --help)`);
    }
  } catch (error) {
    return failure(error, io);
  }
}

/** The exit code of an error, after printing it as one line. */
function failure(error: unknown, io: Io): number {
  if (process.env.NNSIM_DEBUG) io.err(String((error as Error)?.stack ?? error));
  if (error instanceof NnsimError) {
    // Library messages point to library calls; on the command line the equivalent is a command.
    const message = error.message.replace('listMeasures() lists them all.', "'nnsim list' lists them all.");
    io.err(`nnsim: ${printable(message)} [${error.code}]`);
    return 1;
  }
  if (error instanceof UsageError) {
    io.err(`nnsim: ${printable(error.message)}`);
    return 2;
  }
  // parseArgs errors (unknown flag, missing value) are usage errors too.
  const code = (error as { code?: string })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.err(`nnsim: ${printable((error as Error).message.split('\n')[0]!)} (nnsim --help)`);
    return 2;
  }
  io.err(`nnsim: internal error: ${printable(String((error as Error)?.message ?? error))} — please report it (NNSIM_DEBUG=1 shows the stack)`);
  return 70;
}

function isEntryPoint(): boolean {
  // Through npm's bin link argv[1] is a symlink to this file.
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  else void code.then((c) => (process.exitCode = c));
}
