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

import { compareMany } from './compare.js';
import { NnsimError, nearest } from './errors.js';
import { EXTRACT_USAGE, extractCommand } from './extract.js';
import { INFERENCE_USAGE, inferenceFlags, inferenceJson, inferenceText, runInference, type InferenceOutcome } from './inference/cli.js';
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
  toRepresentation,
} from './io/load.js';
import { LAYOUTS, RESHAPE_CHOICES, parseReshape as parseReshapeName } from './io/tensor.js';
import type { Matrix } from './matrix.js';
import type { MeasureInfo } from './measure-types.js';
import type { OptionSpec } from './options.js';
import { getMeasure, listMeasures } from './registry.js';
import { escapeXml } from './report/heatmap.js';
import { type Layer, type MeasureRun, type Side, runPairwise, summarize } from './report/pairwise.js';
import { type WrittenSection, indexHtml, rangeText, writeSectionFiles } from './report/write.js';

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A mistake in the command line itself (exit code 2). */
class UsageError extends Error {}

const USAGE = `nnsim — similarity of neural network representations

Usage:
  nnsim compare A B [--measure ID ...] [--option KEY=VALUE ...] [--labels FILE] [--layout L] [--reshape R] [--json]
                    [--permutations N] [--bootstrap N] [--seed S]
  nnsim pairwise A B --out DIR [--measure ID ...] [--option KEY=VALUE ...] [--labels FILE] [--layout L] [--reshape R] [--quiet]
  nnsim extract MODEL.onnx --input FILE --layers REGEX --out FILE.safetensors [--batch N] [--ids FILE]
  nnsim list [--json]
  nnsim demo [--out DIR] [--quiet]

Arrays: file.npy, file.npz#name, file.safetensors#name (N × D, rows = the same inputs in A and B).
pairwise: A and B are folders of per-layer .npy files, or one .npz/.safetensors holding many arrays.
--measure ID      a measure id from 'nnsim list' (repeatable, or comma-separated; 'all' = every
                  representational measure); default: ${'{DEFAULTS}'}
--option K=V      an option for every selected measure that has it; ID.K=V for one measure only
--labels FILE     class labels (1-D integer array) for measures that need them
--layout L        memory order of 4-D/3-D arrays: nchw (N×C×H×W: PyTorch, ONNX) or nhwc (N×H×W×C:
                  TensorFlow, JAX); nct (N×C×T: Conv1d) or ntc (N×T×C: transformer tokens). One per
                  rank, comma-separated (nchw,ntc); a= or b= for one side only (a=nchw,b=nhwc). Files
                  written by nnsim extract or save_activations.py declare it themselves
--reshape R       how 3-D/4-D arrays become N × D: flatten (N × H·W·C, channels last), positions
                  ((N·H·W) × C), pool (global average: N × C), pool:HxW (adaptive average pooling to
                  an H×W grid, then flatten; pool:K = K×K)
--json            machine-readable output
--quiet           no progress bar (it is also off when stderr is not a terminal)
${INFERENCE_USAGE}
`;

/** The default measure set, in this order, as far as they are registered. */
const PREFERRED = ['cka', 'procrustes', 'angular-shape', 'svcca', 'pwcca', 'rsa', 'knn-jaccard', 'distance-correlation'];

function eligible(info: MeasureInfo, haveLabels: boolean): boolean {
  return info.domain === 'representational' && info.arity === 'pair' && (haveLabels || !info.requires.includes('labels'));
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
    default:
      throw new UsageError(`option '${key}' of measure '${measure}' cannot be given on the command line; use the library API`);
  }
}

/** Measure ids and --option flags → runs (key, id, options). */
function planMeasures(
  measureFlags: readonly string[],
  optionFlags: readonly string[],
  labels: Int32Array | undefined,
  rows: number,
): MeasureRun[] {
  let ids = measureFlags.flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean);
  const chosen = ids.length > 0 && !ids.includes('all');
  if (ids.includes('all')) ids = listMeasures().filter((m) => eligible(m, labels !== undefined)).map((m) => m.id);
  if (ids.length === 0) ids = defaultMeasureIds(labels !== undefined);
  // Measures picked implicitly (default set, 'all') that are undefined for this N are left out;
  // a measure named explicitly reports E_TOO_FEW_ROWS instead.
  if (!chosen) ids = ids.filter((id) => getMeasure(id).minRows <= rows);
  if (ids.length === 0) throw new NnsimError('E_TOO_FEW_ROWS', `no default measure is defined for N = ${rows} inputs; name one with --measure`);
  ids = [...new Set(ids)];
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
  return infos.map((info) => {
    const opts = { ...options[info.id]! };
    const labelKey = Object.entries(info.options).find(([, s]) => s.type === 'labels')?.[0];
    if (labelKey && labels) opts[labelKey] = labels;
    return { key: info.id, id: info.id, options: opts };
  });
}

/** Options as shown in reports: labels summarised, not dumped. */
function shownOptions(run: MeasureRun): Record<string, unknown> {
  return Object.fromEntries(Object.entries(run.options).map(([k, v]) => [k, v instanceof Int32Array ? `labels(${v.length})` : v]));
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value instanceof Int32Array) return `labels(${value.length})`;
  return value;
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
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} ${unit} · {eta_formatted} left`, hideCursor: true, clearOnComplete: true },
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
    io.out(JSON.stringify(measures, jsonReplacer, 1));
    return 0;
  }
  for (const m of measures) {
    const options = Object.entries(m.options)
      .map(([k, s]) => {
        if ('default' in s && s.default !== undefined) return `${k}=${s.default === Math.E ? 'e' : String(s.default)}`;
        if (s.type === 'labels') return `${k} (labels: --labels FILE)`;
        if (s.type === 'function') return `${k} (a function: library only)`;
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

const COMMON = {
  measure: { type: 'string', multiple: true, short: 'm' },
  option: { type: 'string', multiple: true, short: 'o' },
  labels: { type: 'string' },
  layout: { type: 'string', multiple: true },
  reshape: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const INFERENCE_FLAGS = {
  permutations: { type: 'string' },
  bootstrap: { type: 'string' },
  seed: { type: 'string' },
} as const;

function compareCommand(args: string[], io: Io): number | Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...COMMON, ...INFERENCE_FLAGS, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError(`compare needs two arrays (A B); got ${positionals.length}. Run 'nnsim --help'`);
  const inference = inferenceFlags(values, (message) => new UsageError(message));
  const views = parseViews(values);
  const labels = values.labels !== undefined ? readLabels(values.labels) : undefined;
  const [ea, eb, rows] = openPair(positionals[0]!, positionals[1]!, views);
  const runs = planMeasures(values.measure ?? [], values.option ?? [], labels, rows);
  const a = toRepresentation(ea, views.a);
  const b = toRepresentation(eb, views.b);
  if (labels && labels.length !== a.rows) {
    throw new NnsimError('E_LABELS', `${values.labels} has ${labels.length} labels but the arrays have ${a.rows} rows (inputs)`);
  }
  const outcomes = compareMany(
    runs.map((r) => ({ id: r.id, options: r.options, key: r.key })),
    a,
    b,
    { errors: 'return' },
  );
  const failed = runs.filter((r) => typeof outcomes[r.key] !== 'number');
  if (runs.length === 1 && failed.length === 1) throw outcomes[runs[0]!.key] as NnsimError;
  const report = (extra?: Record<string, InferenceOutcome>): number => {
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            a: { source: ea.source, shape: ea.shape, rows: a.rows, cols: a.cols },
            b: { source: eb.source, shape: eb.shape, rows: b.rows, cols: b.cols },
            values: Object.fromEntries(runs.map((r) => [r.key, typeof outcomes[r.key] === 'number' ? outcomes[r.key] : null])),
            measures: runs.map((r) => ({ ...summarize({ ...r, options: shownOptions(r) }) })),
            errors: Object.fromEntries(
              failed.map((r) => {
                const e = outcomes[r.key] as NnsimError;
                return [r.key, { code: e.code, message: e.message }];
              }),
            ),
            ...(extra
              ? { inference: { ...inference, measures: Object.fromEntries(Object.entries(extra).map(([k, o]) => [k, inferenceJson(o)])) } }
              : {}),
          },
          jsonReplacer,
          1,
        ),
      );
    } else {
      io.out(`A: ${ea.source} (${a.rows} × ${a.cols})   B: ${eb.source} (${b.rows} × ${b.cols})`);
      const width = Math.max(...runs.map((r) => r.key.length), 7);
      for (const r of runs) {
        const o = outcomes[r.key];
        const info = getMeasure(r.id);
        const text = typeof o === 'number' ? String(o) + inferenceText(extra?.[r.key]) : `error ${(o as NnsimError).code}: ${(o as NnsimError).message}`;
        io.out(`${r.key.padEnd(width)}  ${info.kind.padEnd(10)}  ${text}`);
      }
    }
    return failed.length > 0 || Object.values(extra ?? {}).some((o) => o.error) ? 1 : 0;
  };
  if (!inference) return report();
  const bar = progressBar(!values.quiet && process.stderr.isTTY === true, 'nnsim compare', 'permutations/resamples');
  const ok = runs.filter((r) => typeof outcomes[r.key] === 'number');
  return runInference(ok, a, b, inference, (done, total) => bar.update(done, total))
    .finally(() => bar.stop())
    .then(report);
}

// ------------------------------------------------------------------------------------------ pairwise

function loadSide(spec: string, view: ArrayView): { entries: ArrayEntry[]; rows: number[]; ids: ArrayEntry | undefined } {
  const { layers, ids } = openModel(spec);
  return { entries: layers, rows: layers.map((e) => matrixShape(e, view).rows), ids };
}

function decodeSide(source: string, label: string, entries: readonly ArrayEntry[], view: ArrayView): Side {
  const layers: Layer[] = entries.map((e) => {
    const matrix = toRepresentation(e, view);
    return { name: e.name, shape: e.shape, rows: matrix.rows, cols: matrix.cols, matrix };
  });
  return { source, label, layers };
}

/**
 * Opens both models' layers and checks every layer's N against the others' before decoding; when both
 * files carry sample ids, they must be the same ids in the same order.
 */
function openSides(specA: string, specB: string, views: { a: ArrayView; b: ArrayView }): [ArrayEntry[], ArrayEntry[], number] {
  const a = loadSide(specA, views.a);
  const b = loadSide(specB, views.b);
  const all = [...a.entries.map((e, i) => ({ source: e.source, rows: a.rows[i]! })), ...b.entries.map((e, i) => ({ source: e.source, rows: b.rows[i]! }))];
  for (const x of all) requireSameRows(all[0]!, x);
  // Ids are per input: dimension 0 of every layer (rows can be N·positions after --reshape positions).
  const samples = a.entries[0]?.shape[0] ?? 0;
  const idsA = a.ids && readIds(a.ids, samples);
  const idsB = b.ids && readIds(b.ids, samples);
  if (idsA && idsB) {
    const k = idsA.findIndex((v, i) => v !== idsB[i]);
    if (k >= 0) {
      throw new NnsimError('E_SHAPE', `${a.ids!.source} and ${b.ids!.source} differ at row ${k} (${idsA[k]} vs ${idsB[k]}); rows are inputs, so both must hold the same inputs in the same order`);
    }
  }
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

function pairwiseCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, options: { ...COMMON, out: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 2) throw new UsageError(`pairwise needs two models (A B); got ${positionals.length}. Run 'nnsim --help'`);
  if (!values.out) throw new UsageError('pairwise needs --out DIR (where the report is written)');
  const views = parseViews(values);
  const labels = values.labels !== undefined ? readLabels(values.labels) : undefined;
  const [entriesA, entriesB, rows] = openSides(positionals[0]!, positionals[1]!, views);
  const runs = planMeasures(values.measure ?? [], values.option ?? [], labels, rows);
  const a = decodeSide(positionals[0]!, 'A', entriesA, views.a);
  // One model against itself: one set of prepared layers, symmetric measures mirrored.
  const sameLayouts = JSON.stringify(views.a.layouts) === JSON.stringify(views.b.layouts);
  const b = sameSource(positionals[0]!, positionals[1]!) && sameLayouts ? a : decodeSide(positionals[1]!, 'B', entriesB, views.b);
  if (labels && labels.length !== rows) {
    throw new NnsimError('E_LABELS', `${values.labels} has ${labels.length} labels but the layers have ${rows} rows (inputs)`);
  }
  const bar = progressBar(!values.quiet && process.stderr.isTTY === true, 'nnsim pairwise');
  let result;
  try {
    result = runPairwise(a, b, runs, (done, total) => bar.update(done, total));
  } finally {
    bar.stop();
  }
  const shown = { ...result, measures: result.measures.map((m) => ({ ...m, options: shownOptions(m) })) };
  const dir = resolve(values.out);
  const svgs = writeSectionFiles(dir, `${a.source} vs ${b.source}`, shown);
  const html = indexHtml({
    title: `nnsim: ${a.source} vs ${b.source}`,
    sections: [{ title: `${a.layers.length} × ${b.layers.length} layers, N = ${rows} inputs`, folder: '', result: shown, svgs }],
    command: `nnsim pairwise ${args.join(' ')}`,
  });
  writeFileSync(join(dir, 'index.html'), html);
  // One line per failing measure: how many pairs, and the first reason.
  const total = a.layers.length * b.layers.length;
  for (const m of result.measures) {
    const failed = result.errors.filter((e) => e.measure === m.key);
    if (failed.length === 0) continue;
    const first = failed[0]!;
    io.err(
      printable(`nnsim: ${m.key}: ${failed.length} of ${total} layer pairs not computed (first: ${first.layerA} × ${first.layerB}, ${first.code}: ${first.message})`),
    );
  }
  const written = relative(process.cwd(), join(dir, 'index.html'));
  io.out(`nnsim: wrote ${written.startsWith('..') ? join(dir, 'index.html') : written} (${result.measures.length} measures × ${a.layers.length} × ${b.layers.length} layers)`);
  return result.errors.length > 0 ? 1 : 0;
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
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } }, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`demo takes no arguments; got '${positionals[0]}'`);
  const dataDir = join(PACKAGE_ROOT, 'data', 'demo');
  if (!existsSync(join(dataDir, 'meta.json'))) throw new NnsimError('E_FILE', `${dataDir}: demo data is missing; reinstall nnsim`);
  const meta = JSON.parse(readFileSync(join(dataDir, 'meta.json'), 'utf8')) as DemoMeta;
  const labels = readLabels(join(dataDir, 'labels.npy'));
  const runs = planMeasures([], [], undefined, meta.inputs);
  const dir = resolve(values.out ?? 'nnsim-demo');
  mkdirSync(dir, { recursive: true });
  const reference = meta.models[0]!;
  const sections: WrittenSection[] = [];
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
      const folder = `${reference.folder}-vs-${other.folder}`;
      const title = `${reference.title} vs ${other.title}`;
      const svgs = writeSectionFiles(join(dir, folder), title, shown);
      sections.push({
        title,
        description: `Test accuracy ${(100 * reference.testAccuracy).toFixed(1)}% vs ${(100 * other.testAccuracy).toFixed(1)}%.`,
        folder,
        result: shown,
        svgs,
      });
    });
  } finally {
    bar.stop();
  }
  const functional = functionalTable(dataDir, meta.models, labels);
  if (functional.json.length > 0) writeFileSync(join(dir, 'functional.json'), JSON.stringify(functional.json, null, 1) + '\n');
  const intro =
    `Three small MLPs (64 → ${meta.layers.length - 1} hidden ReLU layers → 10 logits) trained on the UCI handwritten digits ` +
    `(Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, CC BY 4.0), ` +
    `compared layer by layer on ${meta.inputs} held-out test images: two networks that differ only in their random seed, ` +
    `and one trained on shuffled labels (it memorises noise, so its layers should resemble the others' less).`;
  writeFileSync(join(dir, 'index.html'), indexHtml({ title: 'nnsim demo: digits MLPs', intro, sections, extraHtml: functional.html, command: 'nnsim demo' }));
  io.out(`nnsim demo: wrote ${join(dir, 'index.html')} (open it in a browser); data in ${dir}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------- main

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Runs the CLI; returns the exit code (a promise of it for `extract`, which runs asynchronously). */
export function main(argv: readonly string[], io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) }): number | Promise<number> {
  const [command, ...rest] = argv;
  const usage = (): string => USAGE.replace('{DEFAULTS}', defaultMeasureIds(false).join(', '));
  try {
    if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
      io.out(command === 'extract' ? EXTRACT_USAGE : usage());
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
        io.out(version());
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
      case 'extract':
        return extractCommand(rest, io, {
          progress: (enabled) => progressBar(enabled, 'nnsim extract', 'inputs'),
          usage: (message) => new UsageError(message),
        }).catch((error: unknown) => failure(error, io));
      default:
        throw new UsageError(`unknown command '${command}'; commands: compare, pairwise, extract, list, demo (nnsim --help)`);
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
