/**
 * `nnsim matrix`: many models (or every layer of many models) in one K × K matrix per measure, one run
 * or sharded (`--shard i/n`, part files), and `nnsim merge`, which checks the parts and writes exactly
 * what the unsharded run writes. Both end in {@link finishMatrix}: the unsharded run hands it its cells
 * as the merge does, so results.json is the same file byte for byte.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { COMMON_FLAGS } from './cli-flags.js';
import { printMergedStates, statePaths } from './cli-input-shard.js';
import { compareMatrix, describeMeasures } from './compare-matrix.js';
import { NnsimError } from './errors.js';
import { printable } from './io/array.js';
import { type ArrayEntry, type ArrayView, matrixShape, openArray, openModel, readIds, readLabels, toRepresentation } from './io/load.js';
import { nnsimVersion as installedVersion } from './json-output.js';
import { LAYER_FILTER_FLAGS, type SampleIds, layerFilter, pickLayer, requireSameIds, selectLayers } from './io/select.js';
import type { Matrix } from './matrix.js';
import { getConfig } from './runtime.js';
import { modelNameOf } from './report/labels.js';
import { type MatrixErrorRecord, type MatrixReportMeasure, type MatrixTable, writeMatrixReport } from './report/matrix.js';
import { type MeasureRun, summarize } from './report/pairwise.js';
import { escapeXml } from './report/svg.js';
import { nullLegend, nullMarks } from './report/figures.js';
import { fileSignature, filesOf, hashJson, parseShard, planShards } from './shards.js';
import { INFERENCE_FLAGS, type InferenceFlags, fdrFlag, flagSettings, inferenceFlags, inferenceNote } from './inference/cli.js';
import { FALSE_DISCOVERY_FAMILY, inferenceSettings, matrixQValues, skippedParts } from './inference/matrix.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

interface SkippedMeasure {
  readonly measure: string;
  readonly code: string;
  readonly message: string;
}

/** What the command line lends these subcommands (shared with compare and pairwise). */
export interface MatrixCommandContext {
  progress(enabled: boolean, label: string, unit?: string): ProgressBar;
  /** A mistake in the command line itself (exit code 2). */
  usage(message: string): Error;
  /** --measure/--option/--labels → measure runs, as compare and pairwise plan them (and those skipped). */
  planMeasures(
    measures: readonly string[],
    options: readonly string[],
    labels: Int32Array | undefined,
    rows: number,
  ): { readonly runs: readonly MeasureRun[]; readonly skipped: readonly SkippedMeasure[] };
  /** One stderr line per measure skipped before running. */
  reportSkipped(skipped: readonly SkippedMeasure[], io: Io): void;
  /** --layout/--reshape → how every model's arrays become matrices. */
  view(values: { layout?: string[]; reshape?: string }): ArrayView;
}

export const MATRIX_USAGE = `Usage: nnsim matrix MODEL MODEL… --out DIR [--layer NAME|/REGEX/ | --all-layers [--reduce diagonal|max|mean]]
             [--measure ID …] [--option K=V …] [--labels FILE] [--include REGEX] [--exclude REGEX] [--ids FILE …]
             [--name NAME …] [--layout L] [--reshape R] [--cluster] [--shard i/n|auto] [--shared-scale] [--no-png] [--quiet]
             [--permutations N] [--bootstrap N] [--seed S] [--fdr Q]

A MODEL is a .npy/.npz/.safetensors file or a folder of per-layer .npy files; every MODEL holds the same
inputs in the same order (checked against 'ids' tensors or --ids files). Writes one K × K matrix per
measure (heatmap, MDS map for metrics), results.json, results.csv and index.html into --out.
--layer NAME|/REGEX/  the layer of each model (exactly one must match; /…/ searches the name)
--all-layers          every layer of every model is a row (model/layer)
--reduce R            with --all-layers: each model × model block of layers → one value: diagonal (mean
                      over layer l vs layer l), max (the most similar layer pair), mean (mean of the block)
--include/--exclude   regular expressions on layer names (arrays of fewer than two dimensions are skipped)
--ids FILE            sample ids of a model (once per model, in order; '-' = the file's own 'ids')
--name NAME           model names (once per model, in order; default: the file or folder names)
--cluster             rows in average-linkage clustering order
--shard i/n           compute shard i (0-based) of n and write part-i-of-n.json into --out; 'auto' reads
                      SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (or JOB_COMPLETION_INDEX/NNSIM_SHARD_COUNT);
                      then 'nnsim merge DIR --out REPORT' (deploy/slurm/ has the array-job scripts)
--permutations N      permutation test of every off-diagonal cell (N random re-pairings of the inputs):
                      pValue = (1 + #{at least as extreme}) / (1 + N), and qValue = Benjamini–Hochberg over
                      each measure's tested cells of the matrix (off-diagonal; each unordered pair once for
                      a symmetric measure; computed after merging the shards)
--bootstrap N         95 % bootstrap interval (lower, upper) and standardError of every off-diagonal cell
                      from N resamples of the inputs (half-size subsamples where duplicated rows break)
--seed S              seed of the draws (default 0); a cell's own seed comes from S and the names of its
                      row and column only, so shards and a single run agree
--fdr Q               the report hatches cells with qValue > Q (default 0.05): not different from a random
                      pairing of the inputs
                      These are in results.json ('inference': settings, family, tests, values[measure]
                      [pValue|qValue|lower|upper|standardError][row][col], errors, skipped) and are columns
                      of results.csv; hover a cell of the report for value; [lower, upper], p = …, q = ….`;

export const MERGE_USAGE = `Usage: nnsim merge DIR|PART… --out DIR [--no-png] [--quiet]
       nnsim merge STATE… [--json]

Checks that the part files of a sharded 'nnsim matrix … --shard i/n' run are all there (0 … n−1), none
twice, all from the same job (inputs, layers, measures, options, nnsim version) and undamaged, then writes
exactly what the unsharded run writes (results.json byte for byte).

Given the .safetensors states of an input-sharded 'nnsim compare A B … --input-shard i/n --state FILE'
(files, or a folder holding them), checks them the same way and prints the values of all rows, as
'nnsim compare' prints them (the exact statistics of all N rows: equal to a single streamed run to
rounding).
`;

const REDUCTIONS = ['diagonal', 'max', 'mean'] as const;
type Reduction = (typeof REDUCTIONS)[number];

/** Everything that defines a run's output: identical in every shard of one job (its fingerprint covers it). */
interface MatrixJob {
  readonly inputs: number;
  readonly models: { readonly name: string; readonly source: string }[];
  readonly rows: {
    readonly name: string;
    readonly model: number;
    readonly layer: string;
    readonly source: string;
    readonly shape: readonly number[];
    readonly cols: number;
  }[];
  readonly measures: {
    readonly key: string;
    readonly id: string;
    readonly options: Readonly<Record<string, unknown>>;
    readonly kind: 'similarity' | 'distance';
    /** JSON: null for an infinite end. */
    readonly range: readonly [number | null, number | null];
    readonly symmetric: boolean;
    readonly metric: boolean;
  }[];
  readonly layout: readonly string[];
  readonly reshape: string | null;
  readonly allLayers: boolean;
  readonly idsChecked: boolean;
  readonly reduce: Reduction | null;
  readonly cluster: boolean;
  readonly sharedScale: boolean;
  /** --permutations/--bootstrap/--seed (null without them) and the --fdr level of the report's marks. */
  readonly inference?: (InferenceFlags & { readonly fdr: number }) | null;
}

/** The per-cell inference results (p-value, interval) of a cell, as results.json and the CSV name them. */
const CELL_EXTRAS = ['pValue', 'lower', 'upper', 'standardError'] as const;

/** One computed (or failed) cell: row against column by one measure. */
interface Cell {
  readonly row: number;
  readonly col: number;
  readonly measure: string;
  readonly value?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly pValue?: number;
  readonly lower?: number;
  readonly upper?: number;
  readonly standardError?: number;
  /** Why the cell's permutation test or bootstrap failed (its value is computed). */
  readonly inferenceError?: { readonly code: string; readonly message: string };
}

const PART_FORMAT = 'nnsim-matrix-part';
const PART_VERSION = 1;
const PART_NAME = /^part-(\d+)-of-(\d+)\.json$/;

interface PartFile {
  readonly format: typeof PART_FORMAT;
  readonly formatVersion: number;
  readonly nnsimVersion: string;
  readonly fingerprint: string;
  readonly shard: { readonly index: number; readonly count: number };
  /** BLAS threads the shard ran with: values are bit-identical only for equal thread counts. */
  readonly threads: number;
  readonly files: readonly { readonly file: string; readonly size: number; readonly head: string }[];
  readonly job: MatrixJob;
  readonly cellsHash: string;
  readonly cells: readonly Cell[];
}

// ------------------------------------------------------------------------------------ models, rows

interface OpenedModel {
  readonly spec: string;
  readonly name: string;
  readonly layers: ArrayEntry[];
  readonly ids: ArrayEntry | undefined;
}

interface Row {
  readonly name: string;
  readonly model: number;
  readonly entry: ArrayEntry;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Names of K models: --name flags in order, else the file or folder stems; equal stems grow the parent
 * folders that tell them apart (run1/acts, run2/acts).
 */
function modelNames(specs: readonly string[], flags: readonly string[], ctx: MatrixCommandContext): string[] {
  if (flags.length > 0 && flags.length !== specs.length) {
    throw ctx.usage(`--name is given ${flags.length} times for ${specs.length} models; give it once per model, in order`);
  }
  const parts = specs.map((s) => s.split('#')[0]!.replace(/[/\\]+$/, '').split(/[/\\]+/));
  const names = flags.length > 0 ? flags.map((f) => f.trim()) : specs.map((s) => modelNameOf(s));
  if (flags.length === 0) {
    for (let depth = 2; depth <= Math.max(...parts.map((p) => p.length)); depth++) {
      const clash = names.map((n) => names.filter((m) => m === n).length > 1);
      if (!clash.includes(true)) break;
      names.forEach((_, k) => {
        if (clash[k]) names[k] = [...parts[k]!.slice(-depth, -1), modelNameOf(specs[k]!)].join('/');
      });
    }
  }
  names.forEach((n, k) => {
    if (n === '' || printable(n) !== n) throw ctx.usage(`--name: model ${k + 1} needs a printable name; got '${printable(n)}'`);
    const first = names.indexOf(n);
    if (first !== k) throw ctx.usage(`models ${first + 1} and ${k + 1} are both named '${n}'; tell them apart with --name (once per model)`);
  });
  return names;
}

function chooseRows(
  models: readonly OpenedModel[],
  values: { layer?: string; 'all-layers'?: boolean },
  view: ArrayView,
): Row[] {
  const rows: Row[] = [];
  const add = (m: number, entry: ArrayEntry, name: string): void => {
    const shape = matrixShape(entry, view);
    rows.push({ name, model: m, entry, rows: shape.rows, cols: shape.cols });
  };
  models.forEach((model, m) => {
    if (values['all-layers']) {
      for (const entry of model.layers) add(m, entry, `${model.name}/${entry.name}`);
    } else if (values.layer !== undefined) {
      add(m, pickLayer(model.spec, model.layers, values.layer), model.name);
    } else if (model.layers.length === 1) {
      add(m, model.layers[0]!, model.name);
    } else {
      const names = model.layers.map((l) => l.name);
      throw new NnsimError(
        'E_FILE',
        `${model.spec}: holds ${model.layers.length} layers (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}); pick one with --layer NAME (or /REGEX/), or compare all with --all-layers`,
      );
    }
  });
  // Every row must hold the same N inputs (after --reshape positions: the same N · positions).
  for (const r of rows) {
    if (r.rows !== rows[0]!.rows) {
      throw new NnsimError(
        'E_SHAPE',
        `${r.entry.source} has ${r.rows} rows but ${rows[0]!.entry.source} has ${rows[0]!.rows}; rows are inputs, so every model must hold the same inputs in the same order (leave other arrays out with --exclude)`,
      );
    }
  }
  return rows;
}

/** Every model's sample ids (--ids files, else an 'ids' tensor in its file) must agree position by position. */
function checkIds(models: readonly OpenedModel[], rows: readonly Row[], flags: readonly string[], ctx: MatrixCommandContext): boolean {
  if (flags.length > 0 && flags.length !== models.length) {
    throw ctx.usage(`--ids is given ${flags.length} times for ${models.length} models; give it once per model, in order ('-' for a model whose file holds its own ids)`);
  }
  const known: SampleIds[] = [];
  models.forEach((model, m) => {
    const row = rows.find((r) => r.model === m);
    if (!row) return;
    const flag = flags[m];
    const entry = flag !== undefined && flag !== '-' ? openArray(flag) : model.ids;
    if (!entry) return;
    known.push({ source: entry.source, ids: readIds(entry, row.entry.shape[0]!) });
  });
  for (const other of known.slice(1)) requireSameIds(known[0]!, other);
  return known.length > 1;
}

/** Files whose content defines the job: every selected layer's file, --ids and --labels files. */
function jobFiles(rows: readonly Row[], models: readonly OpenedModel[], extra: readonly string[]): string[] {
  const files = new Set<string>();
  for (const r of rows) {
    const spec = models[r.model]!.spec;
    let isFolder = false;
    try {
      isFolder = statSync(spec).isDirectory();
    } catch {
      isFolder = false;
    }
    // A folder's layers are separate .npy files (their source is the path); otherwise the model's file.
    files.add(isFolder ? r.entry.source : fileOfSpec(spec));
  }
  for (const f of extra) files.add(fileOfSpec(f));
  return [...files];
}

function fileOfSpec(spec: string): string {
  try {
    if (statSync(spec).isFile()) return spec;
  } catch {
    // `path#name`
  }
  const hash = spec.lastIndexOf('#');
  return hash > 0 ? spec.slice(0, hash) : spec;
}

// -------------------------------------------------------------------------------------- computing

/**
 * The cells of `pairs` (unordered, global row indices), computed on the worker pool. `entries` are the
 * rows' arrays; each is dropped once decoded (it holds its file's bytes), each matrix once no pending
 * pair needs it.
 */
function computeCells(
  job: MatrixJob,
  entries: (ArrayEntry | undefined)[],
  runs: readonly MeasureRun[],
  view: ArrayView,
  pairs: readonly [number, number][],
  bar: ProgressBar,
): Cell[] {
  const needed = [...new Set(pairs.flat())].sort((x, y) => x - y);
  if (needed.length === 0) return [];
  // Decode only the rows this run needs, named as in the job: a cell's inference seed comes from the
  // names of its row and column (cellSeed), the same in every shard.
  const inputs: Record<string, Matrix> = {};
  for (const g of needed) {
    inputs[job.rows[g]!.name] = toRepresentation(entries[g]!, view);
    entries[g] = undefined;
  }
  entries.length = 0;
  const names = Object.keys(inputs);
  const local = new Map(needed.map((g) => [g, names.indexOf(job.rows[g]!.name)]));
  // Synchronously: the decoded arrays are nnsim's own, so no worker needs a copy of them (the async
  // form copies each input once); the progress bar redraws itself from onProgress.
  const result = compareMatrix(
    runs.map((r) => ({ id: r.id, options: r.options, key: r.key })),
    inputs,
    {
      errors: 'return',
      pairs: pairs.map(([i, j]) => [local.get(i)!, local.get(j)!] as [number, number]),
      onProgress: (p) => bar.update(p.done, p.total),
      onRelease: (_, name) => delete inputs[name],
      ...(job.inference ? flagSettings(job.inference) : {}),
    },
  );
  const size = needed.length;
  const key = (measure: string, row: number, col: number): string => `${measure}\u0000${row}\u0000${col}`;
  const failures = new Map(result.errors.map((e) => [key(e.measure, e.row, e.col), e.error]));
  const inferenceFailures = new Map((result.inference?.errors ?? []).map((e) => [key(e.measure, e.row, e.col), e.error]));
  const cells: Cell[] = [];
  for (const [i, j] of pairs) {
    for (const [row, col] of i === j ? [[i, j]] : [[i, j], [j, i]]) {
      const li = local.get(row!)!;
      const lj = local.get(col!)!;
      for (const m of job.measures) {
        const error = failures.get(key(m.key, li, lj));
        if (error) {
          cells.push({ row: row!, col: col!, measure: m.key, error: { code: error.code, message: error.message } });
          continue;
        }
        // JSON has no NaN: a result that was not computed is left out.
        const extras = Object.fromEntries(
          CELL_EXTRAS.flatMap((name) => {
            const v = result.extras?.[m.key]?.[name]?.[li * size + lj];
            return v === undefined || Number.isNaN(v) ? [] : [[name, v]];
          }),
        );
        const failed = inferenceFailures.get(key(m.key, li, lj));
        cells.push({
          row: row!,
          col: col!,
          measure: m.key,
          value: result.values[m.key]![li * size + lj]!,
          ...extras,
          ...(failed ? { inferenceError: { code: failed.code, message: failed.message } } : {}),
        });
      }
    }
  }
  return sortCells(cells, job);
}

function sortCells(cells: Cell[], job: MatrixJob): Cell[] {
  const order = new Map(job.measures.map((m, k) => [m.key, k]));
  return cells.sort((x, y) => x.row - y.row || x.col - y.col || order.get(x.measure)! - order.get(y.measure)!);
}

// --------------------------------------------------------------------------------------- finishing

type Grid = (number | null)[][];

const fromJson = (v: number | null, end: number): number => (v === null ? end : v);

/** The measures as the report shows them (metric only where the reduction keeps it a metric). */
function reportMeasures(job: MatrixJob): MatrixReportMeasure[] {
  return job.measures.map((m) => ({
    ...summarize({ key: m.key, id: m.id, options: m.options }),
    range: [fromJson(m.range[0], -Infinity), fromJson(m.range[1], Infinity)] as const,
    // The mean of a metric over layer l vs layer l is a metric on the tuples of layers; max and mean
    // over all layer pairs are not (a model is not at distance 0 from itself).
    metric: m.metric && (job.reduce === null || job.reduce === 'diagonal'),
  }));
}

/** Every cell of the job as K × K grids and error records; throws when a cell is missing. */
function assemble(job: MatrixJob, cells: readonly Cell[]): { values: Record<string, Grid>; errors: MatrixErrorRecord[] } {
  const k = job.rows.length;
  const values: Record<string, Grid> = {};
  const seen: Record<string, Uint8Array> = {};
  for (const m of job.measures) {
    values[m.key] = Array.from({ length: k }, () => new Array<number | null>(k).fill(null));
    seen[m.key] = new Uint8Array(k * k);
  }
  const errors: MatrixErrorRecord[] = [];
  for (const c of cells) {
    values[c.measure]![c.row]![c.col] = c.value ?? null;
    seen[c.measure]![c.row * k + c.col] = 1;
    if (c.error) errors.push({ measure: c.measure, row: job.rows[c.row]!.name, col: job.rows[c.col]!.name, code: c.error.code, message: c.error.message });
  }
  for (const m of job.measures) {
    const missing = seen[m.key]!.indexOf(0);
    if (missing >= 0) throw new NnsimError('E_INTERNAL', `cell ${job.rows[Math.floor(missing / k)]!.name} × ${job.rows[missing % k]!.name} of ${m.key} was not computed`);
  }
  return { values, errors };
}

interface InferenceTables {
  /** extras[key][name][i][j] (name: pValue, qValue, lower, upper, standardError); null where not computed. */
  readonly extras: Record<string, Record<string, Grid>>;
  /** Cells with q above the --fdr level (not distinguishable from a random pairing). */
  readonly marks: Record<string, boolean[][]>;
  readonly legends: Record<string, string>;
  readonly tests: Record<string, number>;
  readonly errors: MatrixErrorRecord[];
  readonly skipped: { readonly measure: string; readonly part: 'permutation' | 'bootstrap'; readonly code: string; readonly message: string }[];
}

/**
 * The cells' p-values and intervals as K × K grids, and the q-values over all of them (matrixQValues:
 * computed here, after the shards are merged, the same way for a single run).
 */
function assembleInference(job: MatrixJob, cells: readonly Cell[]): InferenceTables | undefined {
  const settings = job.inference;
  if (!settings) return undefined;
  const k = job.rows.length;
  const grid = (): Grid => Array.from({ length: k }, () => new Array<number | null>(k).fill(null));
  const names = [...(settings.permutations !== undefined ? ['pValue', 'qValue'] : []), ...(settings.bootstrap !== undefined ? ['lower', 'upper', 'standardError'] : [])];
  const tables: InferenceTables = { extras: {}, marks: {}, legends: {}, tests: {}, errors: [], skipped: [] };
  for (const m of job.measures) {
    tables.extras[m.key] = Object.fromEntries(names.map((name) => [name, grid()]));
    for (const { part, error } of skippedParts(m, flagSettings(settings))) tables.skipped.push({ measure: m.key, part, code: error.code, message: error.message });
  }
  for (const c of cells) {
    const extras = tables.extras[c.measure]!;
    for (const name of CELL_EXTRAS) if (c[name] !== undefined && extras[name]) extras[name][c.row]![c.col] = c[name];
    if (c.inferenceError) tables.errors.push({ measure: c.measure, row: job.rows[c.row]!.name, col: job.rows[c.col]!.name, ...c.inferenceError });
  }
  if (settings.permutations === undefined) return tables;
  for (const m of job.measures) {
    const extras = tables.extras[m.key]!;
    const p = Float64Array.from(extras.pValue!.flat(), (v) => v ?? NaN);
    const { qValues, tests } = matrixQValues(p, k, m.symmetric);
    extras.qValue = extras.qValue!.map((row, i) => row.map((_, j) => (Number.isNaN(qValues[i * k + j]!) ? null : qValues[i * k + j]!)));
    tables.marks[m.key] = nullMarks(extras.qValue, settings.fdr);
    tables.tests[m.key] = tests;
    tables.legends[m.key] = nullLegend(settings.fdr, tests);
  }
  return tables;
}

/** Model × model from layer × layer blocks (see MATRIX_USAGE and the README for the definitions). */
function reduceTable(job: MatrixJob, values: Record<string, Grid>, errors: readonly MatrixErrorRecord[], method: Reduction): { values: Record<string, Grid>; errors: MatrixErrorRecord[] } {
  const models = job.models.map((_, m) => job.rows.flatMap((r, k) => (r.model === m ? [k] : [])));
  const out: Record<string, Grid> = {};
  const outErrors: MatrixErrorRecord[] = [];
  for (const m of job.measures) {
    const grid = values[m.key]!;
    out[m.key] = models.map((rowsA, a) =>
      models.map((rowsB, b) => {
        const cells =
          method === 'diagonal' ? rowsA.map((i, l) => [i, rowsB[l]!] as const) : rowsA.flatMap((i) => rowsB.map((j) => [i, j] as const));
        const failed = cells.filter(([i, j]) => grid[i]![j] === null);
        if (failed.length > 0) {
          const [i, j] = failed[0]!;
          const first = errors.find((e) => e.measure === m.key && e.row === job.rows[i]!.name && e.col === job.rows[j]!.name);
          outErrors.push({
            measure: m.key,
            row: job.models[a]!.name,
            col: job.models[b]!.name,
            code: first?.code ?? 'E_INTERNAL',
            message: `${failed.length} of ${cells.length} layer pairs failed (first: ${job.rows[i]!.name} × ${job.rows[j]!.name}: ${first?.message ?? 'not computed'})`,
          });
          return null;
        }
        const v = cells.map(([i, j]) => grid[i]![j]!);
        if (method === 'max') return m.kind === 'similarity' ? Math.max(...v) : Math.min(...v);
        return v.reduce((s, x) => s + x, 0) / v.length;
      }),
    );
  }
  return { values: out, errors: outErrors };
}

const REDUCTION_TEXT: Record<Reduction, string> = {
  diagonal: 'the mean over l of layer l of the row model against layer l of the column model (layers in name order)',
  max: "the most similar layer pair of the two models: the largest value of a similarity, the smallest of a distance",
  mean: 'the mean over all layer pairs of the two models',
};

export interface FinishOptions {
  readonly png: boolean;
  readonly command: string;
}

/** Writes the report of a complete job; returns the failed cells, one line per measure. */
export function finishMatrix(jobJson: MatrixJob, cells: readonly Cell[], dir: string, options: FinishOptions): string[] {
  // Both the unsharded run and the merge build the report from the job as JSON text holds it.
  const job = JSON.parse(JSON.stringify(jobJson)) as MatrixJob;
  const measures = reportMeasures(job);
  const full = assemble(job, cells);
  const inference = assembleInference(job, cells);
  const names = job.rows.map((r) => r.name);
  const layers: MatrixTable = {
    axis: job.allLayers ? 'layer' : 'model',
    names,
    groups: job.allLayers ? job.rows.map((r) => job.models[r.model]!.name) : undefined,
    labels: job.allLayers ? job.rows.map((r) => r.layer) : undefined,
    values: full.values,
    errors: full.errors,
    ...(inference ? { extras: inference.extras, marks: inference.marks, markLegends: inference.legends } : {}),
  };
  let main = layers;
  let reduced: { values: Record<string, Grid>; errors: MatrixErrorRecord[] } | undefined;
  if (job.reduce) {
    reduced = reduceTable(job, full.values, full.errors, job.reduce);
    main = { axis: 'model', names: job.models.map((m) => m.name), values: reduced.values, errors: reduced.errors };
  }
  const results = {
    inputs: job.inputs,
    rows: job.rows.map((r) => ({ name: r.name, model: job.models[r.model]!.name, layer: r.layer, source: r.source, shape: r.shape, rows: job.inputs, cols: r.cols })),
    measures,
    values: full.values,
    errors: full.errors,
    ...(reduced && job.reduce
      ? { reduced: { method: job.reduce, definition: REDUCTION_TEXT[job.reduce], models: main.names, values: reduced.values, errors: reduced.errors } }
      : {}),
    ...(inference && job.inference
      ? {
          inference: {
            ...job.inference,
            family: FALSE_DISCOVERY_FAMILY,
            tests: inference.tests,
            values: inference.extras,
            errors: inference.errors,
            skipped: inference.skipped,
          },
        }
      : {}),
  };
  const models = job.models.length;
  const intro =
    `${job.rows.length} ${layers.axis}s (${models} model${models === 1 ? '' : 's'}${job.allLayers ? ', every layer' : ''}) on N = ${job.inputs} inputs` +
    `${job.idsChecked ? ', the same inputs in the same order by their sample ids' : ''}; ${job.measures.length} measure${job.measures.length === 1 ? '' : 's'}.`;
  const written = writeMatrixReport(dir, {
    title: job.reduce
      ? `nnsim: ${models} × ${models} models (from ${job.rows.length} layers)`
      : `nnsim: ${job.rows.length} × ${job.rows.length} ${layers.axis}s`,
    intro: escapeXml(intro),
    command: options.command,
    measures,
    main,
    detail: job.reduce ? layers : undefined,
    inference: inference && job.inference ? inferenceNote(job.inference, `off-diagonal ${job.reduce ? 'layer × layer ' : ''}cell`, 'their matrix (per measure: the off-diagonal cells, each unordered pair once for a symmetric measure; the count is under each heatmap)') : undefined,
    reduction: job.reduce ? `Model × model (<code>--reduce ${job.reduce}</code>): each cell is ${escapeXml(REDUCTION_TEXT[job.reduce])}; a block with a failed layer pair has no value.` : undefined,
    results,
    cluster: job.cluster,
    sharedScale: job.sharedScale,
    png: options.png,
  });
  const lines: string[] = [];
  if (written.pngError) lines.push(`warning: figures written as SVG only: ${written.pngError.message}`);
  const total = job.rows.length * job.rows.length;
  for (const m of job.measures) {
    const failed = full.errors.filter((e) => e.measure === m.key);
    if (failed.length > 0) lines.push(`${m.key}: ${failed.length} of ${total} cells not computed (first: ${failed[0]!.row} × ${failed[0]!.col}, ${failed[0]!.code}: ${failed[0]!.message})`);
    const untested = inference?.errors.filter((e) => e.measure === m.key) ?? [];
    if (untested.length > 0) {
      lines.push(`${m.key}: inference failed for ${untested.length} cells (first: ${untested[0]!.row} × ${untested[0]!.col}, ${untested[0]!.code}: ${untested[0]!.message})`);
    }
  }
  for (const s of inference?.skipped ?? []) lines.push(`note: ${s.measure}: no ${s.part === 'permutation' ? 'permutation test' : 'bootstrap'} (${s.code}: ${s.message})`);
  return lines;
}

/** A line of finishMatrix that makes the command fail (warnings and notes do not). */
const isFailure = (line: string): boolean => !line.startsWith('warning:') && !line.startsWith('note:');

// ------------------------------------------------------------------------------------------- parts

function partName(index: number, count: number): string {
  return `part-${index}-of-${count}.json`;
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function rerunHint(index: number, count: number): string {
  return `re-run that shard with the job's command and --shard ${index}/${count}`;
}

/** Reads and checks one part file; any damage is a one-line E_FILE naming it. */
function readPart(path: string): PartFile {
  const named = PART_NAME.exec(basename(path));
  const hint = named ? rerunHint(Number(named[1]), Number(named[2])) : 're-run its shard';
  let part: PartFile;
  try {
    part = JSON.parse(readFileSync(path, 'utf8')) as PartFile;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NnsimError('E_FILE', `${path}: no such file; check the path`);
    throw new NnsimError('E_FILE', `${path}: is not a complete part file (${code ?? (error as Error).message.split('\n')[0]}); ${hint}`);
  }
  const valid =
    part !== null &&
    typeof part === 'object' &&
    part.format === PART_FORMAT &&
    typeof part.fingerprint === 'string' &&
    Number.isInteger(part.shard?.index) &&
    Number.isInteger(part.shard?.count) &&
    Array.isArray(part.cells) &&
    typeof part.job === 'object' &&
    Array.isArray(part.job?.rows) &&
    Array.isArray(part.job?.measures);
  if (!valid) throw new NnsimError('E_FILE', `${path}: is not an nnsim matrix part file (no format '${PART_FORMAT}' with shard, job and cells); merge only the part-i-of-n.json files of 'nnsim matrix --shard'`);
  if (part.formatVersion !== PART_VERSION) {
    throw new NnsimError('E_FILE', `${path}: part format ${String(part.formatVersion)} is not the ${PART_VERSION} this nnsim reads; merge with the nnsim version that wrote it (${part.nnsimVersion})`);
  }
  if (hashJson(part.cells) !== part.cellsHash || hashJson({ nnsimVersion: part.nnsimVersion, job: part.job, files: part.files }) !== part.fingerprint) {
    throw new NnsimError('E_FILE', `${path}: its content does not match its checksum (the file was changed or damaged); ${rerunHint(part.shard.index, part.shard.count)}`);
  }
  return part;
}

/** The first top-level field in which two jobs differ, for the message. */
function difference(a: PartFile, b: PartFile): string {
  if (a.nnsimVersion !== b.nnsimVersion) return `nnsim ${a.nnsimVersion} vs ${b.nnsimVersion}`;
  if (JSON.stringify(a.files) !== JSON.stringify(b.files)) {
    const k = a.files.findIndex((f, i) => JSON.stringify(f) !== JSON.stringify(b.files[i]));
    return `input file ${a.files[k]?.file ?? b.files[k]?.file} differs`;
  }
  for (const key of Object.keys(a.job) as (keyof MatrixJob)[]) {
    if (JSON.stringify(a.job[key]) !== JSON.stringify(b.job[key])) return `${key} differ`;
  }
  return 'the fingerprints differ';
}

function partPaths(args: readonly string[]): string[] {
  return filesOf(
    args,
    (name) => PART_NAME.test(name),
    (folder) => new NnsimError('E_FILE', `${folder}: holds no part-i-of-n.json files; give the folder that 'nnsim matrix --shard i/n --out' wrote to`),
  );
}

/** Checks that the parts are one complete job (all n parts, each once, one fingerprint) and returns its cells. */
function combineParts(paths: readonly string[]): { job: MatrixJob; cells: Cell[]; threads: Set<number> } {
  const parts = paths.map((p) => ({ path: p, part: readPart(p) }));
  const first = parts[0]!;
  for (const p of parts.slice(1)) {
    if (p.part.fingerprint !== first.part.fingerprint) {
      throw new NnsimError('E_FILE', `${p.path}: comes from a different job than ${first.path} (${difference(first.part, p.part)}); merge the parts of one run only`);
    }
  }
  const count = first.part.shard.count;
  const byIndex = new Map<number, string>();
  for (const p of parts) {
    if (p.part.shard.count !== count) {
      throw new NnsimError('E_FILE', `${p.path}: is part of ${p.part.shard.count} shards but ${first.path} of ${count}; merge the parts of one run only`);
    }
    const other = byIndex.get(p.part.shard.index);
    if (other !== undefined) throw new NnsimError('E_FILE', `${other} and ${p.path} both hold part ${p.part.shard.index} of ${count}; remove one and merge again`);
    byIndex.set(p.part.shard.index, p.path);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new NnsimError(
      'E_FILE',
      `${partName(missing[0]!, count)} is missing (${missing.length} of ${count} parts missing; have: ${[...byIndex.keys()].sort((x, y) => x - y).join(', ')}); ${rerunHint(missing[0]!, count)}, then merge again`,
    );
  }
  // Each part must hold exactly the pairs its shard is planned to compute.
  const job = first.part.job;
  const plan = planShards(job.rows.map((r) => r.cols), job.inputs, count);
  for (const p of parts) {
    const expected = new Set(plan[p.part.shard.index]!.flatMap(([i, j]) => job.measures.flatMap((m) => (i === j ? [`${i},${j},${m.key}`] : [`${i},${j},${m.key}`, `${j},${i},${m.key}`]))));
    const got = p.part.cells.map((c) => `${c.row},${c.col},${c.measure}`);
    if (got.length !== expected.size || got.some((c) => !expected.has(c))) {
      throw new NnsimError('E_FILE', `${p.path}: does not hold the cells of shard ${p.part.shard.index} of ${count}; ${rerunHint(p.part.shard.index, count)}`);
    }
  }
  return {
    job,
    cells: sortCells(parts.flatMap((p) => p.part.cells), job),
    threads: new Set(parts.map((p) => p.part.threads)),
  };
}

// ----------------------------------------------------------------------------------------- commands

// --rows (a random subset of the inputs) is not taken here: parseArgs refuses it; --seed seeds the inference.
const { rows: _rows, ...MATRIX_COMMON } = COMMON_FLAGS;
const MATRIX_FLAGS = {
  ...MATRIX_COMMON,
  ...INFERENCE_FLAGS,
  fdr: { type: 'string' },
  ...LAYER_FILTER_FLAGS,
  layer: { type: 'string' },
  'all-layers': { type: 'boolean' },
  ids: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
  reduce: { type: 'string' },
  cluster: { type: 'boolean' },
  shard: { type: 'string' },
  out: { type: 'string' },
  'shared-scale': { type: 'boolean' },
  'no-png': { type: 'boolean' },
} as const;

function wrote(dir: string, file: string): string {
  const path = relative(process.cwd(), join(dir, file));
  return path.startsWith('..') ? join(dir, file) : path;
}

/** `nnsim matrix`; returns the exit code (1 when cells failed, except in a shard: its part records them). */
export async function matrixCommand(args: string[], io: Io, ctx: MatrixCommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: MATRIX_FLAGS, allowPositionals: true });
  if (positionals.length === 0) throw ctx.usage(`matrix needs models; usage: ${MATRIX_USAGE.split('\n')[0]}`);
  if (!values.out) throw ctx.usage('matrix needs --out DIR (where the report, or the part file of a shard, is written)');
  if (values.layer !== undefined && values['all-layers']) throw ctx.usage('--layer and --all-layers exclude each other: one layer per model, or every layer');
  if (values.reduce !== undefined && !REDUCTIONS.includes(values.reduce as Reduction)) throw ctx.usage(`--reduce must be diagonal, max or mean; got '${values.reduce}'`);
  if (values.reduce !== undefined && !values['all-layers']) throw ctx.usage('--reduce turns layer × layer blocks into one value per model pair: add --all-layers');
  if ((values.layout ?? []).some((l) => /(^|,)\s*[abAB]=/.test(l))) throw ctx.usage("matrix applies --layout to every model: drop 'a=' / 'b=' (files can declare their own layouts)");
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const inference = inferenceFlags(values, ctx.usage);
  const fdr = fdrFlag(values.fdr, inference, ctx.usage);
  // Checked before any array is read (compareMatrix checks them again).
  if (inference) inferenceSettings('nnsim matrix', { ...inference });
  const view = ctx.view(values);
  const filter = layerFilter(values);
  const names = modelNames(positionals, values.name ?? [], ctx);
  // Notes on skipped arrays are printed once the job is known to be valid (an error stays one line).
  const notes: string[] = [];
  const models: OpenedModel[] = positionals.map((spec, m) => {
    const opened = openModel(spec);
    const { layers, skipped } = selectLayers(spec, opened.layers, filter);
    if (skipped.length > 0) notes.push(`nnsim: note: ${spec}: skipped ${skipped.join(', ')} (not inputs × features)`);
    return { spec, name: names[m]!, layers, ids: opened.ids };
  });
  const rows = chooseRows(models, values, view);
  if (rows.length < 2) throw ctx.usage(`a matrix needs at least two rows; got ${rows.length} (give more models, or --all-layers)`);
  const n = rows[0]!.rows;
  const idsChecked = checkIds(models, rows, values.ids ?? [], ctx);
  const labels = values.labels !== undefined ? readLabels(values.labels) : undefined;
  if (labels && labels.length !== n) throw new NnsimError('E_LABELS', `${values.labels} has ${labels.length} labels but the layers have ${n} rows (inputs)`);
  if (values.reduce === 'diagonal') {
    const counts = models.map((_, m) => rows.filter((r) => r.model === m).length);
    const k = counts.findIndex((c) => c !== counts[0]);
    if (k >= 0) {
      throw new NnsimError(
        'E_OPTION',
        `--reduce diagonal pairs layer l of one model with layer l of another, but ${models[0]!.spec} has ${counts[0]} layers and ${models[k]!.spec} ${counts[k]}; select as many layers in each (--include/--exclude) or use --reduce max or mean`,
      );
    }
  }
  const plan = ctx.planMeasures(values.measure ?? [], values.option ?? [], labels, n);
  const runs = plan.runs;
  const described = describeMeasures(
    runs.map((r) => ({ id: r.id, options: r.options, key: r.key })),
    n,
  );
  const job: MatrixJob = {
    inputs: n,
    models: models.map((m) => ({ name: m.name, source: m.spec })),
    rows: rows.map((r) => ({ name: r.name, model: r.model, layer: r.entry.name, source: r.entry.source, shape: [...r.entry.shape], cols: r.cols })),
    measures: described.map((m, k) => ({
      key: m.key,
      id: m.id,
      options: Object.fromEntries(Object.entries(runs[k]!.options).map(([key, v]) => [key, v instanceof Int32Array ? `labels(${v.length})` : v])),
      kind: m.kind,
      range: [Number.isFinite(m.range[0]) ? m.range[0] : null, Number.isFinite(m.range[1]) ? m.range[1] : null],
      symmetric: m.symmetric,
      metric: m.metric,
    })),
    layout: values.layout ?? [],
    reshape: values.reshape ?? null,
    allLayers: values['all-layers'] === true,
    idsChecked,
    reduce: (values.reduce as Reduction | undefined) ?? null,
    cluster: values.cluster === true,
    sharedScale: values['shared-scale'] === true,
    inference: inference ? { ...inference, fdr } : null,
  };
  for (const note of notes) io.err(printable(note));
  ctx.reportSkipped(plan.skipped, io);
  const k = rows.length;
  const cols = rows.map((r) => r.cols);
  const extra = [...(values.ids ?? []).filter((f) => f !== '-'), ...(values.labels ? [values.labels] : [])];
  const files = shard ? jobFiles(rows, models, extra).map((file) => ({ file: basename(file), ...fileSignature(file) })) : [];
  // From here on only `entries` holds the arrays (and with them the files' bytes): computeCells drops
  // each once it is decoded.
  const entries: (ArrayEntry | undefined)[] = rows.map((r) => r.entry);
  rows.length = 0;
  models.length = 0;
  const dir = resolve(values.out);
  const bar = ctx.progress(!values.quiet && process.stderr.isTTY === true, shard ? `nnsim matrix ${shard.index}/${shard.count}` : 'nnsim matrix', 'pairs');
  if (shard) {
    const nnsimVersion = installedVersion();
    const pairs = planShards(cols, n, shard.count)[shard.index]!;
    let cells: Cell[];
    try {
      cells = computeCells(job, entries, runs, view, pairs, bar);
    } finally {
      bar.stop();
    }
    const part: PartFile = {
      format: PART_FORMAT,
      formatVersion: PART_VERSION,
      nnsimVersion,
      fingerprint: hashJson({ nnsimVersion, job, files }),
      shard,
      threads: getConfig().blasThreads,
      files,
      job,
      cellsHash: hashJson(cells),
      cells,
    };
    mkdirSync(dir, { recursive: true });
    const name = partName(shard.index, shard.count);
    writeAtomically(join(dir, name), JSON.stringify(part) + '\n');
    const failed = cells.filter((c) => c.error).length;
    io.out(
      `nnsim: wrote ${wrote(dir, name)} (shard ${shard.index} of ${shard.count}: ${pairs.length} of ${(k * (k + 1)) / 2} pairs${
        failed ? `, ${failed} failed cells recorded` : ''
      }); when all ${shard.count} are done: nnsim merge ${wrote(dir, '') || '.'} --out REPORT_DIR`,
    );
    return 0;
  }
  const all: [number, number][] = [];
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) all.push([i, j]);
  let cells: Cell[];
  try {
    cells = computeCells(job, entries, runs, view, all, bar);
  } finally {
    bar.stop();
  }
  const lines = finishMatrix(job, cells, dir, { png: values['no-png'] !== true, command: `nnsim matrix ${args.join(' ')}` });
  for (const line of lines) io.err(printable(`nnsim: ${line}`));
  const m = job.models.length;
  const reduced = job.reduce ? ` → ${m} × ${m} models by --reduce ${job.reduce}` : '';
  io.out(`nnsim: wrote ${wrote(dir, 'index.html')} (${job.measures.length} measures × ${k} × ${k} ${job.allLayers ? 'layers' : 'models'}${reduced})`);
  return lines.some(isFailure) ? 1 : 0;
}

/** Whether `path` is a folder with no part files but input-shard states. */
function isStateFolder(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
    const names = readdirSync(path);
    return !names.some((f) => PART_NAME.test(f)) && names.some((f) => f.endsWith('.safetensors'));
  } catch {
    return false;
  }
}

/** `nnsim merge DIR|PART… --out DIR`, or `nnsim merge STATE…` (input shards). */
export async function mergeCommand(args: string[], io: Io, ctx: MatrixCommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, 'no-png': { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw ctx.usage('merge needs the folder of part files (or the part files); usage: nnsim merge DIR --out REPORT_DIR');
  // The states of an input-sharded 'nnsim compare --input-shard i/n --state FILE' (cli-input-shard.ts).
  if (positionals.some((p) => p.endsWith('.safetensors') || isStateFolder(p))) {
    if (values.out !== undefined) throw ctx.usage('merge of input-shard states prints the values (add --json for JSON); it takes no --out');
    return printMergedStates(statePaths(positionals), values.json === true, io.out);
  }
  if (!values.out) throw ctx.usage('merge needs --out DIR (where the report is written)');
  const { job, cells, threads } = combineParts(partPaths(positionals));
  if (threads.size > 1) {
    io.err(`nnsim: note: the parts ran with different thread counts (${[...threads].join(', ')}); values agree to rounding, not bit for bit, with a single run`);
  }
  const dir = resolve(values.out);
  const lines = finishMatrix(job, cells, dir, { png: values['no-png'] !== true, command: `nnsim merge ${args.join(' ')}` });
  for (const line of lines) io.err(printable(`nnsim: ${line}`));
  io.out(`nnsim: wrote ${wrote(dir, 'index.html')} (merged ${job.rows.length} × ${job.rows.length} ${job.allLayers ? 'layers' : 'models'})`);
  return lines.some(isFailure) ? 1 : 0;
}
